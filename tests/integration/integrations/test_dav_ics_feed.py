"""The ICS feed connector against a real local HTTP server: conditional GETs, paged changes,
deletions found by digest, and an outage."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_network

import pytest
from muninn_devstack.servers import free_port
from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.connectors.ics import IcsFeedConnector
from muninn_integrations.connectors.port import Change, SourceUnavailableError
from muninn_shared.outbound import OutboundGuard, OutboundPolicy


def feed(titles: dict[str, str]) -> bytes:
    events = "".join(
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;VALUE=DATE:20261225\r\n"
        f"SUMMARY:{title}\r\nEND:VEVENT\r\n"
        for uid, title in titles.items()
    )
    calendar = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nX-WR-CALNAME:Holidays\r\n{events}END:VCALENDAR\r\n"
    return calendar.encode()


@dataclass
class Feed:
    body: bytes = b""
    requests: list[str | None] = field(default_factory=list)  # If-None-Match of each GET


class FeedHandler(BaseHTTPRequestHandler):
    feed: Feed

    def do_GET(self) -> None:
        etag = '"' + hashlib.sha256(self.feed.body).hexdigest()[:16] + '"'
        condition = self.headers.get("If-None-Match")
        self.feed.requests.append(condition)
        if condition == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(self.feed.body)))
        self.end_headers()
        self.wfile.write(self.feed.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Feed, ThreadingHTTPServer]]:
    state = Feed()
    handler = type("Handler", (FeedHandler,), {"feed": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
async def connector(
    served: tuple[Feed, ThreadingHTTPServer],
) -> AsyncIterator[IcsFeedConnector]:
    port = served[1].server_address[1]
    guard = OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),), require_https=False)
    )
    feed_connector = IcsFeedConnector(f"http://127.0.0.1:{port}/holidays.ics", guard=guard)
    yield feed_connector
    await feed_connector.aclose()


async def sync_all(
    connector: IcsFeedConnector, cursor: str | None, page_size: int
) -> tuple[list[Change[CalendarEvent]], str]:
    changes: list[Change[CalendarEvent]] = []
    while True:
        page = await connector.changes(cursor, page_size=page_size)
        changes.extend(page.changes)
        cursor = page.cursor
        if not page.more:
            return changes, cursor


async def test_feed_syncs_in_pages_then_by_conditional_get_and_reports_deletions(
    served: tuple[Feed, ThreadingHTTPServer], connector: IcsFeedConnector
) -> None:
    state, _ = served
    state.body = feed({f"day-{n}": f"Holiday {n}" for n in range(7)})

    [collection] = await connector.check()
    assert collection.name == "Holidays"
    assert collection.read_only
    changes, cursor = await sync_all(connector, None, page_size=3)
    assert sorted(change.external_id for change in changes) == [f"day-{n}" for n in range(7)]
    assert all(c.record is not None and c.record.all_day for c in changes)

    state.requests.clear()
    unchanged, cursor = await sync_all(connector, cursor, page_size=3)
    assert unchanged == []
    assert state.requests[-1] is not None  # a conditional GET, answered 304

    titles = {f"day-{n}": f"Holiday {n}" for n in range(1, 7)}
    titles["day-3"] = "Holiday 3 observed"
    titles["day-9"] = "New holiday"
    state.body = feed(titles)
    changes, cursor = await sync_all(connector, cursor, page_size=2)

    by_uid = {change.external_id: change for change in changes}
    assert set(by_uid) == {"day-0", "day-3", "day-9"}
    assert by_uid["day-0"].deleted
    assert by_uid["day-3"].record is not None
    assert by_uid["day-3"].record.title == "Holiday 3 observed"
    assert not by_uid["day-9"].deleted

    state.body = b"<html>Service temporarily down</html>"
    with pytest.raises(SourceUnavailableError):
        await connector.changes(cursor, page_size=10)
    state.body = feed(titles)
    nothing, _ = await sync_all(connector, cursor, page_size=10)
    assert nothing == []


async def test_unreachable_feed_is_source_unavailable() -> None:
    guard = OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),), require_https=False)
    )
    connector = IcsFeedConnector(f"http://127.0.0.1:{free_port()}/feed.ics", guard=guard)
    try:
        with pytest.raises(SourceUnavailableError):
            await connector.changes(None, page_size=10)
    finally:
        await connector.aclose()
