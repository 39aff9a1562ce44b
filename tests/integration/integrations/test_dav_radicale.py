"""CalDAV and CardDAV adapters against a real Radicale: discovery, paged full sync,
incremental changes, recurring events, contacts, write-back, and failures mapped to the
port's errors."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
import pytest
from muninn_devstack.dav import (
    RadicaleServer,
    create_address_book,
    create_calendar,
)
from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.calendar.recurrence import expand_event
from muninn_integrations.connectors.dav import CalDavConnector, CardDavConnector, DavCredentials
from muninn_integrations.connectors.dav.connector import DavConnector
from muninn_integrations.connectors.port import (
    Change,
    CredentialsRejectedError,
    CursorExpiredError,
    SourceRejectedError,
    SourceUnavailableError,
)
from muninn_integrations.contacts.models import Contact

from tests.integration.integrations.dav_support import (
    RECURRING,
    event_template,
    loopback_guard,
    radicale,
)

__all__ = ["radicale"]  # fixture

RecordT = TypeVar("RecordT")
USERS = {f"user{number}": f"app-password-{number}" for number in range(12)}
_accounts = itertools.count()

EVENT = event_template()

CARD = """BEGIN:VCARD\r
VERSION:3.0\r
UID:{uid}\r
FN:Ana Silva\r
N:Silva;Ana;;;\r
EMAIL;TYPE=INTERNET:{email}\r
BDAY:--0415\r
END:VCARD\r
"""


@pytest.fixture
def account() -> tuple[str, str]:
    """A user of its own for each test: discovery sees only that user's collections."""
    name = f"user{next(_accounts)}"
    return name, USERS[name]


@pytest.fixture
async def calendars(
    radicale: RadicaleServer, account: tuple[str, str]
) -> AsyncIterator[CalDavConnector]:
    connector = CalDavConnector(radicale.url, DavCredentials(*account), guard=loopback_guard())
    yield connector
    await connector.aclose()


def source(radicale: RadicaleServer, account: tuple[str, str]) -> httpx.Client:
    """Another client of the same server: the changes a sync must discover."""
    return httpx.Client(base_url=radicale.url, auth=account, timeout=10)


def put_event(client: httpx.Client, path: str, uid: str, title: str, hour: int = 9) -> None:
    body = EVENT.format(uid=uid, title=title, hour=hour)
    response = client.put(
        f"{path}{uid}.ics", content=body, headers={"Content-Type": "text/calendar"}
    )
    response.raise_for_status()


async def sync_all(
    connector: DavConnector[RecordT], cursor: str | None, page_size: int = 100
) -> tuple[list[Change[RecordT]], str, list[int]]:
    changes: list[Change[RecordT]] = []
    sizes: list[int] = []
    while True:
        page = await connector.changes(cursor, page_size=page_size)
        changes.extend(page.changes)
        sizes.append(len(page.changes))
        cursor = page.cursor
        if not page.more:
            return changes, cursor, sizes


async def test_discovery_finds_the_users_calendars_and_address_books(
    radicale: RadicaleServer, account: tuple[str, str], calendars: CalDavConnector
) -> None:
    work = create_calendar(radicale.url, *account, "work")
    home = create_calendar(radicale.url, *account, "home")
    people = create_address_book(radicale.url, *account, "people")

    found = await calendars.check()
    contacts = CardDavConnector(radicale.url, DavCredentials(*account), guard=loopback_guard())
    try:
        books = await contacts.check()
    finally:
        await contacts.aclose()

    assert sorted(c.id for c in found) == sorted([work, home])
    assert {c.name for c in found} == {"work", "home"}
    assert not any(c.read_only for c in found)
    assert [b.id for b in books] == [people]


async def test_full_sync_pages_every_event_exactly_once(
    radicale: RadicaleServer, account: tuple[str, str], calendars: CalDavConnector
) -> None:
    path = create_calendar(radicale.url, *account, "work")
    with source(radicale, account) as client:
        for number in range(60):
            put_event(client, path, f"event-{number:02d}", f"Meeting {number}")

    changes, _, sizes = await sync_all(calendars, None, page_size=25)

    assert sizes == [25, 25, 10]
    hrefs = [change.external_id for change in changes]
    assert len(set(hrefs)) == 60
    assert set(hrefs) == {f"{path}event-{number:02d}.ics" for number in range(60)}
    records = [change.record for change in changes]
    assert all(isinstance(r, CalendarEvent) for r in records)
    assert all(change.collection_id == path and change.etag for change in changes)


async def test_new_changed_deleted_and_moved_events_arrive_incrementally(
    radicale: RadicaleServer, account: tuple[str, str], calendars: CalDavConnector
) -> None:
    work = create_calendar(radicale.url, *account, "work")
    home = create_calendar(radicale.url, *account, "home")
    with source(radicale, account) as client:
        for uid in ("a", "b", "c", "d"):
            put_event(client, work, uid, f"Event {uid}")
        _, cursor, _ = await sync_all(calendars, None)

        put_event(client, work, "e", "New event")
        put_event(client, work, "a", "Event a moved to 3pm", hour=15)
        client.delete(f"{work}b.ics").raise_for_status()
        client.request(
            "MOVE", f"{work}c.ics", headers={"Destination": f"{radicale.url}{home}c.ics"}
        ).raise_for_status()

    changes, cursor, _ = await sync_all(calendars, cursor)

    by_href = {(change.collection_id, change.external_id): change for change in changes}
    assert set(by_href) == {
        (work, f"{work}e.ics"),
        (work, f"{work}a.ics"),
        (work, f"{work}b.ics"),
        (work, f"{work}c.ics"),
        (home, f"{home}c.ics"),
    }
    updated = by_href[(work, f"{work}a.ics")].record
    assert isinstance(updated, CalendarEvent)
    assert updated.start.hour == 15
    assert by_href[(work, f"{work}b.ics")].deleted
    assert by_href[(work, f"{work}c.ics")].deleted
    assert not by_href[(home, f"{home}c.ics")].deleted

    nothing, _, _ = await sync_all(calendars, cursor)
    assert nothing == []


async def test_a_replayed_page_and_a_resumed_pass_skip_nothing(
    radicale: RadicaleServer, account: tuple[str, str], calendars: CalDavConnector
) -> None:
    path = create_calendar(radicale.url, *account, "work")
    with source(radicale, account) as client:
        for number in range(10):
            put_event(client, path, f"event-{number}", f"Meeting {number}")
        first = await calendars.changes(None, page_size=4)
        replayed = await calendars.changes(None, page_size=4)
        assert [c.external_id for c in replayed.changes] == [c.external_id for c in first.changes]

        # Changes made mid-pass, before and after the page boundary.
        put_event(client, path, "event-0", "Meeting 0 renamed")
        put_event(client, path, "aaa-new", "Created mid-pass")

        # A replica that took over: no memory of the pass but its cursor.
        resumed = CalDavConnector(radicale.url, DavCredentials(*account), guard=loopback_guard())
        try:
            rest, cursor, _ = await sync_all(resumed, first.cursor, page_size=4)
            later, _, _ = await sync_all(resumed, cursor)
        finally:
            await resumed.aclose()

    store: dict[str, str] = {}
    for change in [*first.changes, *replayed.changes, *rest, *later]:
        assert isinstance(change.record, CalendarEvent)
        store[change.external_id] = change.record.title
    assert len(store) == 11
    assert store[f"{path}event-0.ics"] == "Meeting 0 renamed"
    assert store[f"{path}aaa-new.ics"] == "Created mid-pass"


async def test_recurring_event_with_exdate_and_override_expands(
    radicale: RadicaleServer, account: tuple[str, str], calendars: CalDavConnector
) -> None:
    path = create_calendar(radicale.url, *account, "work")
    with source(radicale, account) as client:
        client.put(f"{path}standup.ics", content=RECURRING).raise_for_status()

    changes, _, _ = await sync_all(calendars, None)

    [change] = changes
    series = change.record
    assert isinstance(series, CalendarEvent)
    assert series.recurrence_rule == "FREQ=WEEKLY;COUNT=6"
    assert series.time_zone == "Europe/Berlin"
    assert len(series.overrides) == 1
    window_start = datetime(2026, 1, 1, tzinfo=UTC)
    occurrences = expand_event(series, window_start, window_start + timedelta(days=60))
    starts = [o.start.astimezone(UTC).strftime("%m-%d %H:%M") for o in occurrences]
    # Weekly from Jan 5 (09:30 Berlin = 08:30 UTC), Jan 12 excluded, Jan 19 moved to 14:00.
    assert starts == ["01-05 08:30", "01-19 13:00", "01-26 08:30", "02-02 08:30", "02-09 08:30"]
    assert occurrences[1].title == "Standup (afternoon)"


async def test_contact_edit_arrives_incrementally(
    radicale: RadicaleServer, account: tuple[str, str]
) -> None:
    book = create_address_book(radicale.url, *account, "people")
    connector = CardDavConnector(radicale.url, DavCredentials(*account), guard=loopback_guard())
    try:
        with source(radicale, account) as client:
            card = CARD.format(uid="ana", email="ana@old.example")
            client.put(f"{book}ana.vcf", content=card).raise_for_status()
            full, cursor, _ = await sync_all(connector, None)
            card = CARD.format(uid="ana", email="ana@new.example")
            client.put(f"{book}ana.vcf", content=card).raise_for_status()
        changes, _, _ = await sync_all(connector, cursor)
    finally:
        await connector.aclose()

    [before] = full
    [after] = changes
    assert after.external_id == before.external_id == f"{book}ana.vcf"
    assert after.etag != before.etag
    contact = after.record
    assert isinstance(contact, Contact)
    assert [email.value for email in contact.emails] == ["ana@new.example"]
    assert contact.birthday is not None
    assert contact.birthday.year is None


async def test_write_back_create_update_delete_read_back(
    radicale: RadicaleServer, account: tuple[str, str], calendars: CalDavConnector
) -> None:
    path = create_calendar(radicale.url, *account, "work")
    start = datetime(2026, 3, 6, 13, tzinfo=UTC)
    lunch = CalendarEvent(
        uid="lunch-with-ana", title="Lunch with Ana", start=start, end=start + timedelta(hours=1)
    )

    created = await calendars.create_event(path, lunch)
    assert created.href == f"{path}lunch-with-ana.ics"
    stored = await calendars.get_event(created.href)
    assert stored.event is not None
    assert stored.event.title == "Lunch with Ana"
    assert stored.etag is not None
    with pytest.raises(SourceRejectedError):
        await calendars.create_event(path, lunch)  # If-None-Match: * protects the existing one

    moved = lunch.model_copy(update={"title": "Lunch with Ana moved", "location": "Tasca"})
    updated = await calendars.update_event(created.href, moved, etag=stored.etag)
    reread = await calendars.get_event(created.href)
    assert reread.event is not None
    assert reread.event.title == "Lunch with Ana moved"
    assert reread.event.location == "Tasca"
    assert reread.etag == (updated.etag or reread.etag)

    with pytest.raises(SourceRejectedError):
        await calendars.update_event(created.href, lunch, etag=stored.etag)  # stale ETag
    with pytest.raises(SourceRejectedError):
        await calendars.delete_event(created.href, etag=stored.etag)

    assert reread.etag is not None
    await calendars.delete_event(created.href, etag=reread.etag)
    with pytest.raises(SourceRejectedError):
        await calendars.get_event(created.href)
    changes, _, _ = await sync_all(calendars, None)
    assert changes == []


async def test_wrong_password_is_credentials_rejected(
    radicale: RadicaleServer, account: tuple[str, str]
) -> None:
    create_calendar(radicale.url, *account, "work")
    connector = CalDavConnector(
        radicale.url, DavCredentials(account[0], "not-the-password"), guard=loopback_guard()
    )
    try:
        with pytest.raises(CredentialsRejectedError) as rejected:
            await connector.check()
        with pytest.raises(CredentialsRejectedError):
            await connector.changes(None, page_size=10)
    finally:
        await connector.aclose()
    assert "not-the-password" not in str(rejected.value) + repr(connector)


async def test_unknown_sync_token_is_cursor_expired(
    radicale: RadicaleServer, account: tuple[str, str], calendars: CalDavConnector
) -> None:
    path = create_calendar(radicale.url, *account, "work")
    forged = json.dumps({"v": 1, "c": {path: {"t": "http://radicale.org/ns/sync/" + "0" * 64}}})

    with pytest.raises(CursorExpiredError):
        await calendars.changes(forged, page_size=10)
    with pytest.raises(CursorExpiredError):
        await calendars.changes("not json", page_size=10)


async def test_stopped_server_is_source_unavailable(
    radicale: RadicaleServer, account: tuple[str, str], calendars: CalDavConnector
) -> None:
    create_calendar(radicale.url, *account, "work")
    _, cursor, _ = await sync_all(calendars, None)
    radicale.stop()
    try:
        with pytest.raises(SourceUnavailableError):
            await calendars.changes(cursor, page_size=10)
    finally:
        radicale.start()
    page = await calendars.changes(cursor, page_size=10)
    assert page.changes == []
