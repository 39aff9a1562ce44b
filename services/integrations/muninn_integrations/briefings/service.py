"""Meeting briefings and per-contact memories, announced as ``contact_memory`` records.

A sync that applies calendar events calls ``follow`` in its transaction: each meeting ahead
with attendees among the user's contacts gets a pending briefing per contact, moved with the
meeting and withdrawn with it. ``write_due`` (periodic, any replica: each briefing is leased)
writes the briefings whose delivery is near from fresh facts and announces them with their
talking points; content announced before is announced again only when it changed.
``refresh_summaries`` (daily) rewrites the summary of contacts in touch since theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.briefings.compose import (
    MAX_INTERESTS,
    MAX_OPEN,
    MAX_RECENT,
    briefing_title,
    compose_briefing,
    compose_summary,
)
from muninn_integrations.briefings.facts import (
    CONTACT_FIELDS,
    MAX_ATTENDEES,
    Meeting,
    aware,
    contact_facts,
    meeting_of,
)
from muninn_integrations.briefings.llm import BriefingWriter
from muninn_integrations.briefings.models import (
    BriefingFacts,
    BriefingFactsOut,
    BriefingOut,
    Composition,
    ContactMemoryPage,
    EventFacts,
    InteractionFactOut,
    InteractionFacts,
    InterestFactOut,
    MemoryKind,
)
from muninn_integrations.briefings.sources import BriefingSources
from muninn_integrations.briefings.store import BriefingStore, digest_of
from muninn_integrations.calendar.service import CalendarService
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope

log = get_logger(__name__)

# Summaries belong to no account: announced under Muninn's own name.
DERIVED_CONNECTION = "muninn"
DERIVED_PROVIDER = "muninn"
REWRITE_AFTER = timedelta(minutes=30)  # a written briefing is refreshed until its meeting
LEASE = timedelta(minutes=5)
BRIEFING_TTL_AFTER_MEETING = timedelta(days=1)
SUMMARY_SCAN = 200
SUMMARY_JOB = "summaries"
SERIES_HORIZON = timedelta(days=60)  # how far ahead a series' next occurrence is looked for


@dataclass(frozen=True)
class BriefingPolicy:
    lead: timedelta = timedelta(minutes=60)
    prepare: timedelta = timedelta(minutes=120)
    summary_every: timedelta = timedelta(days=1)
    summary_batch: int = 500


@dataclass(frozen=True)
class MemoryEntry:
    id: str
    contact_id: str
    kind: MemoryKind
    data: dict[str, Any]
    event_record_id: str | None = None
    expires_at: datetime | None = None
    basis_at: datetime | None = None


def briefing_id(event_record_id: str, contact_id: str) -> str:
    return f"briefing:{event_record_id}:{contact_id}"


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def stored(value: Any) -> datetime:
    """A moment this package stored itself (always set)."""
    moment = aware(value)
    if moment is None:
        raise ValueError(f"not a stored moment: {value!r}")
    return moment


def event_of(doc: dict[str, Any]) -> EventFacts:
    return EventFacts(
        doc["event_record_id"],
        doc.get("event_title") or "",
        stored(doc["event_start"]),
        stored(doc["event_end"]),
    )


def scope_of(doc: dict[str, Any]) -> SyncScope:
    return SyncScope(doc["user_id"], doc["connection_id"], doc["provider"], None)


def _interaction_out(item: InteractionFacts) -> InteractionFactOut:
    return InteractionFactOut(
        id=item.id,
        kind=item.kind,
        direction=item.direction,
        occurred_at=item.occurred_at,
        subject=item.subject,
    )


class BriefingService:
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
    ) -> None:
        self._client = client
        self._store = store
        self._contacts = contacts
        self._calendar = calendar
        self._sources = sources
        self._writer = writer
        self._announcer = announcer
        self._owner = owner
        self._policy = policy or BriefingPolicy()
        self._clock = clock or (lambda: datetime.now(UTC))

    # --- following the calendar -------------------------------------------------------------

    async def follow(
        self,
        scope: SyncScope,
        kind: RecordKind,
        applied: Sequence[Applied],
        session: AsyncClientSession,
    ) -> None:
        """Keep one pending briefing per (meeting ahead, contact attending) of a changed page
        of calendar events, in the transaction applying it."""
        if kind is not RecordKind.CALENDAR_EVENT or not applied:
            return
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
            if meeting is not None and meeting.recurring:
                meeting = await self._next_of_series(
                    scope.user_id, record_id, meeting, now, session
                )
            wanted: list[str] = []
            for address in meeting.addresses if meeting else ():
                contact_id = known.get(address)
                if contact_id and contact_id not in wanted and len(wanted) < MAX_ATTENDEES:
                    wanted.append(contact_id)
            existing = {d["contact_id"]: d for d in briefed if d["event_record_id"] == record_id}
            await self._reconcile(scope, record_id, meeting, wanted, existing, now, session)

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
        return replace(series, title=found.title[:1000], start=found.start, end=found.end)

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
            if contact_id not in wanted:
                await self._withdraw(gone, session)
        if meeting is None:
            return
        deliver_at = meeting.start - self._policy.lead
        fields = {
            "event_title": meeting.title,
            "event_start": meeting.start,
            "event_end": meeting.end,
            "deliver_at": deliver_at,
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
                        "due_at": deliver_at - self._policy.prepare,
                        "lease_owner": None,
                        "lease_until": None,
                        "generated_at": None,
                        "created_at": now,
                        "updated_at": now,
                    },
                    session,
                )
                continue
            moved = aware(doc.get("event_start")) != meeting.start
            if not moved and all(
                aware(doc.get(k)) == v if isinstance(v, datetime) else doc.get(k) == v
                for k, v in fields.items()
            ):
                continue
            changes: dict[str, Any] = {**fields, "updated_at": now}
            if moved:
                changes["due_at"] = deliver_at - self._policy.prepare
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
        entries: list[MemoryEntry] = []
        for memory in announced:
            data = {**memory["data"], "expires_at": iso(expires_at)}
            if memory["kind"] == MemoryKind.BRIEFING:
                data.update(
                    title=briefing_title(memory.get("name") or "", doc["event_title"]),
                    event_title=doc["event_title"],
                    event_start=iso(aware(doc["event_start"])),
                    deliver_at=iso(aware(doc["deliver_at"])),
                )
            entries.append(
                MemoryEntry(
                    memory["_id"],
                    doc["contact_id"],
                    MemoryKind(memory["kind"]),
                    data,
                    doc["event_record_id"],
                    expires_at,
                )
            )
        name = announced[0].get("name") if announced else None
        await self._announce_changed(scope_of(doc), doc["user_id"], entries, name, now, session)

    async def _withdraw(self, doc: dict[str, Any], session: AsyncClientSession) -> None:
        """The meeting is gone or the contact no longer attends: the briefing and its talking
        points are deleted, and announced deleted where they had been announced."""
        await self._store.delete_briefing(doc["_id"], session)
        announced = await self._store.memories_of_briefing(
            doc["user_id"], doc["event_record_id"], doc["contact_id"], session
        )
        await self._announce_deleted(scope_of(doc), announced, session)

    async def _announce_deleted(
        self, scope: SyncScope, memories: list[dict[str, Any]], session: AsyncClientSession
    ) -> None:
        gone = [Applied(m["_id"], Action.DELETED, dict(m["data"])) for m in memories]
        await self._store.delete_memories([m["_id"] for m in memories], session)
        await self._announcer.announce(scope, RecordKind.CONTACT_MEMORY, gone, session)

    async def _announce_changed(
        self,
        scope: SyncScope,
        user_id: str,
        entries: list[MemoryEntry],
        name: str | None,
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        stored = await self._store.memories([e.id for e in entries], session)
        changed: list[Applied] = []
        for entry in entries:
            digest = digest_of(entry.data)
            before = stored.get(entry.id)
            if before is not None and before.get("digest") == digest:
                continue
            action = Action.UPDATED if before is not None else Action.CREATED
            changed.append(Applied(entry.id, action, entry.data))
            fields: dict[str, Any] = {
                "contact_id": entry.contact_id,
                "kind": entry.kind.value,
                "event_record_id": entry.event_record_id,
                "name": name,
                "data": entry.data,
                "digest": digest,
                "expires_at": entry.expires_at,
            }
            if entry.basis_at is not None:
                fields["basis_at"] = entry.basis_at
            await self._store.save_memory(entry.id, user_id, fields, now, session)
        await self._announcer.announce(scope, RecordKind.CONTACT_MEMORY, changed, session)

    # --- writing briefings --------------------------------------------------------------------

    async def write_due(self, now: datetime | None = None, *, limit: int = 200) -> int:
        """Write the briefings whose delivery is within the preparation window (and rewrite
        written ones now and then until their meeting); how many were written."""
        now = now or self._clock()
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
            deliver_at = meeting.start - self._policy.lead
            changes = {
                "event_title": meeting.title,
                "event_start": meeting.start,
                "event_end": meeting.end,
                "deliver_at": deliver_at,
                "due_at": deliver_at - self._policy.prepare,
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
            facts = await self._facts(user_id, contact_id, event, now)
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
        record_id, contact_id = doc["event_record_id"], doc["contact_id"]
        expires_at = stored(doc["event_end"]) + BRIEFING_TTL_AFTER_MEETING
        sources = list(composed.source_interactions)
        entries = [
            MemoryEntry(
                briefing_id(record_id, contact_id),
                contact_id,
                MemoryKind.BRIEFING,
                {
                    "contact_id": contact_id,
                    "kind": MemoryKind.BRIEFING.value,
                    "title": briefing_title(name, doc["event_title"]),
                    "content": composed.content,
                    "confidence": composed.confidence,
                    "source_interactions": sources,
                    "expires_at": iso(expires_at),
                    "event_record_id": record_id,
                    "event_title": doc["event_title"],
                    "event_start": iso(aware(doc["event_start"])),
                    "deliver_at": iso(aware(doc["deliver_at"])),
                },
                record_id,
                expires_at,
            )
        ]
        for n, point in enumerate(composed.talking_points):
            entries.append(
                MemoryEntry(
                    f"talking_point:{record_id}:{contact_id}:{n}",
                    contact_id,
                    MemoryKind.TALKING_POINT,
                    {
                        "contact_id": contact_id,
                        "kind": MemoryKind.TALKING_POINT.value,
                        "title": point.text,
                        "content": point.text,
                        "confidence": composed.confidence,
                        "source_interactions": list(point.source_interactions) or sources,
                        "expires_at": iso(expires_at),
                    },
                    record_id,
                    expires_at,
                )
            )
        kept = {e.id for e in entries}
        announced = await self._store.memories_of_briefing(
            doc["user_id"], record_id, contact_id, session
        )
        dropped = [m for m in announced if m["_id"] not in kept]
        await self._announce_deleted(scope_of(doc), dropped, session)
        await self._announce_changed(scope_of(doc), doc["user_id"], entries, name, now, session)

    async def _facts(
        self, user_id: str, contact_id: str, event: EventFacts | None, now: datetime
    ) -> BriefingFacts:
        record = await self._contacts.get(user_id, contact_id)  # 404
        fields = await self._contacts.fields_of(user_id, contact_id, CONTACT_FIELDS)
        recent = await self._sources.recent_interactions(user_id, contact_id, MAX_RECENT)
        threads = await self._sources.open_threads(user_id, contact_id)
        interests = await self._sources.interests(user_id, contact_id, MAX_INTERESTS)
        return BriefingFacts(
            contact=contact_facts(record, fields, now),
            recent=recent[:MAX_RECENT],
            open_threads=threads[:MAX_OPEN],
            interests=interests[:MAX_INTERESTS],
            event=event,
        )

    # --- summaries ------------------------------------------------------------------------------

    async def refresh_summaries(self, now: datetime | None = None) -> int:
        """Rewrite the summary of contacts in touch since their last one (at most a batch);
        one replica a day does it. How many were written."""
        now = now or self._clock()
        every = self._policy.summary_every
        if not await self._store.claim_job(SUMMARY_JOB, self._owner, now, now + every * 0.9):
            return 0
        since = now - every * 2  # a day's pass missed is caught by the next
        after: tuple[datetime, str] | None = None
        written = 0
        while written < self._policy.summary_batch:
            rows = await self._contacts.interacted_since(since, limit=SUMMARY_SCAN, after=after)
            if not rows:
                break
            after = (rows[-1][2], rows[-1][1])
            for user_id, contact_id, last_at in rows:
                if written >= self._policy.summary_batch:
                    break
                before = await self._store.memory(f"summary:{contact_id}")
                basis = aware(before.get("basis_at")) if before else None
                if basis is not None and basis >= last_at:
                    continue
                try:
                    await self.summarise(user_id, contact_id, basis_at=last_at, now=now)
                except ProblemError:  # deleted meanwhile
                    continue
                written += 1
        return written

    async def summarise(
        self,
        user_id: str,
        contact_id: str,
        *,
        basis_at: datetime | None = None,
        now: datetime | None = None,
    ) -> None:
        """Write and announce (when changed) the contact's ``summary`` memory."""
        now = now or self._clock()
        facts = await self._facts(user_id, contact_id, None, now)
        composed = compose_summary(facts)
        memory_id = f"summary:{contact_id}"
        entry = MemoryEntry(
            memory_id,
            contact_id,
            MemoryKind.SUMMARY,
            {
                "contact_id": contact_id,
                "kind": MemoryKind.SUMMARY.value,
                "title": composed.title,
                "content": composed.content,
                "confidence": composed.confidence,
                "source_interactions": list(composed.source_interactions),
                "expires_at": None,
            },
            basis_at=basis_at or facts.contact.last_interaction_at or now,
        )
        scope = SyncScope(user_id, DERIVED_CONNECTION, DERIVED_PROVIDER, None)

        async def publish(session: AsyncClientSession) -> None:
            await self._announce_changed(scope, user_id, [entry], facts.contact.name, now, session)
            if entry.basis_at is not None:  # unchanged content still moves the basis on
                await self._store.set_basis(memory_id, entry.basis_at, session)

        await in_transaction(self._client, publish)

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
        facts = await self._facts(user_id, contact_id, event, now)
        composed = await self._writer.write(facts, compose_briefing(facts))
        contact = facts.contact
        return BriefingOut(
            contact_id=contact_id,
            event_record_id=event.record_id if event else None,
            event_title=event.title if event else None,
            event_start=event.start if event else None,
            title=composed.title,
            content=composed.content,
            talking_points=[p.text for p in composed.talking_points],
            confidence=composed.confidence,
            source_interactions=list(composed.source_interactions),
            writer=composed.writer,
            facts=BriefingFactsOut(
                contact_id=contact_id,
                name=contact.name,
                title=contact.title,
                company=contact.company,
                relationship_strength=contact.relationship_strength,
                interaction_frequency=contact.interaction_frequency,
                going_cold=contact.going_cold,
                recent_interactions=[_interaction_out(i) for i in facts.recent],
                open_threads=[_interaction_out(i) for i in facts.open_threads],
                interests=[
                    InterestFactOut(category=i.category, topic=i.topic, confidence=i.confidence)
                    for i in facts.interests
                ],
            ),
        )

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
