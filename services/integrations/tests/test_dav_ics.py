"""The ICS feed connector without a network (httpx.MockTransport)."""

from __future__ import annotations

import json

import httpx
import pytest
from muninn_integrations.connectors.ics import IcsFeedConnector, feed_url_of
from muninn_integrations.connectors.port import (
    CredentialsRejectedError,
    SourceRejectedError,
    SourceUnavailableError,
)

SECRET_FEED = "https://calendar.example.com/private-0123456789abcdef/basic.ics?token=s3cret"


def feed(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{event}\r\nEND:VEVENT\r\n" for event in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}END:VCALENDAR\r\n".encode()


def event(uid: str, title: str, stamp: str = "20260101T000000Z") -> str:
    return f"UID:{uid}\r\nDTSTAMP:{stamp}\r\nDTSTART:20260401T100000Z\r\nSUMMARY:{title}"


def connector(handler: httpx.MockTransport, url: str = SECRET_FEED) -> IcsFeedConnector:
    return IcsFeedConnector(url, http=httpx.AsyncClient(transport=handler))


def serving(body: bytes, requests: list[httpx.Request] | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if requests is not None:
            requests.append(request)
        return httpx.Response(200, content=body, headers={"ETag": '"v1"'})

    return httpx.MockTransport(handle)


async def test_a_pass_over_pages_saves_validators_only_at_its_end() -> None:
    requests: list[httpx.Request] = []
    ics = connector(serving(feed(*(event(f"u{n}", f"E{n}") for n in range(5))), requests))

    first = await ics.changes(None, page_size=2)
    assert first.more
    assert "etag" not in json.loads(first.cursor)
    second = await ics.changes(first.cursor, page_size=2)
    third = await ics.changes(second.cursor, page_size=2)

    assert not third.more
    assert json.loads(third.cursor)["etag"] == '"v1"'
    uids = [c.external_id for page in (first, second, third) for c in page.changes]
    assert uids == [f"u{n}" for n in range(5)]
    assert "If-None-Match" not in requests[1].headers
    await ics.changes(third.cursor, page_size=2)
    assert requests[-1].headers["If-None-Match"] == '"v1"'


async def test_a_restamped_feed_is_no_change_and_a_malformed_event_is_not_a_deletion() -> None:
    ics = connector(serving(feed(event("a", "A"), event("b", "B"))))
    page = await ics.changes(None, page_size=10)

    restamped = feed(event("a", "A", stamp="20270101T000000Z"), "UID:b\r\nSUMMARY:no start")
    again = await connector(serving(restamped)).changes(page.cursor, page_size=10)

    assert again.changes == []
    assert set(json.loads(again.cursor)["d"]) == {"a", "b"}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx.Response(401), CredentialsRejectedError),
        (httpx.Response(404), SourceRejectedError),
        (httpx.Response(503, headers={"Retry-After": "60"}), SourceUnavailableError),
        (httpx.Response(200, content=b"<html>maintenance</html>"), SourceUnavailableError),
        (httpx.Response(200, content=b"x" * (11 * 1024 * 1024)), SourceRejectedError),
    ],
)
async def test_failures_map_to_the_ports_errors(
    answer: httpx.Response, expected: type[Exception]
) -> None:
    ics = connector(httpx.MockTransport(lambda request: answer))

    with pytest.raises(expected) as raised:
        await ics.changes(None, page_size=10)

    assert "s3cret" not in str(raised.value)
    if answer.status_code == 503:
        assert isinstance(raised.value, SourceUnavailableError)
        assert raised.value.retry_after == 60.0


async def test_redirects_are_followed_and_the_feed_url_stays_secret() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "calendar.example.com":
            return httpx.Response(302, headers={"Location": "https://cdn.example.net/feed.ics"})
        return httpx.Response(200, content=feed(event("a", "A")))

    ics = connector(httpx.MockTransport(handle), url=SECRET_FEED.replace("https", "webcal"))

    [collection] = await ics.check()
    page = await ics.changes(None, page_size=10)

    assert [c.external_id for c in page.changes] == ["a"]
    assert collection.id == ics.collection_id == page.changes[0].collection_id
    assert "s3cret" not in collection.id + repr(ics) + page.cursor
    assert feed_url_of("webcal://x.example/a.ics") == httpx.URL("https://x.example/a.ics")
    assert feed_url_of("WEBCALS://x.example/a.ics") == httpx.URL("https://x.example/a.ics")
