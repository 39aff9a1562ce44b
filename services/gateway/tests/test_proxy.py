"""Forwarding over real HTTP: routing, headers, bodies, streams, and upstream failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from muninn_gateway.proxy.pool import UpstreamPool

Problem = Callable[[httpx.Response, int], dict[str, Any]]
Bearer = Callable[..., dict[str, str]]


async def test_routes_by_longest_prefix_and_forwards_method_path_query_body(
    client: httpx.AsyncClient, bearer: Bearer
) -> None:
    response = await client.patch(
        "/v1/conversations/c%2F1/messages?limit=5&tag=a&tag=b",
        content=b'{"text": "hello"}',
        headers={
            **bearer("user-1"),
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": "idem-1",
            "X-Request-ID": "req-abc.1",
            "X-Forwarded-For": "6.6.6.6",
            "X-Internal-Secret": "must-not-pass",
            "Cookie": "session=1",
        },
    )
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["method"] == "PATCH"
    assert seen["raw_path"] == "/v1/conversations/c%2F1/messages", "the client's encoding is kept"
    assert seen["query"] == "limit=5&tag=a&tag=b"
    assert seen["body"] == '{"text": "hello"}'
    headers = seen["headers"]
    assert headers["authorization"].startswith("Bearer ")
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["idempotency-key"] == "idem-1"
    assert headers["x-request-id"] == "req-abc.1"
    assert headers["x-forwarded-for"] == "127.0.0.1", "the client cannot choose its address"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"].startswith("127.0.0.1:")
    assert "traceparent" in headers, "trace context goes upstream"
    assert "x-internal-secret" not in headers
    assert "cookie" not in headers
    assert response.headers["x-request-id"] == "req-abc.1"
    assert response.headers.get_list("x-request-id") == ["req-abc.1"]
    assert response.headers["ratelimit-limit"] == "100000"


async def test_each_prefix_reaches_its_service(client: httpx.AsyncClient, bearer: Bearer) -> None:
    me = await client.get("/v1/me/preferences", headers=bearer())
    assert me.json()["path"] == "/v1/me/preferences"
    root = await client.get("/v1/me", headers=bearer())
    assert root.json()["path"] == "/v1/me"
    memory = await client.delete("/v1/memories/m1", headers=bearer())
    assert memory.json() == {**memory.json(), "method": "DELETE", "path": "/v1/memories/m1"}
    login = await client.post("/v1/auth/login", json={"email": "a@b.c", "password": "x"})
    assert login.status_code == 200
    assert login.json()["body"] == '{"email":"a@b.c","password":"x"}'


async def test_the_authorization_header_carries_the_callers_token(
    client: httpx.AsyncClient, bearer: Bearer
) -> None:
    headers = bearer("user-7")
    response = await client.get("/v1/conversations/c1", headers=headers)
    assert response.json()["headers"]["authorization"] == headers["Authorization"]


async def test_unknown_and_internal_paths_are_404(
    client: httpx.AsyncClient, bearer: Bearer, problem_of: Problem
) -> None:
    for path in (
        "/v1/unknown",
        "/v1",
        "/v1/",
        "/v1/memoriesx",
        "/internal/api-keys/verify",
        "/internal/privacy/export",
        "/",
        "/v2/me",
        "/v1/me/%2e%2e/%2e%2e/internal/api-keys/verify",
    ):
        problem_of(await client.get(path, headers=bearer()), 404)
    problem_of(await client.post("/internal/api-keys/verify", json={"key": "mk_x"}), 404)


async def test_redirects_never_reveal_the_service_address(
    client: httpx.AsyncClient, bearer: Bearer
) -> None:
    response = await client.get("/v1/conversations/redirect-x1", headers=bearer())
    assert response.status_code == 307
    assert response.headers["location"] == "/v1/conversations/target"


async def test_a_cookie_a_service_sets_is_never_sent_for_another_caller(
    client: httpx.AsyncClient, bearer: Bearer
) -> None:
    first = await client.get("/v1/conversations/cookie-x1", headers=bearer())
    assert "session=" in first.headers["set-cookie"], "the caller gets the service's cookie"
    client.cookies.clear()
    later = await client.get("/v1/conversations/anything", headers=bearer("someone-else"))
    assert "cookie" not in later.json()["headers"], "the gateway keeps no cookie jar"


async def test_the_upstream_pool_keeps_no_cookies_for_named_hosts(upstreams: Any) -> None:
    # A host name, as in Compose or Kubernetes: a cookie jar would keep cookies set by a
    # named host (it ignores those from IP addresses, so the test above alone proves less).
    base = upstreams.conversation.replace("127.0.0.1", "localhost")
    pool = UpstreamPool(max_connections=2)
    try:
        session = pool.session()
        async with session.get(f"{base}/v1/conversations/cookie-x1") as first:
            assert "session=" in first.headers["set-cookie"]
        async with session.get(f"{base}/v1/conversations/anything") as later:
            seen = await later.json()
        assert "cookie" not in seen["headers"]
    finally:
        await pool.aclose()


async def test_server_sent_events_arrive_as_they_are_sent(
    client: httpx.AsyncClient, bearer: Bearer, upstreams: Any
) -> None:
    run = "sse-incremental"
    async with client.stream(
        "POST", f"/v1/chat/completions?run={run}", headers=bearer(), json={"stream": True}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        first = await anext(lines)
        assert first == "data: first"
        # The service cannot finish until released, and it is released only now: the first
        # event therefore crossed the gateway while the stream was still open.
        assert run not in upstreams.state.finished
        upstreams.state.release(run).set()
        rest = [line async for line in lines if line]
    assert rest == ["data: second", "data: [DONE]"]
    assert run in upstreams.state.finished


async def test_event_streams_outlive_the_normal_read_timeout(
    client: httpx.AsyncClient, bearer: Bearer
) -> None:
    # The route's read timeout is 0.3 s; the service pauses 1 s between two events.
    response = await client.get("/v1/conversations/pause-stream-x1/events", headers=bearer())
    assert response.status_code == 200
    assert response.text == "data: before\n\ndata: after\n\n"


async def test_a_stalled_ordinary_body_is_cut_and_visibly_truncated(
    client: httpx.AsyncClient, bearer: Bearer
) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get("/v1/conversations/pause-body-x1", headers=bearer())


async def test_client_disconnect_closes_the_upstream_stream(
    client: httpx.AsyncClient, bearer: Bearer, upstreams: Any
) -> None:
    run = "disconnect-1"
    async with client.stream(
        "GET", f"/v1/conversations/endless-stream-x1/events?run={run}", headers=bearer()
    ) as response:
        lines = response.aiter_lines()
        assert (await anext(lines)).startswith("data: tick")
    await asyncio.wait_for(upstreams.state.closed(run).wait(), 10)


async def test_closed_upstream_port_is_503_with_retry_after(
    client: httpx.AsyncClient, bearer: Bearer, problem_of: Problem
) -> None:
    response = await client.get("/v1/reminders", headers=bearer())
    body = problem_of(response, 503)
    assert "scheduler" in body["detail"]
    assert response.headers["retry-after"] == "5"


RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _reminders_from_raw_scheduler(
    handle: RawHandler, make_gateway: Any, bearer: Bearer
) -> httpx.Response:
    """GET /v1/reminders through a gateway whose scheduler is ``handle`` on a raw socket."""
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with make_gateway(scheduler_url=f"http://127.0.0.1:{port}") as gateway:
            response = await gateway.get("/v1/reminders", headers=bearer())
    finally:
        server.close()
        await server.wait_closed()
    return response


async def test_upstream_dying_mid_request_is_503_not_502(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    """A service killed while it holds a request (connection accepted, then dropped)."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    response = await _reminders_from_raw_scheduler(hang_up, make_gateway, bearer)
    body = problem_of(response, 503)
    assert "scheduler" in body["detail"]
    assert "retry-after" in response.headers


async def test_upstream_dying_between_headers_and_body_is_503_not_a_truncated_200(
    make_gateway: Any, bearer: Bearer, problem_of: Problem
) -> None:
    async def die_mid_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"
        )
        await writer.drain()
        writer.close()

    response = await _reminders_from_raw_scheduler(die_mid_body, make_gateway, bearer)
    problem_of(response, 503)


async def test_slow_upstream_is_504(
    client: httpx.AsyncClient, bearer: Bearer, problem_of: Problem
) -> None:
    body = problem_of(await client.get("/v1/memories/slow-x1", headers=bearer()), 504)
    assert "memory" in body["detail"]


async def test_body_over_the_limit_by_content_length_is_413(
    client: httpx.AsyncClient, bearer: Bearer, problem_of: Problem
) -> None:
    problem_of(
        await client.post("/v1/conversations/c1", content=b"x" * 1025, headers=bearer()), 413
    )
    ok = await client.post("/v1/conversations/c1", content=b"x" * 1024, headers=bearer())
    assert ok.status_code == 200
    assert len(ok.json()["body"]) == 1024


async def test_chunked_body_over_the_limit_is_stopped_while_streaming(
    client: httpx.AsyncClient, bearer: Bearer, problem_of: Problem
) -> None:
    async def chunks(count: int) -> AsyncIterator[bytes]:
        for _ in range(count):
            yield b"y" * 400

    problem_of(await client.post("/v1/conversations/c1", content=chunks(4), headers=bearer()), 413)
    ok = await client.post("/v1/conversations/c1", content=chunks(2), headers=bearer())
    assert ok.status_code == 200
    assert ok.json()["body"] == "y" * 800
    assert ok.json()["headers"]["transfer-encoding"] == "chunked"


async def test_upload_routes_may_take_larger_bodies(
    client: httpx.AsyncClient, bearer: Bearer, problem_of: Problem
) -> None:
    ok = await client.put("/v1/memories/upload/doc", content=b"z" * 4096, headers=bearer())
    assert ok.status_code == 200
    problem_of(
        await client.put("/v1/memories/upload/doc", content=b"z" * 4097, headers=bearer()), 413
    )


async def test_head_and_options_pass_through(client: httpx.AsyncClient, bearer: Bearer) -> None:
    head = await client.head("/v1/conversations/c1", headers=bearer())
    assert head.status_code == 200
    assert head.content == b""
    options = await client.options("/v1/conversations/c1", headers=bearer())
    assert options.json()["method"] == "OPTIONS"
