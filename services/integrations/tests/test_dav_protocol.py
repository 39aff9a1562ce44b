"""The DAV client and sync without a network: a fake server behind httpx.MockTransport that
offers no sync-collection (the ETag fallback), hostile XML, and every failure mapped to the
port's errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.connectors.dav import CalDavConnector, DavCredentials
from muninn_integrations.connectors.dav.client import DavReply, raise_for_status
from muninn_integrations.connectors.dav.multistatus import (
    MalformedXmlError,
    href_path,
    parse_multistatus,
)
from muninn_integrations.connectors.port import (
    Change,
    CredentialsRejectedError,
    CursorExpiredError,
    SourceRejectedError,
    SourceUnavailableError,
)
from muninn_shared.outbound import OutboundGuard

BASE = "https://dav.example.com"
HOME = "/dav/calendars/ana/"
CALENDAR = "/dav/calendars/ana/main/"
PASSWORD = "app-password-0123"


def ics(uid: str, title: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTART:20260401T100000Z\r\nSUMMARY:{title}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def multistatus(*responses: str) -> httpx.Response:
    body = f'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">{"".join(responses)}</d:multistatus>'
    return httpx.Response(207, content=body.encode())


def response(href: str, props: str, status: str = "200 OK") -> str:
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop>"
        f"<d:status>HTTP/1.1 {status}</d:status></d:propstat></d:response>"
    )


@dataclass
class FakeDavServer:
    """A CalDAV server without sync tokens: discovery, calendar-query and multiget."""

    items: dict[str, tuple[str, str]] = field(default_factory=dict)  # href → (etag, ics)
    requests: list[httpx.Request] = field(default_factory=list)
    override: Callable[[httpx.Request], httpx.Response | None] | None = None

    def put(self, name: str, title: str, version: int = 1) -> None:
        self.items[f"{CALENDAR}{name}.ics"] = (f'"{name}-{version}"', ics(name, title))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.override is not None and (answer := self.override(request)) is not None:
            return answer
        if request.headers.get("Authorization") != httpx.BasicAuth("ana", PASSWORD)._auth_header:
            return httpx.Response(401)
        path, method = request.url.path, request.method
        if method == "PROPFIND" and path == "/.well-known/caldav":
            return httpx.Response(301, headers={"Location": "/dav/"})
        if method == "PROPFIND" and path == "/dav/":
            principal = "<d:href>/dav/principals/ana/</d:href>"
            return multistatus(
                response(path, f"<d:current-user-principal>{principal}</d:current-user-principal>")
            )
        if method == "PROPFIND" and path == "/dav/principals/ana/":
            home = f"<d:href>{BASE}{HOME}</d:href>"  # absolute, as some servers write it
            return multistatus(response(path, f"<c:calendar-home-set>{home}</c:calendar-home-set>"))
        if method == "PROPFIND" and path == HOME:
            calendar_type = "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>"
            return multistatus(
                response(HOME, "<d:resourcetype><d:collection/></d:resourcetype>"),
                response(CALENDAR, f"{calendar_type}<d:displayname>Main</d:displayname>"),
            )
        if method == "REPORT" and path == CALENDAR:
            return self._report(ET.fromstring(request.content))
        return httpx.Response(404)

    def _report(self, body: ET.Element) -> httpx.Response:
        if body.tag.endswith("calendar-query"):
            return multistatus(
                *(
                    response(href, f"<d:getetag>{etag}</d:getetag>")
                    for href, (etag, _) in self.items.items()
                )
            )
        answers: list[str] = []
        for element in body.iter("{DAV:}href"):
            href = element.text or ""
            if href not in self.items:
                answers.append(
                    f"<d:response><d:href>{href}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>"
                )
                continue
            etag, data = self.items[href]
            escaped = data.replace("&", "&amp;").replace("<", "&lt;")
            answers.append(
                response(
                    href,
                    f"<d:getetag>{etag}</d:getetag><c:calendar-data>{escaped}</c:calendar-data>",
                )
            )
        return multistatus(*answers)


def connector(server: FakeDavServer, password: str = PASSWORD) -> CalDavConnector:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handle))
    return CalDavConnector(BASE, DavCredentials("ana", password), http=http)


async def sync_all(
    dav: CalDavConnector, cursor: str | None, page_size: int
) -> tuple[list[Change[CalendarEvent]], str, int]:
    changes: list[Change[CalendarEvent]] = []
    pages = 0
    while True:
        page = await dav.changes(cursor, page_size=page_size)
        pages += 1
        changes.extend(page.changes)
        cursor = page.cursor
        if not page.more:
            return changes, cursor, pages


async def test_etag_fallback_pages_then_reports_changes_and_deletions() -> None:
    server = FakeDavServer()
    for number in range(7):
        server.put(f"e{number}", f"Event {number}")
    server.items[f"{CALENDAR}broken.ics"] = ('"broken-1"', "BEGIN:VCALENDAR\r\nnot really")
    dav = connector(server)

    [calendar] = await dav.check()
    assert (calendar.id, calendar.name) == (CALENDAR, "Main")
    changes, cursor, pages = await sync_all(dav, None, page_size=3)
    assert pages == 3
    assert sorted(c.external_id for c in changes) == [f"{CALENDAR}e{n}.ics" for n in range(7)]
    assert json.loads(cursor)["c"][CALENDAR]["e"][f"{CALENDAR}broken.ics"] == '"broken-1"'

    server.put("e2", "Event 2 renamed", version=2)
    server.put("e9", "Event 9")
    del server.items[f"{CALENDAR}e4.ics"]
    changes, cursor, _ = await sync_all(dav, cursor, page_size=2)

    by_href = {change.external_id: change for change in changes}
    assert set(by_href) == {f"{CALENDAR}e2.ics", f"{CALENDAR}e9.ics", f"{CALENDAR}e4.ics"}
    assert by_href[f"{CALENDAR}e4.ics"].deleted
    assert by_href[f"{CALENDAR}e2.ics"].etag == '"e2-2"'
    again, _, _ = await sync_all(dav, cursor, page_size=2)
    assert again == []
    await dav.aclose()


async def test_a_token_cursor_on_a_server_without_tokens_is_expired() -> None:
    dav = connector(FakeDavServer())
    cursor = json.dumps({"v": 1, "c": {CALENDAR: {"t": "token-1"}}})

    with pytest.raises(CursorExpiredError):
        await dav.changes(cursor, page_size=5)
    for unreadable in ("{", '{"v": 99, "c": {}}', '{"v": 1, "c": {"/x/": {"t": 5}}}'):
        with pytest.raises(CursorExpiredError):
            await dav.changes(unreadable, page_size=5)


async def test_wrong_password_never_shows_the_password() -> None:
    dav = connector(FakeDavServer(), password="wrong-secret-42")

    with pytest.raises(CredentialsRejectedError) as rejected:
        await dav.check()

    assert "wrong-secret-42" not in f"{rejected.value!s} {rejected.value!r} {dav!r}"
    assert "wrong-secret-42" not in repr(DavCredentials("ana", "wrong-secret-42"))


@pytest.mark.parametrize(
    ("status", "body", "writing", "expected"),
    [
        (401, b"", False, CredentialsRejectedError),
        (403, b"", False, CredentialsRejectedError),
        (403, b"", True, SourceRejectedError),
        (412, b"", True, SourceRejectedError),
        (400, b"", False, SourceRejectedError),
        (500, b"", False, SourceUnavailableError),
        (
            403,
            b'<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>',
            False,
            CursorExpiredError,
        ),
        (409, b'<error xmlns="DAV:"><valid-sync-token/></error>', False, CursorExpiredError),
        (410, b'<error xmlns="DAV:"><valid-sync-token/></error>', False, CursorExpiredError),
    ],
)
def test_http_failures_map_to_the_ports_errors(
    status: int, body: bytes, writing: bool, expected: type[Exception]
) -> None:
    reply = DavReply(status, httpx.Headers(), body, httpx.URL(BASE))

    with pytest.raises(expected):
        raise_for_status(reply, writing=writing)


@pytest.mark.parametrize(("status", "retry_after"), [(503, "120"), (429, "7")])
async def test_rate_limits_and_outages_carry_retry_after(status: int, retry_after: str) -> None:
    answer = httpx.Response(status, headers={"Retry-After": retry_after})

    with pytest.raises(SourceUnavailableError) as raised:
        await connector(FakeDavServer(override=lambda request: answer)).check()

    assert raised.value.retry_after == float(retry_after)


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
async def test_network_failures_are_source_unavailable(failure: Exception) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(SourceUnavailableError):
        await connector(FakeDavServer(override=fail)).check()


async def test_a_redirect_to_another_host_is_refused() -> None:
    def elsewhere(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/.well-known/caldav":
            return httpx.Response(301, headers={"Location": "https://evil.example.net/dav/"})
        return None

    server = FakeDavServer(override=elsewhere)

    with pytest.raises(SourceRejectedError):
        await connector(server).check()
    assert all(request.url.host == "dav.example.com" for request in server.requests)


async def test_an_oversized_answer_is_refused() -> None:
    huge = httpx.Response(207, content=b"<x>" + b"a" * (33 * 1024 * 1024) + b"</x>")
    with pytest.raises(SourceUnavailableError):
        await connector(FakeDavServer(override=lambda request: huge)).check()


async def test_a_private_address_is_refused_by_the_guard() -> None:
    dav = CalDavConnector(
        "http://127.0.0.1:5232", DavCredentials("ana", PASSWORD), guard=OutboundGuard()
    )
    try:
        with pytest.raises(SourceRejectedError):
            await dav.check()
    finally:
        await dav.aclose()


async def test_write_back_outside_the_accounts_calendars_is_refused() -> None:
    server = FakeDavServer()
    server.put("e1", "Event 1")
    dav = connector(server)
    event = CalendarEvent.model_validate(
        {"uid": "x", "start": "2026-04-01T10:00:00Z", "end": "2026-04-01T11:00:00Z"}
    )

    with pytest.raises(SourceRejectedError):
        await dav.create_event("/dav/calendars/bob/main/", event)
    with pytest.raises(SourceRejectedError):
        await dav.delete_event(f"{CALENDAR}../../bob/main/e1.ics", etag='"e1-1"')
    assert not any(request.method in ("PUT", "DELETE") for request in server.requests)


def test_xml_with_a_doctype_is_refused() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>
    <d:multistatus xmlns:d="DAV:">&lol;</d:multistatus>"""

    with pytest.raises(MalformedXmlError):
        parse_multistatus(bomb)
    with pytest.raises(MalformedXmlError):
        parse_multistatus(b"<not-closed>")
    with pytest.raises(MalformedXmlError):
        parse_multistatus(b'<d:prop xmlns:d="DAV:"/>')


def test_hrefs_are_decoded_paths() -> None:
    assert href_path("https://dav.example.com/dav/a%20b/e.ics") == "/dav/a b/e.ics"
    assert href_path(" /dav/x/ ") == "/dav/x/"
