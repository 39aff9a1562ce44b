"""Meeting briefings and per-contact memories, announced as ``contact_memory`` records.

A sync that applies calendar events calls ``follow`` in its transaction: each meeting ahead
with attendees among the user's contacts gets a pending briefing per contact, moved with the
meeting and withdrawn with it. ``write_due`` (periodic, any replica: each briefing is leased)
writes the briefings whose delivery is near from fresh facts and announces them with their
talking points; content announced before is announced again only when it changed.
``refresh_summaries`` (daily) rewrites the summary of contacts in touch since theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.model_calls import on_behalf_of
from muninn_shared.moments import parse_moment
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.routed import across_stores
from muninn_shared.storage.routes import RouteTable
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.briefings.compose import compose_briefing
from muninn_integrations.briefings.facts import (
    MAX_ATTENDEES,
    Meeting,
    meeting_of,
    to_ms,
)
from muninn_integrations.briefings.llm import BriefingWriter
from muninn_integrations.briefings.memories import (
    MemoryLog,
    briefing_entries,
    briefing_id,
    moved_entries,
    stored,
)
from muninn_integrations.briefings.models import (
    BriefingFacts,
    BriefingOut,
    Composition,
    ContactMemoryPage,
    EventFacts,
    MemoryKind,
    briefing_out,
)
from muninn_integrations.briefings.reader import FactReader
from muninn_integrations.briefings.sources import BriefingSources
from muninn_integrations.briefings.store import BriefingStore
from muninn_integrations.briefings.summaries import SummaryWriter
from muninn_integrations.calendar.service import CalendarService
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.followers import AppliedPage, PageFollower
from muninn_integrations.sync.sinks import SyncScope

log = get_logger(__name__)

REWRITE_AFTER = timedelta(minutes=30)  # a written briefing is refreshed until its meeting
LEASE = timedelta(minutes=5)
BRIEFING_TTL_AFTER_MEETING = timedelta(days=1)
SERIES_HORIZON = timedelta(days=60)
# A briefing asked for over HTTP is answered before the gateway's 10 s wait runs out.
HTTP_LLM_BUDGET = 7.0  # how far ahead a series' next occurrence is looked for


@dataclass(frozen=True)
class BriefingPolicy:
    lead: timedelta = timedelta(minutes=60)
    prepare: timedelta = timedelta(minutes=120)
    summary_every: timedelta = timedelta(days=1)
    summary_batch: int = 500


def event_of(doc: dict[str, Any]) -> EventFacts:
    return EventFacts(
        doc["event_record_id"],
        doc.get("event_title") or "",
        stored(doc["event_start"]),
        stored(doc["event_end"]),
    )


def scope_of(doc: dict[str, Any]) -> SyncScope:
    return SyncScope(doc["user_id"], doc["connection_id"], doc["provider"], None)


class BriefingService(PageFollower):
    follows = (RecordKind.CALENDAR_EVENT,)

    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: BriefingStore,
        contacts: ContactService,
        calendar: CalendarService,
        sources: BriefingSources,
        writer: BriefingWriter,
        announcer: RecordAnnouncer,
        owner: str,
        policy: BriefingPolicy | None = None,
        clock: Callable[[], datetime] | None = None,
        routes: RouteTable | None = None,
    ) -> None:
        """``routes``: BYOD users' own databases, whose briefings are written too."""
        self._routes = routes
        self._client = client
        self._store = store
        self._contacts = contacts
        self._calendar = calendar
        self._writer = writer
        self._owner = owner
        self._policy = policy or BriefingPolicy()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._reader = FactReader(contacts, sources)
        self._memories = MemoryLog(store, announcer)
        self._summaries = SummaryWriter(
            client=client,
            store=store,
            contacts=contacts,
            reader=self._reader,
            memories=self._memories,
            owner=owner,
            every=self._policy.summary_every,
            batch=self._policy.summary_batch,
            clock=self._clock,
            routes=routes,
        )

    # --- following the calendar -------------------------------------------------------------

    async def follow_page(self, page: AppliedPage) -> None:
        """Keep one pending briefing per (meeting ahead, contact attending) of a changed page
        of calendar events, in the transaction applying it."""
        scope, applied, session = page.scope, page.applied, page.session
        now = self._clock()
        meetings = {item.record_id: meeting_of(item, now) for item in applied}
        addresses = sorted({a for m in meetings.values() if m for a in m.addresses})
        known = (
            await self._contacts.ids_by_email(scope.user_id, addresses, session)
            if addresses
            else {}
        )
        briefed = await self._store.briefings_for_events(scope.user_id, list(meetings), session)
        for record_id, meeting in meetings.items():
            wanted: list[str] = []
            for address in meeting.addresses if meeting else ():
                contact_id = known.get(address)
                if contact_id and contact_id not in wanted and len(wanted) < MAX_ATTENDEES:
                    wanted.append(contact_id)
            if meeting is not None and meeting.recurring and wanted:
                meeting = await self._next_of_series(
                    scope.user_id, record_id, meeting, now, session
                )
            existing = {d["contact_id"]: d for d in briefed if d["event_record_id"] == record_id}
            await self._reconcile(scope, record_id, meeting, wanted, existing, now, session)

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> int:
        """The connection's calendar is purged: its meetings' briefings are withdrawn."""
        docs = await self._store.briefings_of_connection(user_id, connection_id, session)
        for doc in docs:
            await self._withdraw(doc, session)
        return len(docs)

    async def _next_of_series(
        self,
        user_id: str,
        record_id: str,
        series: Meeting,
        now: datetime,
        session: AsyncClientSession | None,
    ) -> Meeting | None:
        """A series is briefed for its next occurrence (None: none ahead within the horizon)."""
        found = await self._calendar.next_occurrence(
            user_id, record_id, now, within=SERIES_HORIZON, session=session
        )
        if found is None or found.all_day:
            return None
        return replace(
            series, title=found.title[:1000], start=to_ms(found.start), end=to_ms(found.end)
        )

    def _timing(self, meeting: Meeting) -> dict[str, Any]:
        """What a briefing keeps of its meeting, and when it is delivered."""
        return {
            "event_title": meeting.title,
            "event_start": meeting.start,
            "event_end": meeting.end,
            "deliver_at": meeting.start - self._policy.lead,
        }

    async def _reconcile(
        self,
        scope: SyncScope,
        record_id: str,
        meeting: Meeting | None,
        wanted: list[str],
        existing: dict[str, dict[str, Any]],
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        for contact_id, gone in existing.items():
            if meeting is None or contact_id not in wanted:
                await self._withdraw(gone, session)
        if meeting is None:
            return
        fields = {
            **self._timing(meeting),
            "connection_id": scope.connection_id,
            "provider": scope.provider,
            "recurring": meeting.recurring,
        }
        for contact_id in wanted:
            doc = existing.get(contact_id)
            if doc is None:
                await self._store.insert_briefing(
                    {
                        "_id": briefing_id(record_id, contact_id),
                        "user_id": scope.user_id,
                        "contact_id": contact_id,
                        "event_record_id": record_id,
                        **fields,
                        "due_at": fields["deliver_at"] - self._policy.prepare,
                        "lease_owner": None,
                        "lease_until": None,
                        "generated_at": None,
                        "created_at": now,
                        "updated_at": now,
                    },
                    session,
                )
                continue
            moved = parse_moment(doc.get("event_start")) != meeting.start
            if not moved and all(
                parse_moment(doc.get(k)) == v if isinstance(v, datetime) else doc.get(k) == v
                for k, v in fields.items()
            ):
                continue
            changes: dict[str, Any] = {**fields, "updated_at": now}
            if moved:
                changes["due_at"] = fields["deliver_at"] - self._policy.prepare
            await self._store.set_briefing(doc["_id"], changes, session)
            await self._reannounce({**doc, **changes}, now, session)

    async def _reannounce(
        self, doc: dict[str, Any], now: datetime, session: AsyncClientSession
    ) -> None:
        """A moved or renamed meeting: what was announced for it, with its new times."""
        announced = await self._store.memories_of_briefing(
            doc["user_id"], doc["event_record_id"], doc["contact_id"], session
        )
        expires_at = stored(doc["event_end"]) + BRIEFING_TTL_AFTER_MEETING
        entries = moved_entries(doc, announced, expires_at)
        name = announced[0].get("name") if announced else None
        await self._memories.announce(scope_of(doc), entries, name, now, session)

    async def _withdraw(self, doc: dict[str, Any], session: AsyncClientSession) -> None:
        """The meeting is gone or the contact no longer attends: the briefing and its talking
        points are deleted, and announced deleted where they had been announced."""
        await self._store.delete_briefing(doc["_id"], session)
        announced = await self._store.memories_of_briefing(
            doc["user_id"], doc["event_record_id"], doc["contact_id"], session
        )
        await self._memories.withdraw(scope_of(doc), announced, session)

    # --- writing briefings --------------------------------------------------------------------

    async def write_due(self, now: datetime | None = None, *, limit: int = 200) -> int:
        """Write the briefings whose delivery is within the preparation window (and rewrite
        written ones now and then until their meeting); how many were written."""
        now = now or self._clock()
        return sum(await across_stores(self._routes, lambda: self._write_due_here(now, limit)))

    async def _write_due_here(self, now: datetime, limit: int) -> int:
        await self._roll_series(now, limit)
        await self._store.forget_past(now - BRIEFING_TTL_AFTER_MEETING)
        written = 0
        while written < limit:
            doc = await self._store.claim_due(now, self._owner, now + LEASE)
            if doc is None:
                break
            written += 1
            try:
                await self._write(doc, now)
            except Exception:  # its lease runs out and it is tried again; the others go on
                log.exception("briefing not written", briefing_id=doc["_id"])
        return written

    async def _roll_series(self, now: datetime, limit: int) -> None:
        """Briefings of a series whose occurrence has begun move on to its next one."""
        for _ in range(limit):
            doc = await self._store.claim_passed_series(now, self._owner, now + LEASE)
            if doc is None:
                return
            await self._roll(doc, now)

    async def _roll(self, doc: dict[str, Any], now: datetime) -> None:
        series = Meeting(doc["event_title"], now, now, (), recurring=True)
        meeting = await self._next_of_series(
            doc["user_id"], doc["event_record_id"], series, now, None
        )

        async def roll(session: AsyncClientSession) -> None:
            current = await self._store.briefing(doc["_id"], session)
            if current is None or current.get("lease_owner") != self._owner:
                return
            if meeting is None:
                await self._withdraw(current, session)
                return
            timing = self._timing(meeting)
            changes = {
                **timing,
                "due_at": timing["deliver_at"] - self._policy.prepare,
                "generated_at": None,
                "updated_at": now,
            }
            await self._store.finish(doc["_id"], self._owner, changes, session)

        await in_transaction(self._client, roll)

    async def _write(self, doc: dict[str, Any], now: datetime) -> None:
        user_id, contact_id = doc["user_id"], doc["contact_id"]
        event = event_of(doc)
        facts: BriefingFacts | None = None
        try:
            facts = await self._reader.read(user_id, contact_id, event, now)
        except ProblemError as exc:
            if exc.status != 404:
                raise
        if facts is None or facts.contact.archived:  # deleted or archived: no more briefings

            async def gone(session: AsyncClientSession) -> None:
                current = await self._store.briefing(doc["_id"], session)
                if current is not None:
                    await self._withdraw(current, session)

            await in_transaction(self._client, gone)
            return
        # Written in the background, yet the model's answer is this user's usage.
        with on_behalf_of(user_id):
            composed = await self._writer.write(facts, compose_briefing(facts))

        async def publish(session: AsyncClientSession) -> None:
            current = await self._store.briefing(doc["_id"], session)
            if current is None or current.get("lease_owner") != self._owner:
                return  # withdrawn, or taken over, while it was being written
            await self._publish(current, facts.contact.name, composed, now, session)
            await self._store.finish(
                doc["_id"],
                self._owner,
                {"generated_at": now, "due_at": now + REWRITE_AFTER},
                session,
            )

        await in_transaction(self._client, publish)

    async def _publish(
        self,
        doc: dict[str, Any],
        name: str,
        composed: Composition,
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        expires_at = stored(doc["event_end"]) + BRIEFING_TTL_AFTER_MEETING
        entries = briefing_entries(doc, name, composed, expires_at)
        kept = {e.id for e in entries}
        announced = await self._store.memories_of_briefing(
            doc["user_id"], doc["event_record_id"], doc["contact_id"], session
        )
        dropped = [m for m in announced if m["_id"] not in kept]
        await self._memories.withdraw(scope_of(doc), dropped, session)
        await self._memories.announce(scope_of(doc), entries, name, now, session)

    # --- summaries ------------------------------------------------------------------------------

    async def refresh_summaries(self, now: datetime | None = None) -> int:
        """Rewrite the summary of contacts in touch since their last one (at most a batch);
        one replica a day does it. How many were written."""
        return await self._summaries.refresh(now)

    async def summarise(self, user_id: str, contact_id: str) -> None:
        """Write and announce (when changed) the contact's ``summary`` memory now."""
        await self._summaries.summarise(user_id, contact_id)

    # --- HTTP -----------------------------------------------------------------------------------

    async def briefing_now(
        self, user_id: str, contact_id: str, event_id: str | None = None
    ) -> BriefingOut:
        """A briefing written now, for ``event_id`` or the contact's next briefed meeting
        (or none); nothing is announced."""
        now = self._clock()
        await self._contacts.get(user_id, contact_id)  # 404 before anything else is read
        event: EventFacts | None = None
        if event_id is not None:
            detail = await self._calendar.get(user_id, event_id)  # 404
            event = EventFacts(detail.id, detail.title, detail.start, detail.end)
        elif (doc := await self._store.next_briefing(user_id, contact_id, now)) is not None:
            event = event_of(doc)
        facts = await self._reader.read(user_id, contact_id, event, now)
        composed = await self._writer.write(facts, compose_briefing(facts), timeout=HTTP_LLM_BUDGET)
        return briefing_out(facts, composed)

    async def memories(
        self,
        user_id: str,
        contact_id: str,
        *,
        kind: MemoryKind | None,
        limit: int,
        cursor: str | None,
    ) -> ContactMemoryPage:
        await self._contacts.get(user_id, contact_id)  # 404 for another user's contact
        items, next_cursor = await self._store.page(
            user_id,
            contact_id,
            kind=kind.value if kind else None,
            now=self._clock(),
            limit=limit,
            cursor=cursor,
        )
        return ContactMemoryPage(items=items, next_cursor=next_cursor)
