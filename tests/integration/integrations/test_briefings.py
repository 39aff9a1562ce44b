"""Briefings with real MongoDB: a calendar page applied through the follower leaves a pending
briefing per contact attendee; the writer announces them (and their talking points) as
``contact_memory`` records in the outbox when delivery is near; a moved meeting moves and
re-announces them, a cancelled one withdraws them; summaries; the HTTP API per user."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from muninn_integrations.briefings.llm import OfflineWriter
from muninn_integrations.briefings.models import InteractionFacts, InterestFacts
from muninn_integrations.briefings.service import BriefingPolicy, BriefingService
from muninn_integrations.briefings.store import BriefingStore
from muninn_integrations.calendar.models import Attendee, CalendarEvent, EventStatus, Person
from muninn_integrations.calendar.service import CalendarService
from muninn_integrations.calendar.sink import CalendarEventSink
from muninn_integrations.calendar.store import CalendarEventStore
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.contacts.models import ContactCreate
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.main import create_app
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import SyncScope
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import OUTBOX, Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import serving, settings_for
from tests.integration.integrations.records_support import new_user
from tests.integration.paging import every_item

CONTACT_MEMORY = "contact_memory"
LEAD = timedelta(minutes=60)


class FixedSources:
    """Every contact has the same short history: one meeting, one unanswered e-mail."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)

    async def recent_interactions(
        self, user_id: str, contact_id: str, limit: int
    ) -> list[InteractionFacts]:
        return [
            InteractionFacts(f"m1:{contact_id}", "meeting", "mutual", self.at, "Kick-off"),
            InteractionFacts(f"m2:{contact_id}", "email", "inbound", self.at, "Budget 2027"),
        ][:limit]

    async def open_threads(self, user_id: str, contact_id: str) -> list[InteractionFacts]:
        return [InteractionFacts(f"m2:{contact_id}", "email", "inbound", self.at, "Budget 2027")]

    async def interests(self, user_id: str, contact_id: str, limit: int) -> list[InterestFacts]:
        return [InterestFacts("sports", "sailing", 0.8)][:limit]


def meeting(
    start: datetime,
    attendees: list[str],
    *,
    title: str = "Quarterly planning",
    status: EventStatus = EventStatus.CONFIRMED,
) -> CalendarEvent:
    return CalendarEvent(
        uid="planning-1",
        title=title,
        start=start,
        end=start + timedelta(hours=1),
        status=status,
        organizer=Person(email="me@example.org"),
        attendees=[Attendee(email=address) for address in attendees],
    )


def calendar_change(event: CalendarEvent | None) -> Change[Any]:
    return Change(RecordKind.CALENDAR_EVENT, "/cal/planning-1.ics", "/cal/", event, None)


@dataclass
class World:
    mongo: AsyncMongoClient[dict[str, Any]]
    db: Any
    contacts: ContactService
    sink: CalendarEventSink
    briefings: BriefingService

    async def apply(self, scope: SyncScope, event: CalendarEvent | None) -> str:
        """Apply a one-event calendar page as a sync does: sink, then followers, one
        transaction. The event's record id."""

        async def work(session: AsyncClientSession) -> str:
            applied = await self.sink.apply(scope, [calendar_change(event)], session)
            await self.briefings.follow(scope, RecordKind.CALENDAR_EVENT, applied, session)
            return applied[0].record_id

        return await in_transaction(self.mongo, work)

    async def announced(self) -> list[dict[str, Any]]:
        rows = self.db[OUTBOX].find({"envelope.type": "integrations.record.synced"}).sort("_id", 1)
        return [
            row["envelope"]["data"]
            async for row in rows
            if row["envelope"]["data"]["record_type"] == CONTACT_MEMORY
        ]


async def refuse_writes(user_id: str, connection_id: str) -> Any:
    raise AssertionError("briefings never write to a calendar")


@pytest.fixture
async def world(mongo: AsyncMongoClient[dict[str, Any]], unique: str) -> World:
    db = mongo[f"briefings_{unique}"]
    contact_store, calendar_store, briefing_store = (
        ContactStore(db),
        CalendarEventStore(db),
        BriefingStore(db),
    )
    for store in (contact_store, calendar_store, briefing_store):
        await store.ensure_indexes()
    announcer = RecordAnnouncer(Outbox(db))
    contacts = ContactService(client=mongo, store=contact_store, announcer=announcer)
    calendar = CalendarService(
        client=mongo, store=calendar_store, announcer=announcer, open_calendar=refuse_writes
    )
    briefings = BriefingService(
        client=mongo,
        store=briefing_store,
        contacts=contacts,
        calendar=calendar,
        sources=FixedSources(),
        writer=OfflineWriter(),
        announcer=announcer,
        owner="integrations:test",
        policy=BriefingPolicy(lead=LEAD, prepare=timedelta(minutes=120)),
    )
    return World(mongo, db, contacts, CalendarEventSink(calendar_store), briefings)


async def add_contact(contacts: ContactService, user: str, name: str, email: str) -> str:
    body = ContactCreate.model_validate({"display_name": name, "emails": [{"value": email}]})
    return (await contacts.create(user, body)).id


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["record_id"]: r for r in records}


async def test_briefings_follow_the_meeting_and_are_announced_near_it(world: World) -> None:
    user = uuid.uuid4().hex
    ana = await add_contact(world.contacts, user, "Ana Lima", "ana@example.org")
    bea = await add_contact(world.contacts, user, "Bea Costa", "bea@example.org")
    scope = SyncScope(user, "conn-1", "caldav", None)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=3)
    record_id = await world.apply(
        scope, meeting(start, ["ana@example.org", "BEA@example.org", "stranger@example.org"])
    )

    pending = await world.db["briefings"].find({"user_id": user}).sort("contact_id").to_list(None)
    assert sorted(p["contact_id"] for p in pending) == sorted([ana, bea])
    assert {p["_id"] for p in pending} == {
        f"briefing:{record_id}:{ana}",
        f"briefing:{record_id}:{bea}",
    }
    for doc in pending:
        assert doc["deliver_at"].replace(tzinfo=UTC) == start - LEAD
    assert await world.announced() == []  # nothing is written days ahead

    # Too early: delivery is more than the preparation window away.
    assert await world.briefings.write_due(start - LEAD - timedelta(minutes=150)) == 0
    near = start - LEAD - timedelta(minutes=10)
    assert await world.briefings.write_due(near) == 2

    records = await world.announced()
    briefings = [r for r in records if r["data"]["kind"] == "briefing"]
    assert sorted(r["record_id"] for r in briefings) == sorted(
        [f"briefing:{record_id}:{ana}", f"briefing:{record_id}:{bea}"]
    )
    first = by_id(briefings)[f"briefing:{record_id}:{ana}"]
    assert first["user_id"] == user
    assert first["connection_id"] == "conn-1"
    data = first["data"]
    assert set(data) == {
        "contact_id",
        "kind",
        "title",
        "content",
        "confidence",
        "source_interactions",
        "expires_at",
        "event_record_id",
        "event_title",
        "event_start",
        "deliver_at",
        "action",
    }
    assert data["action"] == "created"
    assert data["contact_id"] == ana
    assert data["event_record_id"] == record_id
    assert data["event_title"] == "Quarterly planning"
    assert datetime.fromisoformat(data["event_start"]) == start
    assert datetime.fromisoformat(data["deliver_at"]) == start - LEAD
    assert datetime.fromisoformat(data["expires_at"]) == start + timedelta(hours=1, days=1)
    assert data["source_interactions"] == [f"m1:{ana}", f"m2:{ana}"]
    assert 0 < data["confidence"] <= 1
    assert data["title"] == 'Before "Quarterly planning": Ana Lima'
    assert data["content"].startswith("Ana Lima.\nLast in touch: ")
    assert 'Waiting for your reply: "Budget 2027"' in data["content"]

    points = [r for r in records if r["data"]["kind"] == "talking_point"]
    ana_points = sorted(
        (r for r in points if r["data"]["contact_id"] == ana), key=lambda r: r["record_id"]
    )
    assert [r["record_id"] for r in ana_points] == [
        f"talking_point:{record_id}:{ana}:0",
        f"talking_point:{record_id}:{ana}:1",
    ]
    assert [r["data"]["content"] for r in ana_points] == [
        'Reply to "Budget 2027".',
        "Ask about sailing.",
    ]
    assert ana_points[0]["data"]["source_interactions"] == [f"m2:{ana}"]
    assert ana_points[0]["data"]["expires_at"] == data["expires_at"]
    assert len(records) == 6

    # Rewritten later with the same facts: nothing new is announced.
    assert await world.briefings.write_due(near + timedelta(minutes=31)) == 2
    assert len(await world.announced()) == 6

    # The meeting moves an hour later: the briefings move and are announced again.
    later = start + timedelta(hours=1)
    assert await world.apply(scope, meeting(later, ["ana@example.org", "bea@example.org"])) == (
        record_id
    )
    moved = await world.db["briefings"].find({"user_id": user}).to_list(None)
    assert {p["deliver_at"].replace(tzinfo=UTC) for p in moved} == {later - LEAD}
    records = await world.announced()
    updates = [r for r in records[6:] if r["data"]["kind"] == "briefing"]
    assert sorted(r["record_id"] for r in updates) == sorted(
        [f"briefing:{record_id}:{ana}", f"briefing:{record_id}:{bea}"]
    )
    for update in updates:
        assert update["data"]["action"] == "updated"
        assert datetime.fromisoformat(update["data"]["deliver_at"]) == later - LEAD
        assert datetime.fromisoformat(update["data"]["event_start"]) == later
    moved_points = [r for r in records[6:] if r["data"]["kind"] == "talking_point"]
    assert len(moved_points) == 4
    assert all(
        datetime.fromisoformat(p["data"]["expires_at"]) == later + timedelta(hours=1, days=1)
        for p in moved_points
    )
    count = len(records)

    # Bea is taken off the invitation: only her briefing is withdrawn.
    await world.apply(scope, meeting(later, ["ana@example.org"]))
    records = await world.announced()
    withdrawn = records[count:]
    assert {r["record_id"] for r in withdrawn} == {
        f"briefing:{record_id}:{bea}",
        f"talking_point:{record_id}:{bea}:0",
        f"talking_point:{record_id}:{bea}:1",
    }
    assert all(r["data"]["action"] == "deleted" for r in withdrawn)
    assert all(r["data"]["contact_id"] == bea for r in withdrawn)
    count = len(records)

    # Cancelled: Ana's briefing and talking points are withdrawn too.
    await world.apply(scope, meeting(later, ["ana@example.org"], status=EventStatus.CANCELLED))
    records = await world.announced()
    assert {(r["record_id"], r["data"]["action"]) for r in records[count:]} == {
        (f"briefing:{record_id}:{ana}", "deleted"),
        (f"talking_point:{record_id}:{ana}:0", "deleted"),
        (f"talking_point:{record_id}:{ana}:1", "deleted"),
    }
    assert await world.db["briefings"].count_documents({"user_id": user}) == 0
    assert await world.db["contact_memories"].count_documents({"user_id": user}) == 0
    assert await world.briefings.write_due(later - LEAD) == 0


async def test_a_deleted_event_withdraws_and_attendees_are_capped(world: World) -> None:
    user = uuid.uuid4().hex
    ids = [
        await add_contact(world.contacts, user, f"Person {n}", f"p{n}@example.org")
        for n in range(12)
    ]
    scope = SyncScope(user, "conn-1", "caldav", None)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
    record_id = await world.apply(scope, meeting(start, [f"p{n}@example.org" for n in range(12)]))
    assert await world.db["briefings"].count_documents({"event_record_id": record_id}) == 10
    # An archived contact is briefed for no more.
    await world.contacts.set_archived(user, ids[0], True)
    assert await world.briefings.write_due(start - LEAD) == 10
    announced = [r for r in await world.announced() if r["data"]["kind"] == "briefing"]
    assert sorted(r["data"]["contact_id"] for r in announced) == sorted(ids[1:10])
    await world.apply(scope, None)  # deleted at the source
    assert await world.db["briefings"].count_documents({"event_record_id": record_id}) == 0
    deleted = [r for r in await world.announced() if r["data"]["action"] == "deleted"]
    assert len([r for r in deleted if r["data"]["kind"] == "briefing"]) == 9


async def test_summaries_are_written_for_contacts_in_touch_since_theirs(world: World) -> None:
    user = uuid.uuid4().hex
    ana = await add_contact(world.contacts, user, "Ana Lima", "ana@example.org")
    await add_contact(world.contacts, user, "Quiet Person", "quiet@example.org")
    now = datetime.now(UTC).replace(microsecond=0)
    # What the relationship engine keeps on a contact.
    await world.db["contacts"].update_one(
        {"_id": ana},
        {
            "$set": {
                "last_interaction_at": now - timedelta(hours=5),
                "relationship_strength": 0.45,
                "interaction_frequency": "monthly",
                "strength_updated_at": now,
            }
        },
    )
    assert await world.briefings.refresh_summaries(now) == 1
    [summary] = [r for r in await world.announced() if r["data"]["kind"] == "summary"]
    assert summary["record_id"] == f"summary:{ana}"
    assert summary["data"]["title"] == "About Ana Lima"
    assert summary["data"]["expires_at"] is None
    assert summary["data"]["content"].splitlines()[:2] == [
        "Ana Lima.",
        "A regular relationship; you usually talk about once a month.",
    ]
    # Another replica (or a restart) the same day does not run the pass again.
    assert await world.briefings.refresh_summaries(now + timedelta(minutes=5)) == 0


@dataclass
class Api:
    client: httpx.AsyncClient
    briefings: BriefingService
    sink: CalendarEventSink
    mongo: AsyncMongoClient[dict[str, Any]]


@pytest.fixture
async def api(infra: Infra, unique: str) -> AsyncIterator[Api]:
    settings = settings_for(
        infra,
        unique,
        sync_workers_enabled=False,
    )
    app = create_app(settings, briefing_sources=FixedSources())
    sink = next(s for s in app.state.sinks if s.kind is RecordKind.CALENDAR_EVENT)
    async with serving(app) as client:
        yield Api(client, app.state.services.briefings, sink, app.state.runtime.mongo)


async def test_briefing_and_memories_over_http_answer_only_the_owner(api: Api) -> None:
    ana_user, ana_headers = new_user("ana")
    _, bob_headers = new_user("bob")
    made = await api.client.post(
        "/v1/contacts",
        json={"display_name": "Cy Ramos", "emails": [{"value": "cy@example.org"}]},
        headers=ana_headers,
    )
    assert made.status_code == 201, made.text
    cy = made.json()["id"]
    bobs = await api.client.post("/v1/contacts", json={"display_name": "Dee"}, headers=bob_headers)
    dee = bobs.json()["id"]

    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    scope = SyncScope(ana_user, "conn-a", "caldav", None)

    async def work(session: AsyncClientSession) -> str:
        applied = await api.sink.apply(
            scope, [calendar_change(meeting(start, ["cy@example.org"]))], session
        )
        await api.briefings.follow(scope, RecordKind.CALENDAR_EVENT, applied, session)
        return applied[0].record_id

    event_id = await in_transaction(api.mongo, work)

    answer = await api.client.get(f"/v1/contacts/{cy}/briefing", headers=ana_headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # Without event_id: the contact's next meeting with a briefing.
    assert body["event_record_id"] == event_id
    assert body["title"] == 'Before "Quarterly planning": Cy Ramos'
    assert body["talking_points"] == ['Reply to "Budget 2027".', "Ask about sailing."]
    assert body["writer"] == "offline"
    assert body["facts"]["name"] == "Cy Ramos"
    assert [i["subject"] for i in body["facts"]["recent_interactions"]] == [
        "Kick-off",
        "Budget 2027",
    ]
    assert body["facts"]["interests"][0]["topic"] == "sailing"
    for_event = await api.client.get(
        f"/v1/contacts/{cy}/briefing", params={"event_id": event_id}, headers=ana_headers
    )
    assert for_event.status_code == 200, for_event.text
    assert for_event.json()["event_title"] == "Quarterly planning"

    # Another user's contact, or another user's event, is not found; bad ids are refused.
    assert (
        await api.client.get(f"/v1/contacts/{dee}/briefing", headers=ana_headers)
    ).status_code == 404
    assert (
        await api.client.get(f"/v1/contacts/{cy}/briefing", headers=bob_headers)
    ).status_code == 404
    other_event = await api.client.get(
        f"/v1/contacts/{dee}/briefing", params={"event_id": event_id}, headers=bob_headers
    )
    assert other_event.status_code == 404
    assert (
        await api.client.get(f"/v1/contacts/{cy}/memories", headers=bob_headers)
    ).status_code == 404
    for bad in ("x" * 65, "a.b", "%00"):
        answer = await api.client.get(f"/v1/contacts/{bad}/briefing", headers=ana_headers)
        assert answer.status_code in (404, 422), answer.text
    bad_event = await api.client.get(
        f"/v1/contacts/{cy}/briefing", params={"event_id": "{'$gt': ''}"}, headers=ana_headers
    )
    assert bad_event.status_code == 422
    bad_kind = await api.client.get(
        f"/v1/contacts/{cy}/memories", params={"kind": "secret"}, headers=ana_headers
    )
    assert bad_kind.status_code == 422
    unauthenticated = await api.client.get(f"/v1/contacts/{cy}/briefing")
    assert unauthenticated.status_code == 401
    # Asking for a briefing announces nothing.
    empty = await api.client.get(f"/v1/contacts/{cy}/memories", headers=ana_headers)
    assert empty.json() == {"items": [], "next_cursor": None}

    assert await api.briefings.write_due(start - LEAD) == 1
    await api.briefings.summarise(ana_user, cy)
    listed = await api.client.get(f"/v1/contacts/{cy}/memories", headers=ana_headers)
    assert listed.status_code == 200, listed.text
    kinds = sorted(item["kind"] for item in listed.json()["items"])
    assert kinds == ["briefing", "summary", "talking_point", "talking_point"]
    only = await api.client.get(
        f"/v1/contacts/{cy}/memories", params={"kind": "briefing"}, headers=ana_headers
    )
    [briefing] = only.json()["items"]
    assert briefing["id"] == f"briefing:{event_id}:{cy}"
    assert briefing["event_record_id"] == event_id
    paged = await every_item(api.client, f"/v1/contacts/{cy}/memories", ana_headers, limit=1)
    seen = [item["id"] for item in paged]
    assert sorted(seen) == sorted(item["id"] for item in listed.json()["items"])
    assert (
        await api.client.get(
            f"/v1/contacts/{cy}/memories", params={"cursor": "garbage"}, headers=ana_headers
        )
    ).status_code == 400

    # The user's export holds their briefings and contact memories.
    export = await api.client.get("/internal/privacy/export", headers=ana_headers)
    assert export.status_code == 200, export.text
    collections = export.json()["collections"]
    assert [d["_id"] for d in collections["briefings"]] == [f"briefing:{event_id}:{cy}"]
    assert len(collections["contact_memories"]) == 4
    assert "briefing_jobs" not in collections


async def test_a_weekly_meeting_is_briefed_for_each_next_occurrence(world: World) -> None:
    user = uuid.uuid4().hex
    ana = await add_contact(world.contacts, user, "Ana Lima", "ana@example.org")
    scope = SyncScope(user, "conn-1", "caldav", None)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = now - timedelta(days=14, hours=-3)  # a series begun two weeks ago
    series = meeting(first, ["ana@example.org"], title="Weekly 1:1").model_copy(
        update={"recurrence_rule": "FREQ=WEEKLY"}
    )
    record_id = await world.apply(scope, series)
    [pending] = await world.db["briefings"].find({"user_id": user}).to_list(None)
    upcoming = first + timedelta(days=14)  # three hours from now
    assert pending["event_start"].replace(tzinfo=UTC) == upcoming
    assert pending["deliver_at"].replace(tzinfo=UTC) == upcoming - LEAD

    assert await world.briefings.write_due(upcoming - LEAD) == 1
    [announced] = [r for r in await world.announced() if r["data"]["kind"] == "briefing"]
    assert announced["record_id"] == f"briefing:{record_id}:{ana}"
    assert datetime.fromisoformat(announced["data"]["event_start"]) == upcoming

    # Once this week's meeting has begun, the briefing moves on to next week's.
    assert await world.briefings.write_due(upcoming + timedelta(minutes=5)) == 0
    [rolled] = await world.db["briefings"].find({"user_id": user}).to_list(None)
    following = upcoming + timedelta(days=7)
    assert rolled["event_start"].replace(tzinfo=UTC) == following
    assert await world.briefings.write_due(following - LEAD) == 1
    briefings = [r for r in await world.announced() if r["data"]["kind"] == "briefing"]
    assert len(briefings) == 2
    # Same id; last week's had expired (a day after its meeting) and was forgotten.
    assert briefings[1]["record_id"] == announced["record_id"]
    assert briefings[1]["data"]["action"] == "created"
    assert datetime.fromisoformat(briefings[1]["data"]["deliver_at"]) == following - LEAD

    # The series is cut short at the source: no occurrence is left, its briefing is withdrawn.
    ended = series.model_copy(update={"recurrence_rule": "FREQ=WEEKLY;COUNT=2"})
    await world.apply(scope, ended)
    assert await world.db["briefings"].count_documents({"user_id": user}) == 0
    withdrawn = [r for r in await world.announced() if r["data"]["action"] == "deleted"]
    assert f"briefing:{record_id}:{ana}" in {r["record_id"] for r in withdrawn}


async def test_a_purged_connection_withdraws_its_briefings(world: World) -> None:
    user = uuid.uuid4().hex
    ana = await add_contact(world.contacts, user, "Ana Lima", "ana@example.org")
    scope = SyncScope(user, "conn-9", "caldav", None)
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    record_id = await world.apply(scope, meeting(start, ["ana@example.org"]))
    assert await world.briefings.write_due(start - LEAD) == 1

    async def purge(session: AsyncClientSession) -> int:
        return await world.briefings.purge_connection(user, "conn-9", session)

    assert await in_transaction(world.mongo, purge) == 1
    assert await world.db["briefings"].count_documents({"user_id": user}) == 0
    deleted = {r["record_id"] for r in await world.announced() if r["data"]["action"] == "deleted"}
    assert f"briefing:{record_id}:{ana}" in deleted
