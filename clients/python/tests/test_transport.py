"""The client's HTTP rules against a scripted server (httpx.MockTransport): no network.

The same rules against the real stack are in tests/integration/end_to_end/test_sdk.py; here
are the cases the stack cannot be made to produce on demand (a 503 then a 200, a server
asking for a long wait, an access token expiring mid-session).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest
from muninn_client import (
    AsyncMuninn,
    Muninn,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServiceUnavailable,
    Tokens,
    TransportError,
    ValidationFailed,
)

Handler = Callable[[httpx.Request], httpx.Response]
FAST = RetryPolicy(max_retries=3, backoff_seconds=0.0, max_retry_wait=1.0)
BASE = "http://muninn.test"


def problem(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": "application/problem+json", **(headers or {})},
        json={
            "type": f"https://muninn.dev/problems/{code}",
            "title": code.replace("-", " "),
            "status": status,
            "detail": f"{code} detail",
            "errors": [{"loc": ["body", "content"], "msg": "too long"}] if status == 422 else None,
        },
    )


def client(handler: Handler, **kwargs: object) -> Muninn:
    http = httpx.Client(base_url=BASE, transport=httpx.MockTransport(handler))
    return Muninn(BASE, http=http, retry=FAST, **kwargs)  # type: ignore[arg-type]


def me_body() -> dict[str, object]:
    return {
        "id": "u1",
        "email": "ada@example.com",
        "name": "Ada",
        "preferences": {},
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-01T10:00:00Z",
        "last_active_at": "2026-11-01T10:00:00Z",
    }


def test_problem_details_become_typed_exceptions() -> None:
    answers = {
        "/v1/memories/m1": problem(404, "not-found"),
        "/v1/memories/m2": problem(422, "validation-failed"),
    }
    sdk = client(lambda request: answers[request.url.path], api_key="mk_test")
    with pytest.raises(NotFound) as missing:
        sdk.memories.get("m1")
    assert missing.value.status == 404
    assert missing.value.code == "not-found"
    assert missing.value.detail == "not-found detail"
    with pytest.raises(ValidationFailed) as invalid:
        sdk.memories.get("m2")
    assert invalid.value.errors == [{"loc": ["body", "content"], "msg": "too long"}]


def test_a_path_parameter_cannot_climb_out_of_its_segment() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return problem(404, "not-found")

    sdk = client(handler, api_key="mk_test")
    with pytest.raises(NotFound):
        sdk.memories.get("../../internal/x?y=1")
    assert seen == ["/v1/memories/..%2F..%2Finternal%2Fx%3Fy%3D1"]
    with pytest.raises(ValueError, match="not a valid path parameter"):
        sdk.memories.get("..")


def test_429_and_503_are_retried_after_retry_after_then_succeed() -> None:
    answers = [
        problem(429, "rate-limited", {"Retry-After": "0"}),
        problem(503, "store-unavailable", {"Retry-After": "0"}),
        httpx.Response(200, json=me_body()),
    ]
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return answers.pop(0)

    me = client(handler, api_key="mk_test").me.get()
    assert me.email == "ada@example.com"
    assert calls == ["GET", "GET", "GET"]


def test_a_long_retry_after_is_not_waited_but_raised_with_its_value() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return problem(429, "rate-limited", {"Retry-After": "120"})

    with pytest.raises(RateLimited) as limited:
        client(handler, api_key="mk_test").me.get()
    assert limited.value.retry_after == 120.0
    assert calls == 1


def test_retries_are_bounded() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return problem(503, "service-unavailable", {"Retry-After": "0"})

    with pytest.raises(ServiceUnavailable):
        client(handler, api_key="mk_test").me.get()
    assert calls == 1 + FAST.max_retries


def test_a_post_is_not_retried_after_a_connection_failure_a_get_is() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ConnectError("refused", request=request)

    sdk = client(handler, api_key="mk_test")
    with pytest.raises(TransportError):
        sdk.memories.search({"query": "x"})
    assert calls == ["POST"]
    calls.clear()
    with pytest.raises(TransportError):
        sdk.me.get()
    assert calls == ["GET"] * (1 + FAST.max_retries)


def refreshing_server(valid: set[str], rotated: list[str]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth/refresh":
            body = json.loads(request.content)
            new = f"access-{len(rotated) + 2}"
            rotated.append(body["refresh_token"])
            valid.add(new)
            return httpx.Response(
                200,
                json={
                    "access_token": new,
                    "expires_in": 900,
                    "refresh_token": f"refresh-{len(rotated) + 1}",
                    "refresh_expires_in": 86400,
                },
            )
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in valid:
            return problem(401, "unauthorized")
        return httpx.Response(200, json=me_body())

    return handler


def test_a_401_refreshes_the_token_once_and_repeats_the_request() -> None:
    rotated: list[str] = []
    stored: list[str] = []
    tokens = Tokens("access-1", "refresh-1", None, lambda t: stored.append(t.access_token))
    sdk = client(refreshing_server({"nothing-yet"}, rotated), tokens=tokens)
    assert sdk.me.get().id == "u1"
    assert rotated == ["refresh-1"]
    assert tokens.access_token == "access-2"
    assert tokens.refresh_token == "refresh-2"
    assert stored == ["access-2"]


def test_a_token_about_to_expire_is_refreshed_before_the_request() -> None:
    rotated: list[str] = []
    tokens = Tokens("access-1", "refresh-1", time.time() + 5)
    sdk = client(refreshing_server({"access-1"}, rotated), tokens=tokens)
    sdk.me.get()
    assert rotated == ["refresh-1"]
    assert tokens.access_token == "access-2"


def test_pages_are_followed_by_cursor() -> None:
    def memory(n: int) -> dict[str, object]:
        return {
            "id": f"m{n}",
            "content": f"fact {n}",
            "type": "personal_info",
            "context": "personal",
            "importance": 5,
            "status": "active",
            "occurred_at": "2026-11-01T10:00:00Z",
            "valid_from": "2026-11-01T10:00:00Z",
            "provenance": {"source": "api", "extraction": {"extractor": "none"}},
            "created_at": "2026-11-01T10:00:00Z",
            "updated_at": "2026-11-01T10:00:00Z",
        }

    cursors: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        cursors.append(cursor)
        assert request.url.params["limit"] == "2"
        if cursor is None:
            return httpx.Response(200, json={"items": [memory(1), memory(2)], "next_cursor": "c2"})
        return httpx.Response(200, json={"items": [memory(3)], "next_cursor": None})

    sdk = client(handler, api_key="mk_test")
    paginator = sdk.memories.list(limit=2)
    assert cursors == []  # lazy: nothing asked before iterating
    assert [m.id for m in paginator] == ["m1", "m2", "m3"]
    assert cursors == [None, "c2"]


async def test_async_client_maps_errors_and_retries_the_same_way() -> None:
    answers = [problem(503, "store-unavailable", {"Retry-After": "0"}), problem(404, "not-found")]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    http = httpx.AsyncClient(base_url=BASE, transport=httpx.MockTransport(handler))
    async with AsyncMuninn(BASE, http=http, retry=FAST, api_key="mk_test") as sdk:
        with pytest.raises(NotFound):
            await sdk.reminders.get("r1")
    assert answers == []


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNINN_API_KEY", "mk_from_env")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json=me_body())

    client(handler).me.get()
    assert seen == ["Bearer mk_from_env"]
