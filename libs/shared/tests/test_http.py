from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import APIRouter
from muninn_shared.http.app import create_service_app
from muninn_shared.pagination import decode_cursor, encode_cursor
from muninn_shared.problems import ProblemError
from pydantic import BaseModel


class Body(BaseModel):
    n: int


def make_app(ready: bool = True):
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @router.get("/missing")
    async def missing() -> None:
        raise ProblemError(404, "Widget not found", code="not-found")

    @router.post("/echo")
    async def echo(body: Body) -> Body:
        return body

    async def check() -> None:
        if not ready:
            raise ConnectionError("mongo down")

    return create_service_app(
        service="t",
        title="t",
        description="t",
        routers=[router],
        readiness_checks={"mongodb": check},
    )


async def call(app, method: str, path: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as client:
        return await client.request(method, path, **kwargs)


async def test_problem_details_for_domain_validation_and_unexpected_errors() -> None:
    app = make_app()
    missing = await call(app, "GET", "/missing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"].endswith("/not-found")
    assert missing.json()["instance"] == "/missing"

    invalid = await call(app, "POST", "/echo", json={"n": "x"})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["loc"] == ["body", "n"]

    boom = await call(app, "GET", "/boom")
    assert boom.status_code == 500
    assert "secret internals" not in boom.text

    not_routed = await call(app, "GET", "/nowhere")
    assert not_routed.status_code == 404
    assert not_routed.headers["content-type"] == "application/problem+json"


async def test_request_id_is_echoed_or_generated() -> None:
    app = make_app()
    given = await call(app, "GET", "/healthz", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await call(app, "GET", "/healthz", headers={"x-request-id": "bad id with spaces"})
    assert generated.headers["x-request-id"] != "bad id with spaces"
    assert len(generated.headers["x-request-id"]) == 32


async def test_readiness_reports_each_dependency() -> None:
    assert (await call(make_app(ready=True), "GET", "/readyz")).json()["checks"] == {
        "mongodb": "ok"
    }
    down = await call(make_app(ready=False), "GET", "/readyz")
    assert down.status_code == 503
    assert down.json()["checks"]["mongodb"].startswith("failing: ConnectionError")
    assert (await call(make_app(ready=False), "GET", "/healthz")).status_code == 200


def test_cursor_round_trip_and_garbage() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, "id-1")) == (at, "id-1")
    with pytest.raises(ProblemError) as raised:
        decode_cursor("%%%not-a-cursor")
    assert raised.value.status == 400
