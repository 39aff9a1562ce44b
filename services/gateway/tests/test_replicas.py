"""Several replicas of one service: round robin, failover past refused connections, readiness."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from muninn_gateway.routing.replicas import ReplicaSet
from muninn_gateway.routing.table import RouteTable
from muninn_gateway.settings import GatewaySettings
from pydantic import ValidationError

from tests import loopback

Bearer = Callable[..., dict[str, str]]
Problem = Callable[[httpx.Response, int], dict[str, Any]]


def named_scheduler(name: str, hits: Counter[str]) -> FastAPI:
    """A scheduler replica that says who it is and echoes what it was sent."""
    app = FastAPI()

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.api_route("/v1/{path:path}", methods=["GET", "POST"])
    async def answer(request: Request) -> dict[str, str]:
        hits[name] += 1
        return {"replica": name, "body": (await request.body()).decode()}

    return app


def free_closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def serving(app: FastAPI) -> AbstractAsyncContextManager[str]:
    return loopback.serving(app, lifespan="on", proxy_headers=False)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_round_robin_puts_a_down_replica_last_until_its_mark_expires() -> None:
    clock = Clock()
    replicas = ReplicaSet("memory", ["http://a", "http://b", "http://c"], clock=clock)
    firsts = [replicas.attempt_order()[0] for _ in range(6)]
    assert firsts == ["http://a", "http://b", "http://c"] * 2

    replicas.mark_down("http://b")
    orders = [replicas.attempt_order() for _ in range(3)]
    assert all(order[-1] == "http://b" for order in orders)
    assert all(sorted(order) == ["http://a", "http://b", "http://c"] for order in orders)

    clock.now += 5.1
    assert not replicas.is_down("http://b")
    assert "http://b" in {replicas.attempt_order()[0] for _ in range(3)}


def test_a_success_clears_the_down_mark_and_a_single_url_is_never_marked() -> None:
    replicas = ReplicaSet("memory", ["http://a", "http://b"], clock=Clock())
    replicas.mark_down("http://a")
    assert replicas.is_down("http://a")
    replicas.mark_up("http://a")
    assert not replicas.is_down("http://a")

    single = ReplicaSet("memory", ["http://only"], clock=Clock())
    single.mark_down("http://only")
    assert single.attempt_order() == ["http://only"]
    assert not single.is_down("http://only")


def test_settings_keep_the_single_url_form_and_check_replica_lists() -> None:
    plain = GatewaySettings(scheduler_url="http://127.0.0.1:9/")
    assert plain.upstream_replica_urls()["scheduler"] == ["http://127.0.0.1:9"]

    several = GatewaySettings(
        upstream_replicas={"scheduler": ["http://s1:8084/", " http://s2:8084"]}
    )
    assert several.upstream_replica_urls()["scheduler"] == ["http://s1:8084", "http://s2:8084"]
    assert several.upstream_urls()["scheduler"] == "http://s1:8084"

    for bad in (
        {"gateway": ["http://g:8080"]},
        {"nosuch": ["http://x"]},
        {"memory": []},
        {"memory": ["ftp://m:21"]},
        {"memory": ["http://m:8083?x=1"]},
        {"memory": ["http://user:pw@m:8083"]},
        {"memory": ["http://m:8083", "http://m:8083/"]},
        {"memory": [f"http://m{i}" for i in range(65)]},
    ):
        with pytest.raises(ValidationError):
            GatewaySettings(upstream_replicas=bad)


async def test_requests_spread_over_replicas_and_pass_a_refused_one(
    make_gateway: Any, bearer: Bearer
) -> None:
    hits: Counter[str] = Counter()
    dead = f"http://127.0.0.1:{free_closed_port()}"
    async with (
        serving(named_scheduler("one", hits)) as one,
        serving(named_scheduler("two", hits)) as two,
        make_gateway(upstream_replicas={"scheduler": [one, dead, two]}) as gateway,
    ):
        answers = [await gateway.get("/v1/reminders", headers=bearer()) for _ in range(12)]
        posted = [
            await gateway.post("/v1/reminders", content=f"body-{i}".encode(), headers=bearer())
            for i in range(6)
        ]

    assert [a.status_code for a in answers + posted] == [200] * 18
    assert min(hits["one"], hits["two"]) >= 6, hits
    assert sum(hits.values()) == 18, "each request reached exactly one replica"
    # A body sent after a refused connection arrives whole at the next replica.
    assert [p.json()["body"] for p in posted] == [f"body-{i}" for i in range(6)]


async def test_every_replica_refusing_is_one_503(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    dead = [f"http://127.0.0.1:{free_closed_port()}" for _ in range(2)]
    async with make_gateway(upstream_replicas={"scheduler": dead}) as gateway:
        response = await gateway.post("/v1/reminders", content=b"{}", headers=bearer())
    body = problem_of(response, 503)
    assert "scheduler" in body["detail"]
    assert response.headers["retry-after"] == "5"


async def test_a_dropped_connection_is_not_retried_on_another_replica(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    """A replica that accepted the request and died may have acted on it: no second try."""
    hits: Counter[str] = Counter()
    accepted = asyncio.Event()

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        accepted.set()
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    dying = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with (
            serving(named_scheduler("live", hits)) as live,
            make_gateway(upstream_replicas={"scheduler": [dying, live]}) as gateway,
        ):
            response = await gateway.post("/v1/reminders", content=b"{}", headers=bearer())
    finally:
        server.close()
        await server.wait_closed()
    assert accepted.is_set()
    problem_of(response, 503)
    assert hits["live"] == 0


async def test_gateway_is_ready_while_any_replica_of_each_service_is(
    make_gateway: Any, upstreams: Any
) -> None:
    dead = f"http://127.0.0.1:{free_closed_port()}"
    async with make_gateway(
        upstream_replicas={"memory": [dead, upstreams.memory]},
        readiness_upstreams=["memory"],
    ) as gateway:
        ready = await gateway.get("/readyz")
    assert ready.status_code == 200, ready.text

    async with make_gateway(
        upstream_replicas={"memory": [dead, f"http://127.0.0.1:{free_closed_port()}"]},
        readiness_upstreams=["memory"],
    ) as gateway:
        not_ready = await gateway.get("/readyz")
    assert not_ready.status_code == 503, not_ready.text


def test_route_table_hands_each_service_its_replica_set() -> None:
    table = RouteTable.from_settings(
        GatewaySettings(
            upstream_replicas={"memory": ["http://m1:8083", "http://m2:8083"]},
            upstream_down_seconds=2.5,
        )
    )
    route = table.match("/v1/memories/search")
    assert route is not None
    assert route.replicas.urls == ("http://m1:8083", "http://m2:8083")
    other = table.match("/v1/memories")
    assert other is not None
    assert other.replicas is route.replicas, "one round robin per service, not per prefix"
