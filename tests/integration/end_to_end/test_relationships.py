"""Relationships on the whole suite, from a real calendar and address book.

Radicale (CalDAV, CardDAV) runs on loopback with three colleagues in an address book, a
meeting with all three yesterday and another one a few minutes ahead. A user connects the
calendar, then the address book, through the gateway, as two connections synced one after
the other. Then, read through the gateway:

- integrations: each colleague has an interaction for yesterday's meeting, each pair of them
  a ``colleague`` link with that meeting as evidence (same company or work e-mail domain,
  docs/relationships.md), ``/v1/people/path`` follows those links (and answers another user
  and a contact nothing links to with 404 problems), and a briefing for the meeting ahead
  mentions yesterday's;
- the scheduler delivers a briefing per colleague at the briefing's ``deliver_at`` and before
  the meeting starts;
- memory finds a colleague by people search.

And the other end of the user's data: the export holds the interactions, links, interests,
briefings, contact memories and job history, and erasure removes them while another user's
stay.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from muninn_devstack.dav import RadicaleServer, start_radicale
from muninn_devstack.demo import seed_address_book, seed_calendar
from muninn_devstack.demo_data import Contact, DemoData, Meeting, Person
from pymongo import AsyncMongoClient

from tests.integration.e2e import Doc, User, assert_problem, register
from tests.integration.end_to_end.pim import (
    BRIEFING_LEAD_MINUTES,
    ERASURE_TIMEOUT,
    connect,
    counts,
    erase,
    mentions,
    synced,
)
from tests.integration.suite import Suite

T = TypeVar("T")

DAV_ACCOUNTS = {"team": "team-dav-password", "exported": "exported-dav-password"}
"""One DAV account per test: the export test edits its address book."""
COMPANY = "Fjordworks"
NEW_COMPANY = "Northwind Labs"
INGRID = Person("Ingrid Berg", "ingrid.berg@fjordworks.example")
TOMAS = Person("Tomas Varga", "tomas.varga@fjordworks.example")
LEILA = Person("Leila Haddad", "leila.haddad@fjordworks.example")
TEAM = (INGRID, TOMAS, LEILA)
PAST_TITLE = "Kubernetes migration review"
UPCOMING_TITLE = "Quarterly roadmap with the platform team"

LEAD = timedelta(minutes=BRIEFING_LEAD_MINUTES)
UPCOMING_IN = LEAD + timedelta(seconds=30)
"""The meeting ahead: its briefing is due half a minute after seeding (what comes before it
takes a few seconds; a briefing written after its delivery time would be delivered late)."""
DERIVED_TIMEOUT = 90.0
"""Interactions, links, memories: derived within seconds of a sync; generous on a busy box."""
RELATIONSHIP_COLLECTIONS = (
    "interactions",
    "contact_links",
    "contact_interests",
    "briefings",
    "contact_memories",
)
"""Where integrations keeps what it derived about a user's relationships."""
KEPT_FOR_RELATIONSHIPS = (
    *(("integrations", name) for name in RELATIONSHIP_COLLECTIONS),
    ("memory", "memories"),  # contact cards, interactions, briefings, job changes
    ("scheduler", "nudge_contacts"),
    ("scheduler", "nudge_briefings"),
)
"""(service, collection): what a user with synced relationships has in each service."""


@dataclass(frozen=True)
class Team:
    dav_url: str
    dav_user: str
    data: DemoData
    past: Meeting
    upcoming: Meeting

    @property
    def password(self) -> str:
        return DAV_ACCOUNTS[self.dav_user]

    @property
    def ingrid(self) -> Contact:
        return next(c for c in self.data.contacts if c.email == INGRID.email)


def team_data(now: datetime, upcoming_in: timedelta) -> tuple[DemoData, Meeting, Meeting]:
    """Three colleagues at one company (one says so on its card, all three by their work
    e-mail domain), yesterday's meeting with all three and the next one ``upcoming_in``."""
    yesterday = (now - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    past = Meeting(
        uid="team-review@muninn.test",
        title=PAST_TITLE,
        start=yesterday,
        duration=timedelta(hours=1),
        location="Office, room 2",
        attendees=TEAM,
    )
    upcoming = Meeting(
        uid="team-roadmap@muninn.test",
        title=UPCOMING_TITLE,
        start=(now + upcoming_in).replace(microsecond=0),
        duration=timedelta(minutes=45),
        location="Office, room 1",
        attendees=TEAM,
    )
    contacts = (
        Contact(uid="team-ingrid", name=INGRID.name, email=INGRID.email, organisation=COMPANY),
        Contact(uid="team-tomas", name=TOMAS.name, email=TOMAS.email),
        Contact(uid="team-leila", name=LEILA.name, email=LEILA.email),
    )
    return DemoData(meetings=(past, upcoming), contacts=contacts, mails=()), past, upcoming


@pytest.fixture(scope="module")
def radicale(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    """After the suite (it may take a while to start), so the minutes to a meeting are the
    test's."""
    server = start_radicale(tmp_path_factory.mktemp("radicale"), DAV_ACCOUNTS)
    try:
        yield server
    finally:
        server.stop()


def seeded(radicale: RadicaleServer, dav_user: str, upcoming_in: timedelta) -> Team:
    data, past, upcoming = team_data(datetime.now(UTC), upcoming_in)
    seed_calendar(radicale.url, dav_user, DAV_ACCOUNTS[dav_user], data)
    seed_address_book(radicale.url, dav_user, DAV_ACCOUNTS[dav_user], data)
    return Team(
        dav_url=radicale.url + "/", dav_user=dav_user, data=data, past=past, upcoming=upcoming
    )


# -- helpers -------------------------------------------------------------------------------------


async def eventually(
    probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = DERIVED_TIMEOUT
) -> T:
    """``probe``'s first answer that is not None, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f}s"
        await asyncio.sleep(0.5)


async def get(client: httpx.AsyncClient, user: User, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=user.headers)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


async def connected_one_after_the_other(
    client: httpx.AsyncClient, user: User, team: Team, first: str, then: str
) -> dict[str, str]:
    """The user connects the DAV account's calendars or address books (``caldav``,
    ``carddav``) and, once they have synced, the other; provider → connection id."""
    connections = {}
    for provider in (first, then):
        connection = await connect(
            client, user, provider, team.dav_url, team.dav_user, team.password
        )
        await synced(client, user, [connection])
        connections[provider] = connection
    return connections


async def team_ids(client: httpx.AsyncClient, user: User) -> dict[str, str]:
    """E-mail → contact id of the three colleagues, once all three are synced."""

    async def probe() -> dict[str, str] | None:
        listed = await get(client, user, "/v1/contacts", limit=100)
        ids = {
            email["value"].lower(): contact["id"]
            for contact in listed["items"]
            for email in contact["emails"]
        }
        found = {p.email: ids[p.email] for p in TEAM if p.email in ids}
        return found if len(found) == len(TEAM) else None

    return await eventually(probe, "the three colleagues in /v1/contacts")


async def meeting_interaction(
    client: httpx.AsyncClient, user: User, contact_id: str, title: str
) -> Doc:
    async def probe() -> Doc | None:
        page = await get(client, user, f"/v1/contacts/{contact_id}/interactions", kind="meeting")
        found = [i for i in page["items"] if i["subject"] == title]
        return found[0] if found else None

    return await eventually(probe, f"an interaction {title!r} for {contact_id}")


async def briefing_memories(
    client: httpx.AsyncClient, user: User, contact_id: str, event_title: str
) -> list[Doc]:
    async def probe() -> list[Doc] | None:
        page = await get(client, user, f"/v1/contacts/{contact_id}/memories", kind="briefing")
        found = [m for m in page["items"] if m["event_title"] == event_title]
        return found or None

    return await eventually(probe, f"a briefing for {event_title!r} about {contact_id}")


def pairs(ids: list[str]) -> list[tuple[str, str]]:
    ordered = sorted(ids)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]]


# -- a meeting with three colleagues -------------------------------------------------------------


async def test_a_meeting_with_three_colleagues_gives_interactions_links_and_a_briefing_in_time(
    client: httpx.AsyncClient, radicale: RadicaleServer
) -> None:
    team = seeded(radicale, "team", UPCOMING_IN)
    user = await register(client, "team")
    # The calendar first: its meetings are synced before their attendees are contacts.
    await connected_one_after_the_other(client, user, team, "caldav", "carddav")
    ids = await team_ids(client, user)

    # -- integrations: an interaction with each colleague for yesterday's meeting
    met = {
        email: await meeting_interaction(client, user, contact_id, PAST_TITLE)
        for email, contact_id in ids.items()
    }
    for interaction in met.values():
        assert interaction["kind"] == "meeting", interaction
        assert interaction["source"] == "calendar", interaction
        assert interaction["direction"] == "mutual", interaction
        assert datetime.fromisoformat(interaction["occurred_at"]) == team.past.start, interaction
    (past_record,) = {i["source_record_id"] for i in met.values()}

    # -- a colleague link between each pair, yesterday's meeting as its evidence
    async def graph() -> Doc | None:
        found: Doc = await get(
            client, user, "/v1/people/graph", contact_id=ids[INGRID.email], depth=1
        )
        return found if len(found["edges"]) >= 3 else None

    edges = {(e["a"], e["b"]): e for e in (await eventually(graph, "three links"))["edges"]}
    for a, b in pairs(list(ids.values())):
        assert (a, b) in edges, (a, b, edges)
        assert edges[(a, b)]["type"] == "colleague", edges[(a, b)]
        assert edges[(a, b)]["type_source"] == "inferred", edges[(a, b)]
        listed = await get(client, user, f"/v1/contacts/{a}/relationships")
        (link,) = [r["link"] for r in listed["items"] if r["other"]["id"] == b]
        assert link["type"] == "colleague", link
        evidence = {(e["record_id"], e["kind"]) for e in link["evidence"]}
        assert (past_record, "meeting") in evidence, link

    # -- how the user reaches a colleague, and one colleague another, over those links
    await connection_paths(client, user, ids)

    # -- a briefing per colleague, delivered at its time and before the meeting
    upcoming = team.upcoming
    announced = {
        contact_id: await briefing_memories(client, user, contact_id, upcoming.title)
        for contact_id in ids.values()
    }
    deliver_at = {}
    for contact_id, memories in announced.items():
        (memory,) = memories
        assert datetime.fromisoformat(memory["event_start"]) == upcoming.start, memory
        deliver_at[contact_id] = datetime.fromisoformat(memory["deliver_at"])
        assert deliver_at[contact_id] == upcoming.start - LEAD, memory
        assert PAST_TITLE in memory["content"], memory

    delivered = await delivered_briefings(client, user, set(ids.values()), upcoming.start)
    assert set(delivered) == set(ids.values()), (
        f"briefings delivered by the meeting's start for {sorted(delivered)}, "
        f"expected {sorted(ids.values())}"
    )
    for contact_id, note in delivered.items():
        at = datetime.fromisoformat(note["delivered_at"])
        assert deliver_at[contact_id] - timedelta(seconds=1) <= at < upcoming.start, note
        assert note["priority"] == "urgent", note
        assert note["ref_kind"] == "contact", note
        assert upcoming.title in note["title"], note
        assert PAST_TITLE in note["body"], note  # the briefing itself

    # -- a briefing asked for now mentions yesterday's meeting
    briefing = await get(client, user, f"/v1/contacts/{ids[INGRID.email]}/briefing")
    assert briefing["event_title"] == upcoming.title, briefing
    assert PAST_TITLE in briefing["content"], briefing
    assert PAST_TITLE in [i["subject"] for i in briefing["facts"]["recent_interactions"]]
    assert briefing["facts"]["company"] == COMPANY, briefing

    # -- memory: people search finds a colleague
    async def found_in_memory() -> Doc | None:
        answer: Doc = await get(client, user, "/v1/people/search", q="Ingrid Berg")
        hits = [h for h in answer["items"] if h["contact_id"] == ids[INGRID.email]]
        return hits[0] if hits else None

    hit = await eventually(found_in_memory, "Ingrid in /v1/people/search")
    assert hit["name"] == INGRID.name, hit


async def connection_paths(client: httpx.AsyncClient, user: User, ids: dict[str, str]) -> None:
    """``GET /v1/people/path`` through the gateway: from the user to a colleague (straight to
    them: one shared meeting makes no chain stronger than the user's own tie), from one
    colleague to another (their ``colleague`` link), to nobody for another user, and the
    documented ``no-path`` problem for a contact nothing links to."""
    ingrid, tomas, leila = (ids[p.email] for p in TEAM)
    contact = await get(client, user, f"/v1/contacts/{ingrid}")
    assert contact["relationship_strength"] > 0, contact
    path = await get(client, user, "/v1/people/path", to=ingrid)
    assert path["origin"] == "me", path
    assert [n["id"] for n in path["nodes"]] == [ingrid], path
    assert [(h["source"], h["target"], h["type"]) for h in path["hops"]] == [
        ("me", ingrid, None)
    ], path
    assert path["strength"] == pytest.approx(contact["relationship_strength"], abs=1e-6), path

    between = await get(client, user, "/v1/people/path", to=leila, **{"from": tomas})
    assert between["origin"] == tomas, between
    assert [n["id"] for n in between["nodes"]] == [tomas, leila], between
    assert [(h["source"], h["target"], h["type"]) for h in between["hops"]] == [
        (tomas, leila, "colleague")
    ], between
    assert 0 < between["strength"] < 1, between

    # Another user's contacts are not there for them: the same ids are unknown.
    outsider = await register(client, "path-outsider")
    for params in ({"to": ingrid}, {"to": leila, "from": tomas}):
        response = await client.get("/v1/people/path", params=params, headers=outsider.headers)
        problem = assert_problem(response, 404)
        assert problem["type"].endswith("/not-found"), (params, problem)

    # A contact made by hand, met nowhere: known, but nothing leads to them.
    made = await client.post(
        "/v1/contacts",
        json={"display_name": "Nadia Alone", "emails": [{"value": "nadia@elsewhere.example"}]},
        headers=user.headers,
    )
    assert made.status_code == 201, made.text
    alone = made.json()["id"]
    for params in ({"to": alone}, {"to": alone, "from": tomas}):
        response = await client.get("/v1/people/path", params=params, headers=user.headers)
        problem = assert_problem(response, 404)
        assert problem["type"].endswith("/no-path"), (params, problem)
    same = await client.get(
        "/v1/people/path", params={"to": tomas, "from": tomas}, headers=user.headers
    )
    assert assert_problem(same, 422)["type"].endswith("/same-contact")


async def delivered_briefings(
    client: httpx.AsyncClient, user: User, contact_ids: set[str], starts: datetime
) -> dict[str, Doc]:
    """The briefing notification delivered for each contact, polled until a little after
    the meeting starts: a late one fails with what it was rather than a timeout."""
    deadline = starts + timedelta(seconds=30)
    found: dict[str, Doc] = {}
    while datetime.now(UTC) < deadline:
        page = await get(client, user, "/v1/notifications", kind="briefing", limit=100)
        found = {
            n["ref_id"]: n
            for n in page["items"]
            if n["ref_id"] in contact_ids and n["delivered_at"] is not None
        }
        if set(found) == contact_ids:
            break
        await asyncio.sleep(1.0)
    return found


# -- export and erasure --------------------------------------------------------------------------


async def test_export_holds_the_relationships_and_erasure_removes_them(
    client: httpx.AsyncClient,
    suite: Suite,
    radicale: RadicaleServer,
    mongo: AsyncMongoClient[Doc],
) -> None:
    team = seeded(radicale, "exported", timedelta(minutes=30))
    gone, kept = await register(client, "rel-erased"), await register(client, "rel-kept")
    users = (gone, kept)
    # The address book first this time (the test above connects the calendar first).
    connections = {
        user.id: await connected_one_after_the_other(client, user, team, "carddav", "caldav")
        for user in users
    }
    ids = {user.id: await team_ids(client, user) for user in users}
    for user in users:
        for contact_id in ids[user.id].values():
            await meeting_interaction(client, user, contact_id, PAST_TITLE)
            await briefing_memories(client, user, contact_id, UPCOMING_TITLE)

    # An interest added by hand, beside those the meeting's title gave ("Kubernetes").
    ingrid = ids[gone.id][INGRID.email]
    added = await client.post(
        f"/v1/contacts/{ingrid}/interests",
        json={"category": "outdoors", "topic": "climbing"},
        headers=gone.headers,
    )
    assert added.status_code == 201, added.text

    # A job change at the source: Ingrid's card now says she works at Northwind Labs.
    moved = replace(team.ingrid, organisation=NEW_COMPANY)
    others = tuple(c for c in team.data.contacts if c is not team.ingrid)
    seed_address_book(
        radicale.url, team.dav_user, team.password, replace(team.data, contacts=(moved, *others))
    )
    for user in users:
        queued = await client.post(
            f"/v1/integrations/connections/{connections[user.id]['carddav']}/sync",
            headers=user.headers,
        )
        assert queued.status_code in (200, 202), queued.text
    for user in users:
        contact_id = ids[user.id][INGRID.email]

        async def changed(user: User = user, contact_id: str = contact_id) -> Doc | None:
            contact: Doc = await get(client, user, f"/v1/contacts/{contact_id}")
            return contact if contact["job_history"] else None

        contact = await eventually(changed, "Ingrid's job change")
        assert contact["company"] == NEW_COMPANY, contact

    # -- export: what integrations derived, and memory's memories about the contacts
    async def exported() -> Doc | None:
        response = await client.post("/v1/me/export", headers=gone.headers)
        assert response.status_code == 200, response.text
        services: Doc = response.json()["services"]
        kinds = {
            (m.get("metadata") or {}).get("kind")
            for m in services.get("memory", {}).get("memories", [])
        }
        return services if {"briefing", "job_change"} <= kinds else None

    services = await eventually(exported, "briefing and job-change memories in the export")
    part = services["integrations"]
    team_ids_ = set(ids[gone.id].values())
    met = [
        i
        for i in part.get("interactions", [])
        if i["subject"] == PAST_TITLE and i["source"] == "calendar"
    ]
    assert {i["contact_id"] for i in met} == team_ids_, part.get("interactions")
    links = part.get("contact_links", [])
    assert {(link["a"], link["b"]) for link in links} == set(pairs(list(team_ids_))), links
    assert {link["type"] for link in links} == {"colleague"}, links
    interests = {
        (i["contact_id"], i["category"], i["topic"], i["source"])
        for i in part.get("contact_interests", [])
    }
    assert (ingrid, "outdoors", "climbing", "user") in interests, interests
    assert {(c, "technology") for c in team_ids_} <= {
        (contact, category) for contact, category, _, source in interests if source == "inferred"
    }, interests
    briefed = {
        b["contact_id"] for b in part.get("briefings", []) if b["event_title"] == UPCOMING_TITLE
    }
    assert briefed == team_ids_, part.get("briefings")
    memories = {(m["contact_id"], m["kind"]) for m in part.get("contact_memories", [])}
    assert {(c, "briefing") for c in team_ids_} <= memories, memories
    (card,) = [c for c in part.get("contacts", []) if c["_id"] == ingrid]
    assert [(j["previous_company"], j["company"]) for j in card["job_history"]] == [
        (COMPANY, NEW_COMPANY)
    ], card
    remembered = services["memory"]["memories"]
    about = {
        (contact_id, (m.get("metadata") or {}).get("kind"))
        for m in remembered
        for contact_id in m.get("contact_ids") or []
    }
    assert {(c, "briefing") for c in team_ids_} <= about, about
    assert (ingrid, "job_change") in about, about

    # -- erasure: none of it is left, the other user's stays
    databases = {
        name: mongo[suite.database(name)] for name in ("integrations", "memory", "scheduler")
    }
    had = {name: await counts(db, gone.id) for name, db in databases.items()}
    before = {name: await counts(db, kept.id) for name, db in databases.items()}
    for service, collection in KEPT_FOR_RELATIONSHIPS:
        assert had[service].get(collection, 0) > 0, (service, collection, had[service])
        assert before[service].get(collection, 0) > 0, (service, collection, before[service])
    status = await erase(client, gone)
    for name in databases:
        assert status["services"][name]["status"] == "completed", status

    # A consumer's late write is swept shortly after the erasure completes: give it that.
    for name, db in databases.items():
        deadline = time.monotonic() + ERASURE_TIMEOUT
        left = {c: n for c, n in (await counts(db, gone.id)).items() if n}
        while left and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            left = {c: n for c, n in (await counts(db, gone.id)).items() if n}
        assert not left, f"still in {name} after erasure: {left}"
    # Nor does anything name the user, their contacts or their connections in another field.
    needles = [gone.id, *ids[gone.id].values(), *connections[gone.id].values()]
    for name, db in databases.items():
        deadline = time.monotonic() + ERASURE_TIMEOUT
        leftovers = await mentions(db, needles)
        while leftovers and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            leftovers = await mentions(db, needles)
        assert not leftovers, f"still in {name} after erasure: {leftovers}"
    after = {name: await counts(db, kept.id) for name, db in databases.items()}
    for service, collection in KEPT_FOR_RELATIONSHIPS:
        assert after[service].get(collection, 0) >= before[service][collection], (
            service,
            collection,
            before[service],
            after[service],
        )
