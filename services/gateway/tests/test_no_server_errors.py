"""Whatever a client sends, the gateway answers with a client error or a proper upstream
error (502/503/504 when a service is down or slow), never a 500 and never a hang."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from muninn_gateway.settings import GatewaySettings
from muninn_shared.signing import TokenIssuer

SEGMENTS = [
    "v1",
    "internal",
    "v2",
    "",
    ".",
    "..",
    "%2e%2e",
    "%2F",
    "me",
    "auth",
    "login",
    "register",
    "refresh",
    "conversations",
    "memories",
    "reminders",
    "calendar",
    "byod",
    "chat",
    "completions",
    "api-keys",
    "verify",
    "docs",
    "openapi.json",
    "healthz",
    "readyz",
]
# Printable latin-1 without the characters HTTP clients refuse in header values.
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=60,
).map(str.strip)
PATH_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x2FF, exclude_characters="?#/"),
    max_size=12,
)
METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])


@pytest.fixture(scope="module")
async def gateway(make_gateway: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with make_gateway() as http:
        yield http


@pytest.fixture(scope="module")
def token(codec: TokenIssuer) -> str:
    return codec.issue("fuzz-user")


def paths() -> st.SearchStrategy[str]:
    segment = st.one_of(st.sampled_from(SEGMENTS), PATH_TEXT)
    anything = st.lists(segment, max_size=5).map(lambda parts: "/" + "/".join(parts))
    routed = st.tuples(
        st.sampled_from(sorted(GatewaySettings().routes)), st.lists(segment, max_size=3)
    ).map(lambda t: "/".join([t[0], *t[1]]))
    return st.one_of(anything, routed, routed)


def credentials(token: str) -> st.SearchStrategy[dict[str, str]]:
    valid = st.just(f"Bearer {token}")
    authorization = st.one_of(
        valid,
        valid,
        valid,
        st.just(f"Bearer {token[:-2]}xx"),
        st.just("Bearer mk_" + "a" * 43),
        HEADER_TEXT.map(lambda v: f"Bearer {v}"),
        HEADER_TEXT,
    )
    return st.fixed_dictionaries(
        {"Authorization": authorization},
        optional={
            "X-API-Key": st.one_of(st.just("mk_" + "b" * 43), HEADER_TEXT),
            "Content-Type": st.one_of(
                st.sampled_from(["application/json", "text/event-stream", "multipart/form-data"]),
                HEADER_TEXT,
            ),
            "Accept": HEADER_TEXT,
            "Idempotency-Key": HEADER_TEXT,
            "X-Request-ID": HEADER_TEXT,
            "X-Forwarded-For": HEADER_TEXT,
            "Origin": st.sampled_from(["https://app.example", "https://evil.example"]),
            "Access-Control-Request-Method": st.sampled_from(["GET", "POST", "BREW"]),
            "Last-Event-ID": HEADER_TEXT,
            "Range": HEADER_TEXT,
        },
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
async def test_random_requests_never_cause_a_server_error(
    gateway: httpx.AsyncClient, token: str, data: st.DataObject
) -> None:
    method = data.draw(METHODS, label="method")
    path = data.draw(paths(), label="path")
    query = data.draw(st.one_of(st.just(""), HEADER_TEXT), label="query")
    headers = {
        name: value.encode("latin-1")
        for name, value in data.draw(credentials(token), label="headers").items()
    }
    body = data.draw(st.one_of(st.just(b""), st.binary(max_size=2048)), label="body")
    try:
        request = gateway.build_request(
            method, path + ("?" + query if query else ""), headers=headers, content=body or None
        )
    except httpx.InvalidURL as exc:
        event(f"unsendable: {exc}"[:40])
        return  # not a request an HTTP client can send
    response = await gateway.send(request)
    event(f"status {response.status_code}")
    if response.status_code >= 500:
        assert response.status_code in (502, 503, 504), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
