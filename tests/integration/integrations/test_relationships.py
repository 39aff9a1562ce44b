"""The contact graph and contacts' interests with a real MongoDB: links inferred from synced
meetings and mail (once per pair and per record, typed, kept when typed by hand), interests
reinforced and decayed, contacts merged, and every query answered over HTTP to its owner only.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from muninn_integrations.calendar.ical import event_from_ical
from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.models import ContactCreate
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.deps import IntegrationsServices
from muninn_integrations.graph.models import LinkType
from muninn_integrations.graph.service import GraphPolicy, GraphService
from muninn_integrations.graph.store import CONTACT_LINKS, LinkStore
from muninn_integrations.interactions.occurrences import SeriesPolicy, occurrence_key
from muninn_integrations.interests.scoring import InterestPolicy
from muninn_integrations.interests.service import InterestService
from muninn_integrations.interests.store import CONTACT_INTERESTS, InterestStore
from muninn_integrations.main import create_app
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope
from muninn_shared.moments import as_utc
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import serving, settings_for
from tests.integration.integrations.records_support import HOSTILE, new_user

NOW = datetime.now(UTC)
MEETING = RecordKind.CALENDAR_EVENT
EMAIL = RecordKind.EMAIL


@dataclass
class Parts:
    mongo: AsyncMongoClient[dict[str, Any]]
    db: Any
    contacts: ContactService
    graph: GraphService
    interests: InterestService

    async def contact(self, user: str, name: str, email: str, company: str | None = None) -> str:
        fields: dict[str, Any] = {"display_name": name, "emails": [{"value": email}]}
        if company:
            fields["company"] = company
        created = await self.contacts.create(user, ContactCreate.model_validate(fields))
        return created.id

    async def follow(self, user: str, kind: RecordKind, applied: list[Applied]) -> None:
        scope = SyncScope(user, "conn-1", "caldav", None)

        async def work(session: AsyncClientSession) -> None:
            await self.graph.follow(scope, kind, applied, session)
            await self.interests.follow(scope, kind, applied, session)

        await in_transaction(self.mongo, work)

    async def link(self, user: str, one: str, other: str) -> dict[str, Any] | None:
        a, b = sorted((one, other))
        found: dict[str, Any] | None = await self.db[CONTACT_LINKS].find_one(
            {"user_id": user, "a": a, "b": b}
        )
        return found


def meeting(record_id: str, *emails: str, title: str = "Sync", at: datetime = NOW) -> Applied:
    return Applied(
        record_id,
        Action.CREATED,
        {
            "title": title,
            "start": at.isoformat(),
            "attendees": [{"email": e, "name": ""} for e in emails],
            "organizer": {"email": "me@example.org", "name": "Me"},
        },
    )


@pytest.fixture
async def parts(mongo: AsyncMongoClient[dict[str, Any]], unique: str) -> Parts:
    db = mongo[f"relationships_{unique}"]
    contact_store, link_store, interest_store = ContactStore(db), LinkStore(db), InterestStore(db)
    for store in (contact_store, link_store, interest_store):
        await store.ensure_indexes()
    contacts = ContactService(
        client=mongo, store=contact_store, announcer=RecordAnnouncer(Outbox(db))
    )
    graph = GraphService(link_store, contacts, GraphPolicy(half_life_days=90, max_participants=25))
    interests = InterestService(
        interest_store,
        contacts,
        InterestPolicy(base=0.4, gain=0.25, half_life_days=60, floor=0.1, max_participants=10),
    )
    return Parts(mongo, db, contacts, graph, interests)


# --- inference -------------------------------------------------------------------------------


async def test_a_meeting_of_three_colleagues_links_each_pair_once(parts: Parts) -> None:
    user = uuid.uuid4().hex
    ana = await parts.contact(user, "Ana", "ana@acme.com")
    bo = await parts.contact(user, "Bo", "BO@acme.com")
    cy = await parts.contact(user, "Cy", "cy@acme.com")
    dee = await parts.contact(user, "Dee", "dee@gmail.com")
    other_user = uuid.uuid4().hex
    await parts.contact(other_user, "Ana elsewhere", "ana@acme.com")

    standup = meeting("e1", "ana@acme.com", "bo@acme.com", "cy@acme.com")
    await parts.follow(user, MEETING, [standup])
    links = await parts.db[CONTACT_LINKS].find({"user_id": user}).to_list(None)
    assert len(links) == 3
    assert {(d["a"], d["b"]) for d in links} == {
        tuple(sorted(p)) for p in ((ana, bo), (ana, cy), (bo, cy))
    }
    for doc in links:
        assert doc["a"] < doc["b"]
        assert doc["type"] == "colleague"
        assert doc["type_source"] == "inferred"
        assert doc["shared_interactions"] == 1
        assert [e["record_id"] for e in doc["evidence"]] == ["e1"]
        assert doc["evidence"][0]["kind"] == "meeting"
        assert 0.28 < doc["strength"] < 0.29  # 1 - e^(-1/3), fresh
    assert await parts.db[CONTACT_LINKS].count_documents({"user_id": other_user}) == 0

    # The same record again (a replay, a re-sync) adds nothing.
    await parts.follow(user, MEETING, [standup])
    again = await parts.link(user, ana, bo)
    assert again is not None
    assert again["shared_interactions"] == 1
    assert len(again["evidence"]) == 1

    # An e-mail between two of them is more evidence; free mail does not make a colleague.
    mail = Applied(
        "m1",
        Action.CREATED,
        {
            "subject": "hi",
            "from": {"address": "ana@acme.com", "name": "Ana"},
            "to": [{"address": "bo@acme.com", "name": ""}, {"address": "dee@gmail.com"}],
            "sent_at": NOW.isoformat(),
        },
    )
    await parts.follow(user, EMAIL, [mail])
    ana_bo = await parts.link(user, ana, bo)
    assert ana_bo is not None
    assert ana_bo["shared_interactions"] == 2
    ana_dee = await parts.link(user, ana, dee)
    assert ana_dee is not None
    assert ana_dee["type"] == "acquaintance"

    # A deleted record takes its evidence back; a link with none left goes.
    await parts.follow(user, EMAIL, [Applied("m1", Action.DELETED, {})])
    ana_bo = await parts.link(user, ana, bo)
    assert ana_bo is not None
    assert ana_bo["shared_interactions"] == 1
    assert await parts.link(user, ana, dee) is None


def standup(first: datetime, *more: str) -> CalendarEvent:
    """A weekly standup of Ana, Bo and Cy from ``first``, with its iCalendar text;
    ``more``: further lines of the series (RDATE, EXDATE)."""
    stamp = occurrence_key
    people = "".join(
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{who}@acme.com\r\n" for who in ("ana", "bo", "cy")
    )
    event = event_from_ical(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:standup\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{stamp(first)}\r\n"
        f"DTEND:{stamp(first + timedelta(minutes=15))}\r\nRRULE:FREQ=WEEKLY\r\n"
        f"SUMMARY:Standup\r\nORGANIZER:mailto:me@example.org\r\n{people}"
        + "".join(f"{line}\r\n" for line in more)
        + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert event is not None
    return event


async def test_a_weekly_meeting_links_its_attendees_once_per_occurrence_that_happened(
    parts: Parts,
) -> None:
    user = uuid.uuid4().hex
    ana = await parts.contact(user, "Ana", "ana@acme.com")
    bo = await parts.contact(user, "Bo", "bo@acme.com")
    cy = await parts.contact(user, "Cy", "cy@acme.com")
    stored: dict[str, CalendarEvent] = {}

    async def read_series(
        user_id: str, record_ids: Sequence[str], session: AsyncClientSession
    ) -> dict[str, CalendarEvent]:
        return {r: stored[r] for r in record_ids if r in stored and user_id == user}

    graph = GraphService(
        LinkStore(parts.db),
        parts.contacts,
        GraphPolicy(half_life_days=90, max_participants=25),
        read_series=read_series,
        series_policy=SeriesPolicy(
            window=timedelta(days=180),
            horizon=timedelta(days=60),
            max_occurrences=200,
            roll_every=timedelta(days=1),
            roll_batch=10,
        ),
    )
    scope = SyncScope(user, "conn-1", "caldav", None)

    async def follow(*applied: Applied) -> None:
        await in_transaction(
            parts.mongo, lambda session: graph.follow(scope, MEETING, list(applied), session)
        )

    now = NOW.replace(second=0, microsecond=0)  # as iCalendar has it
    first = now - timedelta(weeks=5, hours=1)
    happened = [first + timedelta(weeks=k) for k in range(6)]  # the next ones are ahead
    stored["s1"] = standup(first)
    series = Applied("s1", Action.CREATED, {"title": "Standup", "recurring": True})
    await follow(series, meeting("e1", "ana@acme.com", "bo@acme.com"))

    ana_bo = await parts.link(user, ana, bo)
    assert ana_bo is not None
    assert ana_bo["shared_interactions"] == 7  # six standups and the single meeting
    assert {e["record_id"] for e in ana_bo["evidence"]} == {
        "e1",
        *(f"s1@{occurrence_key(m)}" for m in happened),
    }
    [counted] = ana_bo["series"]
    assert (counted["record_id"], counted["count"]) == ("s1", 6)
    assert as_utc(counted["through"]) == happened[-1]
    bo_cy = await parts.link(user, bo, cy)
    assert bo_cy is not None
    assert bo_cy["shared_interactions"] == 6
    assert 1 - math.exp(-6 / 3) - 0.01 < bo_cy["strength"] < 1 - math.exp(-6 / 3)

    # Handed over again (a replay, the roll-forward): nothing new happened, nothing counts.
    await follow(Applied("s1", Action.UPDATED, {"recurring": True}))
    assert (await parts.link(user, bo, cy) or {})["shared_interactions"] == 6

    # One more standup happened since (here: an extra date half an hour ago): it alone counts.
    extra = now - timedelta(minutes=30)
    stored["s1"] = standup(first, f"RDATE:{occurrence_key(extra)}")
    await follow(Applied("s1", Action.UPDATED, {"recurring": True}))
    bo_cy = await parts.link(user, bo, cy)
    assert bo_cy is not None
    assert bo_cy["shared_interactions"] == 7
    assert f"s1@{occurrence_key(extra)}" in {e["record_id"] for e in bo_cy["evidence"]}

    # The series deleted: every occurrence it counted is taken back, the single meeting stays.
    await follow(Applied("s1", Action.DELETED, {}))
    ana_bo = await parts.link(user, ana, bo)
    assert ana_bo is not None
    assert ana_bo["shared_interactions"] == 1
    assert [e["record_id"] for e in ana_bo["evidence"]] == ["e1"]
    assert ana_bo["series"] == []
    assert await parts.link(user, bo, cy) is None


async def test_a_crowd_links_nobody_and_a_type_set_by_hand_survives_inference(
    parts: Parts,
) -> None:
    user = uuid.uuid4().hex
    emails = [f"p{i}@acme.com" for i in range(30)]
    for i, email in enumerate(emails):
        await parts.contact(user, f"P{i}", email)
    await parts.follow(user, MEETING, [meeting("all-hands", *emails)])
    assert await parts.db[CONTACT_LINKS].count_documents({"user_id": user}) == 0

    ana = await parts.contact(user, "Ana", "ana@acme.com")
    bo = await parts.contact(user, "Bo", "bo@acme.com")
    await parts.graph.set_type(user, ana, bo, LinkType.FRIEND)
    await parts.follow(user, MEETING, [meeting("e9", "ana@acme.com", "bo@acme.com")])
    doc = await parts.link(user, ana, bo)
    assert doc is not None
    assert (doc["type"], doc["type_source"]) == ("friend", "user")
    assert doc["shared_interactions"] == 1


async def test_links_of_contacts_are_those_at_either_end_strongest_first(parts: Parts) -> None:
    """``of_contacts`` asks for each end apart: a link with both ends asked for comes once,
    the merged list keeps the strongest-first order and its limit, and another user's links
    (at the same contact ids) stay out."""
    store = LinkStore(parts.db)
    user, other_user = uuid.uuid4().hex, uuid.uuid4().hex
    strengths = {("c1", "c2"): 0.5, ("c0", "c1"): 0.9, ("c2", "c3"): 0.7, ("c3", "c4"): 0.8}
    for (a, b), strength in strengths.items():
        await store.insert(
            {"_id": f"{a}-{b}", "user_id": user, "a": a, "b": b, "strength": strength}
        )
    await store.insert({"_id": "x", "user_id": other_user, "a": "c1", "b": "c2", "strength": 1.0})

    found = await store.of_contacts(user, ["c1", "c2"], limit=None)
    assert [d["_id"] for d in found] == ["c0-c1", "c2-c3", "c1-c2"]

    assert [d["_id"] for d in await store.of_contacts(user, ["c1", "c2"], limit=2)] == [
        "c0-c1",
        "c2-c3",
    ]
    strong = await store.of_contacts(user, ["c1", "c2"], min_strength=0.6, limit=None)
    assert [d["_id"] for d in strong] == ["c0-c1", "c2-c3"]

    ends = await store.of_contacts(user, ["c3"], limit=None, fields={"a": 1, "b": 1})
    assert ends == [{"_id": "c3-c4", "a": "c3", "b": "c4"}, {"_id": "c2-c3", "a": "c2", "b": "c3"}]
    assert await store.of_contacts(user, [], limit=None) == []


# --- interests -------------------------------------------------------------------------------


async def test_interests_are_reinforced_by_mentions_and_fade_without(parts: Parts) -> None:
    user = uuid.uuid4().hex
    ana = await parts.contact(user, "Ana", "ana@acme.com")
    day = timedelta(days=1)

    first = await parts.interests.reinforce_from_text(
        user, ana, "Hiking trip on Saturday?", source_id="r1:x", at=NOW - day
    )
    assert [(i.category, i.topic) for i in first] == [("outdoors", "hiking")]
    start = first[0].confidence
    assert 0.38 < start <= 0.4
    second = await parts.interests.reinforce_from_text(
        user, ana, "More HIKING photos", source_id="r2:x", at=NOW
    )
    assert second[0].evidence_count == 2
    assert second[0].confidence > start
    assert second[0].confidence == pytest.approx(
        0.4 * 0.5 ** (1 / 60) + (1 - 0.4 * 0.5 ** (1 / 60)) * 0.25, abs=1e-3
    )
    replay = await parts.interests.reinforce_from_text(
        user, ana, "More hiking photos", source_id="r2:x", at=NOW
    )
    assert replay[0].evidence_count == 2
    assert (
        await parts.interests.reinforce_from_text(
            user, ana, "nothing here", source_id="r3:x", at=NOW
        )
        == []
    )

    now_top = await parts.interests.top(user, ana, now=NOW)
    later = await parts.interests.top(user, ana, now=NOW + timedelta(days=60))
    assert later[0].confidence == pytest.approx(now_top[0].confidence / 2, abs=1e-3)

    # A mention in synced mail, attributed to the contact who took part in it.
    mail = Applied(
        "m7",
        Action.CREATED,
        {
            "subject": "Wine tasting Friday",
            "snippet": "bring your dog",
            "from": {"address": "ana@acme.com"},
            "to": [{"address": "me@example.org"}],
            "sent_at": NOW.isoformat(),
        },
    )
    await parts.follow(user, EMAIL, [mail])
    topics = {
        (i.topic, tuple(i.source_interactions)) for i in await parts.interests.top(user, ana, 10)
    }
    assert ("wine", (f"m7:{ana}",)) in topics
    assert ("dogs", (f"m7:{ana}",)) in topics

    # The sweep drops what faded under the floor, and only that.
    assert await parts.interests.sweep(NOW) == 0
    assert await parts.interests.sweep(NOW + timedelta(days=400)) == 3
    assert await parts.db[CONTACT_INTERESTS].count_documents({"user_id": user}) == 0


async def test_repoint_moves_links_and_interests_onto_the_merged_contact(parts: Parts) -> None:
    user = uuid.uuid4().hex
    x = await parts.contact(user, "X", "x@acme.com")
    y = await parts.contact(user, "Y", "y@acme.com")
    z = await parts.contact(user, "Z", "z@acme.com")
    w = await parts.contact(user, "W", "w@other.org")
    await parts.follow(user, MEETING, [meeting("r1", "x@acme.com", "y@acme.com", "z@acme.com")])
    await parts.follow(user, MEETING, [meeting("r2", "y@acme.com", "z@acme.com")])
    await parts.graph.set_type(user, x, w, LinkType.FRIEND)
    for n, source in enumerate(("a", "b")):
        await parts.interests.reinforce_from_text(
            user, x, "hiking", source_id=f"{source}:x", at=NOW - timedelta(hours=n)
        )
    await parts.interests.reinforce_from_text(user, x, "wine", source_id="c:x", at=NOW)
    await parts.interests.reinforce_from_text(user, y, "hiking", source_id="d:y", at=NOW)

    async def work(session: AsyncClientSession) -> None:
        await parts.graph.repoint(user, x, y, session)
        await parts.interests.repoint(user, x, y, session)

    await in_transaction(parts.mongo, work)

    links = await parts.db[CONTACT_LINKS].find({"user_id": user}).to_list(None)
    assert all(x not in (d["a"], d["b"]) for d in links)
    assert all(d["a"] != d["b"] for d in links)
    y_z = await parts.link(user, y, z)
    assert y_z is not None
    assert y_z["shared_interactions"] == 2  # r1 was evidence on both: counted once
    assert sorted(e["record_id"] for e in y_z["evidence"]) == ["r1", "r2"]
    y_w = await parts.link(user, y, w)
    assert y_w is not None
    assert (y_w["type"], y_w["type_source"]) == ("friend", "user")
    assert len(links) == 2  # x-y itself is gone

    interests = {i.topic: i for i in await parts.interests.top(user, y, 10)}
    assert set(interests) == {"hiking", "wine"}
    assert interests["hiking"].evidence_count == 3
    assert set(interests["hiking"].source_interactions) == {"a:x", "b:x", "d:y"}
    assert await parts.db[CONTACT_INTERESTS].count_documents({"contact_id": x}) == 0


# --- over HTTP -------------------------------------------------------------------------------


@dataclass
class App:
    client: httpx.AsyncClient
    services: IntegrationsServices
    db: Any
    mongo: AsyncMongoClient[dict[str, Any]]


@pytest.fixture
async def app(infra: Infra, unique: str) -> AsyncIterator[App]:
    settings = settings_for(
        infra,
        unique,
        sync_workers_enabled=False,
    )
    created = create_app(settings)
    async with serving(created) as client:
        runtime = created.state.runtime
        yield App(client, created.state.services, runtime.db, runtime.mongo)


async def test_graph_queries_over_http_answer_their_owner_only(app: App) -> None:
    user, headers = new_user("graph")
    stranger, stranger_headers = new_user("stranger")
    c = app.client

    async def contact(name: str, email: str, company: str | None = None) -> str:
        body: dict[str, Any] = {"display_name": name, "emails": [{"value": email}]}
        if company:
            body["company"] = company
        answer = await c.post("/v1/contacts", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    ana = await contact("Ana", "ana@acme.com", "Acme")
    bo = await contact("Bo", "bo@acme.com", "ACME")
    cy = await contact("Cy", "cy@acme.com")
    dee = await contact("Dee", "dee@gmail.com")
    eve = await contact("Eve", "eve@globex.com", "Globex")
    fay = await contact("Fay", "fay@example.net")
    await app.db["contacts"].update_one({"_id": ana}, {"$set": {"relationship_strength": 0.9}})
    await app.db["contacts"].update_one({"_id": bo}, {"$set": {"relationship_strength": 0.2}})

    scope = SyncScope(user, "conn-1", "caldav", None)
    records = [
        meeting("e1", "ana@acme.com", "bo@acme.com", "cy@acme.com", title="Planning"),
        meeting("e2", "ana@acme.com", "bo@acme.com", title="Hiking trip"),
        meeting("e3", "cy@acme.com", "dee@gmail.com"),
        meeting("e4", "dee@gmail.com", "eve@globex.com"),
    ]

    async def work(session: AsyncClientSession) -> None:
        await app.services.graph.follow(scope, MEETING, records, session)
        await app.services.interests.follow(scope, MEETING, records, session)

    await in_transaction(app.mongo, work)

    # A contact's circle, one to three links away.
    for depth, expected in (
        (1, {ana, bo, cy}),
        (2, {ana, bo, cy, dee}),
        (3, {ana, bo, cy, dee, eve}),
    ):
        answer = await c.get(
            "/v1/people/graph", params={"contact_id": ana, "depth": depth}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert {n["id"] for n in body["nodes"]} == expected
        assert all({e["a"], e["b"]} <= expected for e in body["edges"])
    ana_node = next(n for n in body["nodes"] if n["id"] == ana)
    assert (ana_node["depth"], ana_node["company"], ana_node["relationship_strength"]) == (
        0,
        "Acme",
        0.9,
    )
    ana_bo = next(e for e in body["edges"] if {e["a"], e["b"]} == {ana, bo})
    assert (ana_bo["type"], ana_bo["shared_interactions"], ana_bo["mutual_connections"]) == (
        "colleague",
        2,
        1,
    )
    limited = await c.get(
        "/v1/people/graph", params={"contact_id": ana, "depth": 3, "limit": 2}, headers=headers
    )
    assert len(limited.json()["nodes"]) == 2
    assert limited.json()["truncated"] is True

    # How I reach Eve: through Ana (my closest), then the meetings' links.
    answer = await c.get("/v1/people/path", params={"to": eve}, headers=headers)
    assert answer.status_code == 200, answer.text
    path = answer.json()
    assert path["origin"] == "me"
    assert [n["id"] for n in path["nodes"]] == [ana, cy, dee, eve]
    assert [h["source"] for h in path["hops"]] == ["me", ana, cy, dee]
    assert path["hops"][0]["type"] is None
    assert path["hops"][1]["type"] == "colleague"
    assert path["hops"][0]["strength"] == 0.9
    assert path["strength"] == pytest.approx(
        math.prod(h["strength"] for h in path["hops"]), rel=1e-4
    )
    answer = await c.get("/v1/people/path", params={"to": eve, "from": bo}, headers=headers)
    assert [n["id"] for n in answer.json()["nodes"]] == [bo, cy, dee, eve]
    assert (await c.get("/v1/people/path", params={"to": fay}, headers=headers)).status_code == 404
    same = await c.get("/v1/people/path", params={"to": fay, "from": fay}, headers=headers)
    assert same.status_code == 422

    # The strongest ties; who I know at Acme; groups.
    ties = (await c.get("/v1/people/ties", params={"limit": 2}, headers=headers)).json()["items"]
    assert len(ties) == 2
    assert {ties[0]["a"]["id"], ties[0]["b"]["id"]} == {ana, bo}
    at_acme = (
        await c.get("/v1/people/at-company", params={"company": "acme"}, headers=headers)
    ).json()
    assert at_acme["domains"] == ["acme.com"]
    assert [(i["id"], i["matched_by"]) for i in at_acme["items"]] == [
        (ana, "company"),
        (bo, "company"),
        (cy, "domain"),
    ]
    by_domain = (
        await c.get("/v1/people/at-company", params={"company": "@Globex.com"}, headers=headers)
    ).json()
    assert [i["id"] for i in by_domain["items"]] == [eve]
    tight = (
        await c.get("/v1/people/clusters", params={"min_strength": 0.4}, headers=headers)
    ).json()
    assert [(cl["label"], sorted(m["id"] for m in cl["members"])) for cl in tight["items"]] == [
        ("Acme", sorted([ana, bo]))
    ]
    loose = (
        await c.get("/v1/people/clusters", params={"min_strength": 0.1}, headers=headers)
    ).json()
    sizes = [cl["size"] for cl in loose["items"]]
    assert sizes == sorted(sizes, reverse=True)
    members = [m["id"] for cl in loose["items"] for m in cl["members"]]
    assert len(members) == len(set(members))
    assert set(members) <= {ana, bo, cy, dee, eve}
    assert any({ana, bo} <= {m["id"] for m in cl["members"]} for cl in loose["items"])

    # A contact's links; typed by hand; undone.
    rels = (await c.get(f"/v1/contacts/{ana}/relationships", headers=headers)).json()["items"]
    assert [r["other"]["id"] for r in rels] == [bo, cy]
    assert rels[0]["link"]["evidence"][0]["record_id"] in {"e1", "e2"}
    put = await c.put(
        f"/v1/contacts/{eve}/relationships/{dee}", json={"type": "friend"}, headers=headers
    )
    assert put.status_code == 200, put.text
    assert (put.json()["link"]["type"], put.json()["link"]["type_source"]) == ("friend", "user")
    assert (
        await c.delete(f"/v1/contacts/{dee}/relationships/{eve}", headers=headers)
    ).status_code == 204
    reverted = await app.services.graph.relationships(user, dee, 10)
    dee_eve = next(r.link for r in reverted.items if r.other.id == eve)
    assert (dee_eve.type, dee_eve.type_source) == ("acquaintance", "inferred")
    inferred = await c.delete(f"/v1/contacts/{dee}/relationships/{eve}", headers=headers)
    assert inferred.status_code == 409
    made = await c.put(
        f"/v1/contacts/{fay}/relationships/{ana}", json={"type": "family"}, headers=headers
    )
    assert made.json()["link"]["shared_interactions"] == 0
    assert (
        await c.delete(f"/v1/contacts/{ana}/relationships/{fay}", headers=headers)
    ).status_code == 204
    assert (await c.get(f"/v1/contacts/{fay}/relationships", headers=headers)).json()["items"] == []
    assert (
        await c.delete(f"/v1/contacts/{ana}/relationships/{fay}", headers=headers)
    ).status_code == 404

    # Interests over HTTP: the hiking trip gave Ana and Bo one; one added and removed by hand.
    listed = (await c.get(f"/v1/contacts/{ana}/interests", headers=headers)).json()["items"]
    assert [(i["category"], i["topic"]) for i in listed] == [("outdoors", "hiking")]
    added = await c.post(
        f"/v1/contacts/{ana}/interests",
        json={"category": "Music", "topic": "Jazz"},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    assert (added.json()["confidence"], added.json()["source"]) == (1.0, "user")
    listed = (await c.get(f"/v1/contacts/{ana}/interests", headers=headers)).json()["items"]
    assert [i["topic"] for i in listed] == ["jazz", "hiking"]
    gone = await c.delete(f"/v1/contacts/{ana}/interests/{added.json()['id']}", headers=headers)
    assert gone.status_code == 204
    again = await c.delete(f"/v1/contacts/{ana}/interests/{added.json()['id']}", headers=headers)
    assert again.status_code == 404
    bad = await c.post(
        f"/v1/contacts/{ana}/interests",
        json={"category": "astrology", "topic": "x"},
        headers=headers,
    )
    assert bad.status_code == 422

    # Another user's contact ids are unknown everywhere.
    for method, url, kwargs in (
        ("GET", "/v1/people/graph", {"params": {"contact_id": ana}}),
        ("GET", "/v1/people/path", {"params": {"to": eve}}),
        ("GET", f"/v1/contacts/{ana}/relationships", {}),
        ("PUT", f"/v1/contacts/{ana}/relationships/{bo}", {"json": {"type": "friend"}}),
        ("DELETE", f"/v1/contacts/{ana}/relationships/{bo}", {}),
        ("GET", f"/v1/contacts/{ana}/interests", {}),
        ("POST", f"/v1/contacts/{ana}/interests", {"json": {"category": "music", "topic": "jazz"}}),
        ("DELETE", f"/v1/contacts/{ana}/interests/{listed[0]['id']}", {}),
    ):
        answer = await c.request(method, url, headers=stranger_headers, **kwargs)
        assert answer.status_code == 404, (method, url, answer.text)
    assert (await c.get("/v1/people/ties", headers=stranger_headers)).json()["items"] == []
    assert (await c.get("/v1/people/clusters", headers=stranger_headers)).json()["items"] == []
    assert stranger != user

    # Bad input is a 422, never a 500.
    for params in ({"contact_id": ana, "depth": 4}, {"contact_id": ana, "min_strength": 2}, {}):
        assert (await c.get("/v1/people/graph", params=params, headers=headers)).status_code == 422
    for hostile in HOSTILE:
        answer = await c.get("/v1/people/graph", params={"contact_id": hostile}, headers=headers)
        assert answer.status_code in (404, 422), hostile
        answer = await c.get(
            "/v1/people/at-company", params={"company": hostile[:255]}, headers=headers
        )
        assert answer.status_code == 200, hostile
    assert (
        await c.put(
            f"/v1/contacts/{ana}/relationships/{bo}", json={"type": "enemy"}, headers=headers
        )
    ).status_code == 422
    assert (
        await c.put(
            f"/v1/contacts/{ana}/relationships/{ana}", json={"type": "friend"}, headers=headers
        )
    ).status_code == 422
    assert (
        await c.get("/v1/people/at-company", params={"company": "   "}, headers=headers)
    ).status_code == 422

    # The user's export carries both collections (erasure removes every document with user_id).
    export = (await c.get("/internal/privacy/export", headers=headers)).json()["collections"]
    assert {d["a"] for d in export["contact_links"]} | {
        d["b"] for d in export["contact_links"]
    } <= {ana, bo, cy, dee, eve, fay}
    assert {d["topic"] for d in export["contact_interests"]} == {"hiking"}

    # The daily sweep refreshes strengths and mutual counts; a deleted contact's links go.
    assert (await c.delete(f"/v1/contacts/{fay}", headers=headers)).status_code == 204
    await app.services.graph.sweep(NOW + timedelta(days=90))
    ana_bo_doc = await app.db[CONTACT_LINKS].find_one(
        {"user_id": user, "a": min(ana, bo), "b": max(ana, bo)}
    )
    assert ana_bo_doc is not None
    assert ana_bo_doc["mutual_connections"] == 1
    assert ana_bo_doc["strength"] == pytest.approx((1 - 2.718281828 ** (-2 / 3)) / 2, abs=1e-3)
