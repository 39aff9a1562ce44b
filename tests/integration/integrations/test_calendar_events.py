"""Calendar events through the real app, MongoDB and a real Radicale: the sink fed by the
CalDAV adapter (idempotent, updates and deletions propagate, sweep, purge), range reads with
recurrences expanded, write-back read back from the server, and every route scoped to its
caller."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from muninn_devstack.dav import RadicaleServer, create_calendar
from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.calendar.service import ReadOnlyCalendarError
from muninn_integrations.calendar.sink import CalendarEventSink
from muninn_integrations.calendar.store import CALENDAR_EVENTS, CalendarEventStore
from muninn_integrations.connectors.dav import CalDavConnector, DavCredentials
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.deps import IntegrationsServices
from muninn_integrations.interactions.occurrences import occurrence_key
from muninn_integrations.main import create_app
from muninn_integrations.sync.sinks import Action, Applied, RecordSink, SyncScope
from muninn_shared.events import Topic
from muninn_shared.problems import not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import ON_LOOPBACK, me, serving, settings_for
from tests.integration.integrations.dav_support import (
    RECURRING,
    event_template,
    loopback_guard,
    radicale,
)
from tests.integration.kafka_tools import collect

__all__ = ["radicale"]  # fixture

USERS = {f"cal{number}": f"app-password-{number}" for number in range(12)}
_accounts = itertools.count()

EVENT = event_template("""LOCATION:Café Tasca\r
URL:https://meet.example.org/{uid}\r
ORGANIZER;CN=Ana Silva:mailto:ana@example.org\r
ATTENDEE;CN=Bruno;PARTSTAT=ACCEPTED:mailto:bruno@example.org\r
ATTENDEE;CN=Carla;PARTSTAT=DECLINED:mailto:carla@example.org\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:Reminder\r
TRIGGER:-PT15M\r
END:VALARM\r
""")

JANUARY = {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}


@dataclass
class Account:
    """A Muninn user whose connection ``connection_id`` reaches Radicale user ``dav_user``."""

    user_id: str
    connection_id: str
    dav_user: str
    password: str
    headers: dict[str, str]


@dataclass
class Running:
    client: httpx.AsyncClient
    radicale: RadicaleServer
    mongo: AsyncMongoClient[dict[str, Any]]
    db: Any
    sink: CalendarEventSink
    accounts: dict[tuple[str, str], tuple[str, str]]  # (user, connection) → DAV account
    read_only: set[tuple[str, str]]
    services: IntegrationsServices
    service_mongo: AsyncMongoClient[dict[str, Any]]  # the app's own: its transactions
    service_sink: RecordSink  # the app's calendar sink, on that client

    def account(self) -> Account:
        dav_user = f"cal{next(_accounts)}"
        user_id = f"user-{uuid.uuid4().hex[:8]}"
        connection_id = uuid.uuid4().hex
        self.accounts[(user_id, connection_id)] = (dav_user, USERS[dav_user])
        return Account(user_id, connection_id, dav_user, USERS[dav_user], me(user_id))

    def connector(self, account: Account) -> CalDavConnector:
        return CalDavConnector(
            self.radicale.url,
            DavCredentials(account.dav_user, account.password),
            guard=loopback_guard(),
        )

    def source(self, account: Account) -> httpx.Client:
        return httpx.Client(
            base_url=self.radicale.url, auth=(account.dav_user, account.password), timeout=10
        )

    async def apply(
        self, account: Account, changes: list[Change[Any]], generation: str | None = None
    ) -> list[Applied]:
        scope = SyncScope(account.user_id, account.connection_id, "caldav", generation)

        async def work(session: AsyncClientSession) -> list[Applied]:
            return await self.sink.apply(scope, changes, session)

        return await in_transaction(self.mongo, work)

    async def sync(
        self, account: Account, cursor: str | None, generation: str | None = None
    ) -> tuple[list[Applied], str]:
        connector = self.connector(account)
        applied: list[Applied] = []
        try:
            while True:
                page = await connector.changes(cursor, page_size=50)
                applied += await self.apply(account, list(page.changes), generation)
                cursor = page.cursor
                if not page.more:
                    return applied, cursor
        finally:
            await connector.aclose()


@pytest.fixture
async def running(
    infra: Infra,
    unique: str,
    mongo: AsyncMongoClient[dict[str, Any]],
    radicale: RadicaleServer,
) -> AsyncIterator[Running]:
    settings = settings_for(
        infra,
        unique,
    )
    accounts: dict[tuple[str, str], tuple[str, str]] = {}
    read_only: set[tuple[str, str]] = set()

    async def open_calendar(user_id: str, connection_id: str) -> CalDavConnector:
        if (user_id, connection_id) in read_only:
            raise ReadOnlyCalendarError("ics")
        found = accounts.get((user_id, connection_id))
        if found is None:
            raise not_found("Connection")
        return CalDavConnector(radicale.url, DavCredentials(*found), guard=loopback_guard())

    app = create_app(settings, open_calendar=open_calendar)
    db = mongo[settings.mongo_database]
    async with serving(app) as client:
        sink = CalendarEventSink(CalendarEventStore(db))
        [service_sink] = [s for s in app.state.sinks if s.kind is RecordKind.CALENDAR_EVENT]
        yield Running(
            client,
            radicale,
            mongo,
            db,
            sink,
            accounts,
            read_only,
            app.state.services,
            app.state.runtime.mongo,
            service_sink,
        )


def put(client: httpx.Client, href: str, body: str) -> None:
    response = client.put(href, content=body, headers={"Content-Type": "text/calendar"})
    response.raise_for_status()


def seed(running: Running, account: Account) -> str:
    path = create_calendar(running.radicale.url, account.dav_user, account.password, "work")
    with running.source(account) as source:
        put(source, f"{path}lunch.ics", EVENT.format(uid="lunch", title="Lunch with Ana", hour=12))
        put(source, f"{path}review.ics", EVENT.format(uid="review", title="Review", hour=15))
        put(source, f"{path}standup.ics", RECURRING)
    return path


async def test_sync_is_idempotent_and_propagates_changes_and_deletions(
    running: Running,
) -> None:
    ana = running.account()
    path = seed(running, ana)

    applied, cursor = await running.sync(ana, None, generation="g1")
    assert sorted(a.action for a in applied) == [Action.CREATED] * 3
    lunch = next(a for a in applied if a.data["title"] == "Lunch with Ana")
    assert lunch.data == {
        "title": "Lunch with Ana",
        "start": "2026-01-05T12:00:00+00:00",
        "end": "2026-01-05T12:30:00+00:00",
        "all_day": False,
        "location": "Café Tasca",
        "description": None,
        "attendees": [
            {"name": "Bruno", "email": "bruno@example.org", "status": "accepted"},
            {"name": "Carla", "email": "carla@example.org", "status": "declined"},
        ],
        "organizer": {"name": "Ana Silva", "email": "ana@example.org"},
        "url": "https://meet.example.org/lunch",
        "status": "confirmed",
        "recurring": False,
        "calendar": path,
    }
    assert next(a for a in applied if a.data["title"] == "Standup").data["recurring"] is True

    # A replayed full sync changes nothing and reports nothing; ids are stable.
    before = await running.db[CALENDAR_EVENTS].find({}).sort("_id").to_list()
    replay, _ = await running.sync(ana, None, generation="g1")
    assert replay == []
    assert await running.db[CALENDAR_EVENTS].find({}).sort("_id").to_list() == before

    with running.source(ana) as source:
        put(source, f"{path}lunch.ics", EVENT.format(uid="lunch", title="Lunch moved", hour=13))
        source.delete(f"{path}review.ics").raise_for_status()
    changed, cursor = await running.sync(ana, cursor)
    assert {(a.action, a.data["title"]) for a in changed} == {
        (Action.UPDATED, "Lunch moved"),
        (Action.DELETED, "Review"),
    }
    assert next(a for a in changed if a.action is Action.UPDATED).record_id == lunch.record_id
    again, _ = await running.sync(ana, cursor)
    assert again == []
    assert await running.db[CALENDAR_EVENTS].count_documents({"user_id": ana.user_id}) == 2


async def test_sweep_removes_only_stale_records_of_that_connection_and_purge(
    running: Running,
) -> None:
    ana = running.account()
    seed(running, ana)
    await running.sync(ana, None, generation="g1")
    # Another connection of the same user, and another user, hold records too.
    other = Account(ana.user_id, uuid.uuid4().hex, ana.dav_user, ana.password, ana.headers)
    await running.sync(other, None, generation="o1")
    bruno = running.account()
    seed(running, bruno)
    await running.sync(bruno, None, generation="b1")

    # A full sync g2 that saw only the lunch: the others are gone at the source.
    lunch = await running.db[CALENDAR_EVENTS].find_one(
        {"connection_id": ana.connection_id, "uid": "lunch"}
    )
    assert lunch is not None
    event = CalendarEvent.model_validate({**lunch["event"], "ical": lunch["ical"]})
    change = Change(
        RecordKind.CALENDAR_EVENT,
        lunch["external_id"],
        lunch["collection_id"],
        event,
        lunch["etag"],
    )
    assert await running.apply(ana, [change], generation="g2") == []
    scope = SyncScope(ana.user_id, ana.connection_id, "caldav", "g2")

    async def sweep(session: AsyncClientSession) -> list[Applied]:
        return await running.sink.sweep(scope, session)

    swept = await in_transaction(running.mongo, sweep)
    assert sorted(a.data["title"] for a in swept) == ["Review", "Standup"]
    assert all(a.action is Action.DELETED for a in swept)
    assert await in_transaction(running.mongo, sweep) == []
    events = running.db[CALENDAR_EVENTS]
    assert await events.count_documents({"connection_id": ana.connection_id}) == 1
    assert await events.count_documents({"connection_id": other.connection_id}) == 3
    assert await events.count_documents({"user_id": bruno.user_id}) == 3

    async def purge(session: AsyncClientSession) -> list[Applied]:
        return await running.sink.purge_connection(ana.user_id, other.connection_id, session)

    purged = await in_transaction(running.mongo, purge)
    assert len(purged) == 3
    assert all(a.action is Action.DELETED for a in purged)
    assert await events.count_documents({"connection_id": other.connection_id}) == 0
    assert await events.count_documents({"connection_id": ana.connection_id}) == 1
    assert await events.count_documents({"user_id": bruno.user_id}) == 3


async def test_range_reads_expand_recurrences_and_filter(running: Running) -> None:
    ana = running.account()
    path = seed(running, ana)
    await running.sync(ana, None, generation="g1")

    listed = await running.client.get("/v1/calendar/events", params=JANUARY, headers=ana.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert listed.json()["truncated"] is False
    titles = [(item["title"], datetime.fromisoformat(item["start"])) for item in items]
    berlin = timedelta(hours=1)  # CET in January
    assert titles == [
        ("Standup", datetime(2026, 1, 5, 9, 30, tzinfo=UTC) - berlin),
        ("Lunch with Ana", datetime(2026, 1, 5, 12, tzinfo=UTC)),
        ("Review", datetime(2026, 1, 5, 15, tzinfo=UTC)),
        ("Standup (afternoon)", datetime(2026, 1, 19, 14, tzinfo=UTC) - berlin),
        ("Standup", datetime(2026, 1, 26, 9, 30, tzinfo=UTC) - berlin),
    ]  # the 12th is excluded; February's occurrence is outside the range
    assert items[0]["time_zone"] == "Europe/Berlin"
    assert items[3]["recurrence_id"] is not None
    starts = [datetime.fromisoformat(item["start"]) for item in items]
    assert starts == sorted(starts)
    standups = [item for item in items if item["recurring"]]
    assert len({item["event_id"] for item in standups}) == 1
    assert all(item["calendar"] == path for item in items)

    # A narrower range, a limit, and the filters.
    week = {"start": "2026-01-18T00:00:00+00:00", "end": "2026-01-25T00:00:00+00:00"}
    narrow = await running.client.get("/v1/calendar/events", params=week, headers=ana.headers)
    assert [item["title"] for item in narrow.json()["items"]] == ["Standup (afternoon)"]
    limited = await running.client.get(
        "/v1/calendar/events", params={**JANUARY, "limit": 2}, headers=ana.headers
    )
    assert len(limited.json()["items"]) == 2
    assert limited.json()["truncated"] is True
    for params, count in (
        ({"calendar": path}, 5),
        ({"calendar": "/elsewhere/"}, 0),
        ({"connection_id": ana.connection_id}, 5),
        ({"connection_id": "other"}, 0),
    ):
        found = await running.client.get(
            "/v1/calendar/events", params={**JANUARY, **params}, headers=ana.headers
        )
        assert len(found.json()["items"]) == count, params

    detail = await running.client.get(
        f"/v1/calendar/events/{items[1]['event_id']}", headers=ana.headers
    )
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["title"] == "Lunch with Ana"
    assert [(a["email"], a["response_status"]) for a in body["attendees"]] == [
        ("bruno@example.org", "accepted"),
        ("carla@example.org", "declined"),
    ]
    assert body["alarms"][0]["minutes_before"] == 15
    assert "ical" not in body
    series = await running.client.get(
        f"/v1/calendar/events/{standups[0]['event_id']}", headers=ana.headers
    )
    assert series.json()["recurrence_rule"] == "FREQ=WEEKLY;COUNT=6"
    assert [o["title"] for o in series.json()["overrides"]] == ["Standup (afternoon)"]


async def test_write_back_is_read_back_and_the_next_sync_changes_nothing(
    running: Running, infra: Infra
) -> None:
    ana = running.account()
    path = create_calendar(running.radicale.url, ana.dav_user, ana.password, "work")
    _, cursor = await running.sync(ana, None, generation="g1")
    created = await running.client.post(
        "/v1/calendar/events",
        json={
            "connection_id": ana.connection_id,
            "calendar": path,
            "title": "Lunch with Ana",
            "start": "2026-03-06T13:00:00+01:00",
            "end": "2026-03-06T14:00:00+01:00",
            "location": "Tasca",
            "description": "Line one\nline two; with, punctuation",
            "time_zone": "Europe/Lisbon",
            "attendees": [{"email": "ana@example.org", "name": "Ana"}],
        },
        headers=ana.headers,
    )
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["title"] == "Lunch with Ana"
    assert event["calendar"] == path
    assert datetime.fromisoformat(event["start"]) == datetime(2026, 3, 6, 12, tzinfo=UTC)
    assert event["attendees"][0]["email"] == "ana@example.org"
    read = await running.client.get(f"/v1/calendar/events/{event['id']}", headers=ana.headers)
    assert read.json()["location"] == "Tasca"
    march = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
    listed = await running.client.get("/v1/calendar/events", params=march, headers=ana.headers)
    assert [item["event_id"] for item in listed.json()["items"]] == [event["id"]]
    doc = await running.db[CALENDAR_EVENTS].find_one({"_id": event["id"]})
    assert doc is not None
    with running.source(ana) as source:
        at_source = source.get(doc["external_id"])
        assert at_source.status_code == 200
        assert "SUMMARY:Lunch with Ana" in at_source.text
    # The sync that follows sees the same ETag and content: nothing to report.
    applied, cursor = await running.sync(ana, cursor)
    assert applied == []

    patched = await running.client.patch(
        f"/v1/calendar/events/{event['id']}",
        json={"title": "Lunch with Ana and Bruno", "end": "2026-03-06T14:30:00+01:00"},
        headers=ana.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "Lunch with Ana and Bruno"
    assert patched.json()["location"] == "Tasca"
    with running.source(ana) as source:
        assert "SUMMARY:Lunch with Ana and Bruno" in source.get(doc["external_id"]).text
    applied, cursor = await running.sync(ana, cursor)
    assert applied == []

    # Changed at the source meanwhile: the write is refused and nothing is overwritten.
    with running.source(ana) as source:
        text = source.get(doc["external_id"]).text.replace(
            "Lunch with Ana and Bruno", "Changed elsewhere"
        )
        put(source, doc["external_id"], text)
    for method, kwargs in (
        ("PATCH", {"json": {"title": "Mine"}}),
        ("DELETE", {}),
    ):
        refused = await running.client.request(
            method, f"/v1/calendar/events/{event['id']}", headers=ana.headers, **kwargs
        )
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("changed-at-source")
    with running.source(ana) as source:
        assert "Changed elsewhere" in source.get(doc["external_id"]).text

    applied, cursor = await running.sync(ana, cursor)
    assert [(a.action, a.data["title"]) for a in applied] == [(Action.UPDATED, "Changed elsewhere")]
    deleted = await running.client.delete(f"/v1/calendar/events/{event['id']}", headers=ana.headers)
    assert deleted.status_code == 204, deleted.text
    with running.source(ana) as source:
        assert source.get(doc["external_id"]).status_code == 404
    gone = await running.client.get(f"/v1/calendar/events/{event['id']}", headers=ana.headers)
    assert gone.status_code == 404
    applied, _ = await running.sync(ana, cursor)
    assert applied == []

    # Every write made here was announced, as a change at the source would have been.
    bodies = await collect(
        infra.kafka_bootstrap,
        Topic.INTEGRATIONS_RECORDS.value,
        lambda body: body["data"]["record_id"] == event["id"],
        count=3,
    )
    announced = [(b["data"]["data"]["action"], b["data"]["data"].get("title")) for b in bodies]
    assert announced == [
        ("created", "Lunch with Ana"),
        ("updated", "Lunch with Ana and Bruno"),
        ("deleted", "Changed elsewhere"),
    ]


async def test_read_only_connections_and_calendars_refuse_writes(running: Running) -> None:
    ana = running.account()
    running.read_only.add((ana.user_id, ana.connection_id))
    created = await running.client.post(
        "/v1/calendar/events",
        json={
            "connection_id": ana.connection_id,
            "calendar": "ics:feed",
            "title": "Holiday",
            "start": "2026-03-06T00:00:00Z",
            "end": "2026-03-07T00:00:00Z",
            "all_day": True,
        },
        headers=ana.headers,
    )
    assert created.status_code == 409
    assert created.json()["type"].endswith("read-only-calendar")

    # A record synced from a feed cannot be changed through Muninn.
    feed_event = CalendarEvent(
        uid="holiday",
        title="Holiday",
        start=datetime(2026, 3, 6, tzinfo=UTC),
        end=datetime(2026, 3, 7, tzinfo=UTC),
        all_day=True,
    )
    scope = SyncScope(ana.user_id, ana.connection_id, "ics", None)

    async def work(session: AsyncClientSession) -> list[Applied]:
        change = Change(RecordKind.CALENDAR_EVENT, "holiday", "ics:feed", feed_event)
        return await running.sink.apply(scope, [change], session)

    [applied] = await in_transaction(running.mongo, work)
    for method, kwargs in (("PATCH", {"json": {"title": "Mine"}}), ("DELETE", {})):
        refused = await running.client.request(
            method, f"/v1/calendar/events/{applied.record_id}", headers=ana.headers, **kwargs
        )
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("read-only-calendar")

    # An unknown calendar of a writable connection is the caller's mistake.
    bruno = running.account()
    unknown = await running.client.post(
        "/v1/calendar/events",
        json={
            "connection_id": bruno.connection_id,
            "calendar": "/nowhere/",
            "title": "Lunch",
            "start": "2026-03-06T13:00:00Z",
            "end": "2026-03-06T14:00:00Z",
        },
        headers=bruno.headers,
    )
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["type"].endswith("unknown-calendar")


async def test_every_route_is_scoped_to_its_caller(running: Running) -> None:
    ana = running.account()
    path = seed(running, ana)
    await running.sync(ana, None, generation="g1")
    mine = await running.client.get("/v1/calendar/events", params=JANUARY, headers=ana.headers)
    event_id = mine.json()["items"][0]["event_id"]

    mallory = running.account()
    theirs = await running.client.get(
        "/v1/calendar/events", params=JANUARY, headers=mallory.headers
    )
    assert theirs.status_code == 200
    assert theirs.json()["items"] == []
    for method, kwargs in (
        ("GET", {}),
        ("PATCH", {"json": {"title": "Mine now"}}),
        ("DELETE", {}),
    ):
        answer = await running.client.request(
            method, f"/v1/calendar/events/{event_id}", headers=mallory.headers, **kwargs
        )
        assert answer.status_code == 404, (method, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    # Ranges at the edges of time are answered, not crashed on.
    for edge in (
        {"start": "0001-01-01T00:00:00Z", "end": "0001-12-01T00:00:00Z"},
        {"start": "9999-01-01T00:00:00Z", "end": "9999-12-31T00:00:00+00:00"},
        {"start": "2026-01-01T00:00:00+14:00", "end": "2026-01-31T00:00:00-12:00"},
    ):
        answer = await running.client.get("/v1/calendar/events", params=edge, headers=ana.headers)
        assert answer.status_code in (200, 422), (edge, answer.text)
    # Ana's connection is not Mallory's to write through.
    borrowed = await running.client.post(
        "/v1/calendar/events",
        json={
            "connection_id": ana.connection_id,
            "calendar": path,
            "title": "Planted",
            "start": "2026-03-06T13:00:00Z",
            "end": "2026-03-06T14:00:00Z",
        },
        headers=mallory.headers,
    )
    assert borrowed.status_code == 404
    assert (await running.client.get("/v1/calendar/events", params=JANUARY)).status_code == 401
    still = await running.client.get(f"/v1/calendar/events/{event_id}", headers=ana.headers)
    assert still.status_code == 200


async def test_hostile_and_invalid_input_is_a_problem_never_a_500(running: Running) -> None:
    ana = running.account()
    path = create_calendar(running.radicale.url, ana.dav_user, ana.password, "work")
    base = {
        "connection_id": ana.connection_id,
        "calendar": path,
        "title": "Lunch",
        "start": "2026-03-06T13:00:00Z",
        "end": "2026-03-06T14:00:00Z",
    }
    bad_lists = [
        {"start": "2026-01-01T00:00:00", "end": "2026-02-01T00:00:00Z"},  # naive
        {"start": "2026-01-01T00:00:00Z"},  # end missing
        {"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
        {"start": "2026-01-01T00:00:00Z", "end": "2027-01-03T00:00:00Z"},  # > 366 days
        {**JANUARY, "limit": 0},
        {**JANUARY, "limit": 100000},
        {**JANUARY, "connection_id": "../../etc"},
        {**JANUARY, "calendar": "x" * 5000},
        {"start": "not a date", "end": "2026-02-01T00:00:00Z"},
    ]
    for params in bad_lists:
        answer = await running.client.get("/v1/calendar/events", params=params, headers=ana.headers)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    bad_bodies: list[dict[str, Any]] = [
        {**base, "start": "2026-03-06T13:00:00"},
        {**base, "end": "2026-03-06T12:00:00Z"},
        {**base, "end": "2028-03-06T12:00:00Z"},
        {**base, "title": ""},
        {**base, "title": "x" * 5000},
        {**base, "attendees": [{"email": "ana@example.org\r\nATTENDEE:mailto:x@y"}]},
        {**base, "attendees": [{"email": f"a{n}@example.org"} for n in range(101)]},
        {**base, "time_zone": "Mars/Olympus"},
        {**base, "owner": "someone"},
        {**base, "connection_id": "../x"},
        {k: v for k, v in base.items() if k != "calendar"},
    ]
    for body in bad_bodies:
        answer = await running.client.post("/v1/calendar/events", json=body, headers=ana.headers)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    for event_id in ("x" * 65, "a.b", "%00"):
        answer = await running.client.get(f"/v1/calendar/events/{event_id}", headers=ana.headers)
        assert answer.status_code in (404, 422), answer.text
    # Text that could break iCalendar lines is escaped, not injected.
    created = await running.client.post(
        "/v1/calendar/events",
        json={**base, "title": "Lunch\r\nATTENDEE:mailto:evil@example.org", "location": "A;B,C\\"},
        headers=ana.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["attendees"] == []
    assert created.json()["title"].startswith("Lunch")
    patched = await running.client.patch(
        f"/v1/calendar/events/{created.json()['id']}", json={"title": None}, headers=ana.headers
    )
    assert patched.status_code == 422
    wrong_order = await running.client.patch(
        f"/v1/calendar/events/{created.json()['id']}",
        json={"end": "2026-03-06T12:00:00Z"},
        headers=ana.headers,
    )
    assert wrong_order.status_code == 422
    assert wrong_order.json()["type"].endswith("validation-error")
    unchanged = await running.client.get(
        f"/v1/calendar/events/{created.json()['id']}", headers=ana.headers
    )
    assert unchanged.json()["end"] == created.json()["end"]
    assert timedelta(hours=1) == datetime.fromisoformat(
        unchanged.json()["end"]
    ) - datetime.fromisoformat(unchanged.json()["start"])


async def test_write_back_through_a_connection_made_with_the_api_and_purge(
    infra: Infra, unique: str, mongo: AsyncMongoClient[dict[str, Any]], radicale: RadicaleServer
) -> None:
    """No connector injected: the app opens the connection with its sealed password, and a
    disconnect with purge removes what was written through it."""
    settings = settings_for(infra, unique, **ON_LOOPBACK)
    dav_user = f"cal{next(_accounts)}"
    path = create_calendar(radicale.url, dav_user, USERS[dav_user], "work")
    ana = me(f"user-{uuid.uuid4().hex[:8]}")
    app = create_app(settings)
    async with serving(app) as client:
        connected = await client.post(
            "/v1/integrations/connections",
            json={
                "provider": "caldav",
                "server_url": radicale.url,
                "username": dav_user,
                "password": USERS[dav_user],
            },
            headers=ana,
        )
        assert connected.status_code == 201, connected.text
        connection_id = connected.json()["id"]
        created = await client.post(
            "/v1/calendar/events",
            json={
                "connection_id": connection_id,
                "calendar": path,
                "title": "Dentist",
                "start": "2026-04-01T08:00:00Z",
                "end": "2026-04-01T09:00:00Z",
            },
            headers=ana,
        )
        assert created.status_code == 201, created.text
        async with httpx.AsyncClient(
            base_url=radicale.url, auth=(dav_user, USERS[dav_user]), timeout=10
        ) as source:
            listing = await source.request("PROPFIND", path, headers={"Depth": "1"})
            assert listing.text.count(".ics") == 1
        disconnected = await client.delete(
            f"/v1/integrations/connections/{connection_id}", params={"purge": "true"}, headers=ana
        )
        assert disconnected.status_code == 204
        gone = await client.get(f"/v1/calendar/events/{created.json()['id']}", headers=ana)
        assert gone.status_code == 404
        assert await mongo[settings.mongo_database][CALENDAR_EVENTS].count_documents({}) == 0
        # Memory and the scheduler hear the purged event went, as if deleted at the source.
        bodies = await collect(
            infra.kafka_bootstrap,
            Topic.INTEGRATIONS_RECORDS.value,
            lambda body: body["data"]["record_id"] == created.json()["id"],
            count=2,
        )
        assert [b["data"]["data"]["action"] for b in bodies] == ["created", "deleted"]
        assert bodies[-1]["data"]["connection_id"] == connection_id
        assert bodies[-1]["data"]["provider"] == "caldav"


def weekly_one_on_one(first: datetime) -> str:
    """A weekly half-hour with Ana and Bo from ``first``, in Berlin time, with no end."""
    local = first.astimezone(ZoneInfo("Europe/Berlin"))
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        "UID:one-on-one\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{local:%Y%m%dT%H%M%S}\r\n"
        f"DTEND;TZID=Europe/Berlin:{local + timedelta(minutes=30):%Y%m%dT%H%M%S}\r\n"
        "RRULE:FREQ=WEEKLY\r\nSUMMARY:1:1\r\nORGANIZER:mailto:me@example.org\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@example.org\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bo@example.org\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


async def test_a_weekly_meeting_synced_from_the_calendar_is_an_interaction_each_week(
    running: Running,
) -> None:
    ana_user = running.account()
    contacts = {}
    for name, address in (("Ana", "ana@example.org"), ("Bo", "bo@example.org")):
        made = await running.client.post(
            "/v1/contacts",
            json={"display_name": name, "emails": [{"value": address}]},
            headers=ana_user.headers,
        )
        assert made.status_code == 201, made.text
        contacts[name] = made.json()["id"]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = now - timedelta(weeks=12, hours=2)
    path = create_calendar(running.radicale.url, ana_user.dav_user, ana_user.password, "work")
    with running.source(ana_user) as source:
        put(source, f"{path}one-on-one.ics", weekly_one_on_one(first))

    # Synced as the sync service applies a page: the sink and the followers, one transaction.
    scope = SyncScope(ana_user.user_id, ana_user.connection_id, "caldav", None)
    connector = running.connector(ana_user)
    try:
        page = await connector.changes(None, page_size=50)
    finally:
        await connector.aclose()
    interactions = running.services.interactions

    async def work(session: AsyncClientSession) -> list[Applied]:
        applied = await running.service_sink.apply(scope, list(page.changes), session)
        await interactions.follow(scope, RecordKind.CALENDAR_EVENT, applied, session)
        return applied

    [series] = await in_transaction(running.service_mongo, work)
    assert series.data["recurring"] is True

    # Weekly at the same Berlin wall time, across a change of summer time or not; the
    # thirteenth week is a couple of hours ago.
    local = first.astimezone(ZoneInfo("Europe/Berlin"))
    weeks = [(local + timedelta(weeks=k)).astimezone(UTC) for k in range(13)]
    for contact_id in contacts.values():
        answer = await running.client.get(
            f"/v1/contacts/{contact_id}/interactions",
            params={"limit": 100},
            headers=ana_user.headers,
        )
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        happened = sorted(
            datetime.fromisoformat(i["occurred_at"])
            for i in items
            if datetime.fromisoformat(i["occurred_at"]) <= now
        )
        assert happened == weeks
        assert {i["id"] for i in items} >= {
            f"{series.record_id}@{occurrence_key(w)}:{contact_id}" for w in weeks
        }
        assert {i["source_record_id"] for i in items} == {series.record_id}
        contact = await running.client.get(f"/v1/contacts/{contact_id}", headers=ana_user.headers)
        assert contact.json()["interaction_frequency"] == "weekly", contact.json()
