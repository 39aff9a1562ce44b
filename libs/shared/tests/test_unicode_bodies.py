"""JSON bodies spelling unpaired surrogates are refused with a problem, before any handler."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from muninn_shared.http.app import create_service_app
from muninn_shared.http.unicode import MAX_CHECKED_BYTES, has_invalid_text
from pydantic import BaseModel


class Note(BaseModel):
    text: str
    tags: dict[str, str] = {}


def make_app(seen: list[Note]) -> object:
    router = APIRouter()

    @router.post("/notes")
    async def create(note: Note) -> Note:
        seen.append(note)
        return note

    return create_service_app(service="t", title="t", description="t", routers=[router])


async def post(app: object, body: bytes, content_type: str = "application/json") -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),  # type: ignore[arg-type]
        base_url="http://t",
    ) as client:
        return await client.post("/notes", content=body, headers={"content-type": content_type})


async def test_an_unpaired_surrogate_is_a_problem_and_the_handler_never_runs() -> None:
    seen: list[Note] = []
    app = make_app(seen)
    for body in (
        rb'{"text": "caf\ud995"}',
        rb'{"text": "ok", "tags": {"\uDC00": "key"}}',
        rb'{"text": "ok", "tags": {"k": "\ud83d"}}',
        rb'{"text": "ok", "tags": {"a\u0000b": "nul in a key"}}',
        rb'{"text": "ok", "tags": {"$where": "an operator as a key"}}',
    ):
        response = await post(app, body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"].endswith("invalid-text")
        assert problem["instance"] == "/notes"
    assert seen == []


async def test_valid_text_passes_untouched() -> None:
    seen: list[Note] = []
    app = make_app(seen)
    response = await post(app, rb'{"text": "smile \ud83d\ude00", "tags": {"a": "\u00e9"}}')
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "smile \U0001f600"
    assert seen[0].tags == {"a": "é"}

    response = await post(app, '{"text": "ünïcødé"}'.encode())
    assert response.json()["text"] == "ünïcødé"
    malformed = await post(app, rb'{"text": "\ud995')
    assert malformed.status_code == 422
    assert malformed.json()["type"].endswith("validation-failed")


async def test_large_bodies_pass_through_to_the_size_limits() -> None:
    seen: list[Note] = []
    app = make_app(seen)
    padding = "x" * (MAX_CHECKED_BYTES + 10)
    response = await post(app, f'{{"text": "{padding}"}}'.encode())
    assert response.status_code == 200
    assert len(seen[0].text) == len(padding)


def test_the_walk_sees_keys_values_and_nesting() -> None:
    assert has_invalid_text({"a": [1, {"b": ["\udc00"]}]})
    assert has_invalid_text({"\ud800": 1})
    assert has_invalid_text([{"x": {"k\x00": 1}}])
    assert has_invalid_text({"x": [{"$gt": 1}]})
    assert not has_invalid_text({"price": "$5", "text": "nul \x00 inside a value is text"})
    assert not has_invalid_text({"a": [1, None, True, {"b": "\U0001f600"}]})


async def test_a_dollar_key_is_refused_however_the_body_spells_it() -> None:
    seen: list[Note] = []
    app = make_app(seen)
    for body in (
        rb'{"text": "ok", "tags": {"\u0024gt": "an escaped operator"}}',
        # Fields the model ignores still reach a handler that reads the raw JSON.
        rb'{"text": "ok", "extra": {"deep": [{"\u0024where": "1"}]}}',
        '{"text": "ok", "tags": {"$gt": "in UTF-16"}}'.encode("utf-16"),
        '{"text": "ok", "tags": {"$gt": "in UTF-32"}}'.encode("utf-32-le"),
        # A surrogate as raw bytes: the JSON decoder passes it through as an unpaired one.
        b'{"text": "caf\xed\xa0\x80"}',
    ):
        response = await post(app, body)
        assert response.status_code == 422, body
        assert response.json()["type"].endswith("invalid-text"), body
    assert seen == []


async def test_a_body_without_content_type_is_checked_as_json() -> None:
    received: list[dict[str, object]] = []
    # Routes that parse a body without a content type as JSON, as FastAPI did before
    # strict_content_type and as a handler reading request.json() does.
    router = APIRouter(strict_content_type=False)

    @router.post("/notes")
    async def create(note: dict[str, object]) -> dict[str, object]:
        received.append(note)
        return note

    app = create_service_app(service="t", title="t", description="t", routers=[router])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),  # type: ignore[arg-type]
        base_url="http://t",
    ) as client:
        for headers in ({}, {"content-type": ""}):
            for body in (rb'{"$where": "sleep(1000)"}', rb'{"\u0024where": "sleep(1000)"}'):
                response = await client.post("/notes", content=body, headers=headers)
                assert response.status_code == 422, (headers, body)
                assert response.json()["type"].endswith("invalid-text")
        plain = await client.post("/notes", content=b'{"price": "$5"}', headers={})
        assert plain.status_code == 200, plain.text
    assert received == [{"price": "$5"}]


async def test_a_deeply_nested_suspect_body_is_a_client_error() -> None:
    app = make_app([])
    nested = b"[" * 100_000 + b"]" * 100_000
    response = await post(app, b'{"text": "$", "tags": ' + nested + b"}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
