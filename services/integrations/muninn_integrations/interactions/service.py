"""Interactions: stored, announced, and the contacts' strength kept in step.

``InteractionLog.follow`` derives them from each page of mail and calendar events a sync
applies, in that page's transaction; ``InteractionService`` logs them by hand (HTTP) or for
other features (conversation mentions), serves them, and moves them when contacts merge.
Every change is announced as an ``integrations.record.synced`` record of type
``interaction`` and recomputes the strength of the contacts it touched.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.moments import as_utc
from muninn_shared.problems import ProblemError, not_found, or_not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient, DeleteOne, InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError, PyMongoError

from muninn_integrations.audit.models import ActorKind, AuditAction, ResourceType
from muninn_integrations.audit.service import AuditLog, Values
from muninn_integrations.calendar.models import CalendarEvent, MalformedCalendarError
from muninn_integrations.calendar.sink import event_data as calendar_event_data
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.interactions import derive
from muninn_integrations.interactions.models import (
    EDITABLE_SOURCES,
    InteractionDraft,
    InteractionIn,
    InteractionPage,
    InteractionPatch,
    InteractionRecord,
)
from muninn_integrations.interactions.occurrences import (
    PAGE_OCCURRENCES,
    SeriesExpansion,
    SeriesPolicy,
    SeriesReader,
    expand_series,
    occurrence_interactions,
)
from muninn_integrations.interactions.relationships import RelationshipService
from muninn_integrations.interactions.sentiment import score
from muninn_integrations.interactions.store import InteractionStore, interaction_from_doc
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.followers import AppliedPage, PageFollower
from muninn_integrations.sync.sinks import Action, Applied, SyncScope

log = get_logger(__name__)

Doc = dict[str, Any]
SYNCED_KINDS = (RecordKind.EMAIL, RecordKind.CALENDAR_EVENT)
ROLL_RETRY = timedelta(hours=1)  # a series whose roll failed is tried again after this


class Deferred:
    """A series a page left to the roll-forward."""


DEFERRED = Deferred()
RecurringLister = Callable[
    [str | None, int], Awaitable[list[tuple[str, str, str | None, str | None]]]
]
OCCURRENCES_SEEDED = "series-occurrences-seeded"
SEED_PAGE = 1_000
Follower = Callable[[SyncScope, RecordKind, Sequence[Applied], AsyncClientSession], Awaitable[None]]


def event_data(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What ``integrations.record.synced`` carries for an interaction (docs/relationships.md)."""
    return {
        "contact_id": doc["contact_id"],
        "occurred_at": doc["occurred_at"].isoformat(),
        "kind": doc["kind"],
        "direction": doc["direction"],
        "subject": doc.get("subject"),
        "summary": doc.get("summary"),
        "sentiment": doc.get("sentiment", 0.0),
        "duration_minutes": doc.get("duration_minutes"),
        "thread_id": doc.get("thread_id"),
        "source": doc["source"],
        "source_record_id": doc.get("source_record_id"),
    }


def scope_of(user_id: str, doc: Mapping[str, Any]) -> SyncScope:
    """A synced interaction is announced for its account; others for their source."""
    return SyncScope(
        user_id,
        doc.get("connection_id") or doc["source"],
        doc.get("provider") or doc["source"],
        None,
    )


def text_sentiment(subject: str | None, summary: str | None) -> float:
    return score(" ".join(t for t in (subject, summary) if t))


class InteractionService(PageFollower):
    follows = SYNCED_KINDS

    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: InteractionStore,
        contacts: ContactService,
        announcer: RecordAnnouncer,
        relationships: RelationshipService,
        series_policy: SeriesPolicy,
        read_series: SeriesReader | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        """``read_series``: the user's stored calendar events by id, read in the caller's
        transaction, so recurring meetings give an interaction per occurrence."""
        self._series_policy = series_policy
        self._read_series = read_series
        self._audit = audit
        self._client = client
        self._store = store
        self._contacts = contacts
        self._announcer = announcer
        self._relationships = relationships

    # --- for other features -------------------------------------------------------------

    async def record(
        self,
        user_id: str,
        contact_id: str,
        draft: InteractionDraft,
        session: AsyncClientSession | None = None,
    ) -> InteractionRecord:
        """Store and announce one interaction with the user's contact (404 when it is not
        theirs); the same ``external_id`` again returns the interaction stored the first time."""

        async def work(session: AsyncClientSession) -> Doc:
            if not await self._contacts.owned(user_id, [contact_id], session):
                raise not_found("Contact")
            if draft.external_id is not None:
                existing = await self._store.by_external_id(
                    user_id, contact_id, draft.external_id, session
                )
                if existing is not None:
                    return existing
            now = datetime.now(UTC)
            doc = self._new_doc(user_id, contact_id, draft, now)
            await self._store.insert(doc, session)
            await self._announce(user_id, [(doc, Action.CREATED)], session)
            await self._relationships.refresh(user_id, [contact_id], session)
            return doc

        if session is not None:
            return interaction_from_doc(await work(session))
        try:
            return interaction_from_doc(await in_transaction(self._client, work))
        except DuplicateKeyError:
            # The same external id recorded at the same moment by another request.
            if draft.external_id is None:
                raise
            existing = await self._store.by_external_id(user_id, contact_id, draft.external_id)
            if existing is None:
                raise
            return interaction_from_doc(existing)

    async def recent(
        self, user_id: str, contact_id: str, limit: int = 5
    ) -> list[InteractionRecord]:
        """The contact's latest interactions that already happened, newest first."""
        docs = await self._store.recent(
            user_id, contact_id, max(1, min(limit, 100)), before=datetime.now(UTC)
        )
        return [interaction_from_doc(doc) for doc in docs]

    async def open_threads(self, user_id: str, contact_id: str) -> list[InteractionRecord]:
        """The latest inbound e-mail of each thread the user has not answered since (no later
        outbound interaction with the contact in that thread), newest first."""
        open_: dict[str, Doc] = {}
        answered: set[str] = set()
        for doc in await self._store.threaded_mail(user_id, contact_id):  # newest first
            thread = doc["thread_id"]
            if thread in answered or thread in open_:
                continue
            if doc["direction"] == "outbound":
                answered.add(thread)
            elif doc["direction"] == "inbound":
                open_[thread] = doc
        return [interaction_from_doc(doc) for doc in open_.values()]

    async def repoint(
        self, user_id: str, from_id: str, into_id: str, session: AsyncClientSession
    ) -> None:
        """Move a merged contact's interactions to the one it was merged into; one the
        survivor already has (the same external id) is dropped."""
        moving = await self._store.of_contact(user_id, from_id, session)
        if not moving:
            return
        kept = {
            doc["external_id"]
            for doc in await self._store.of_contact(user_id, into_id, session)
            if doc.get("external_id")
        }
        now = datetime.now(UTC)
        operations: list[InsertOne[Doc] | UpdateOne | DeleteOne] = []
        changes: list[tuple[Doc, Action]] = []
        previous: dict[str, Doc] = {}
        for doc in moving:
            external_id = doc.get("external_id")
            if external_id and external_id in kept:
                operations.append(DeleteOne({"_id": doc["_id"]}))
                changes.append((doc, Action.DELETED))
                continue
            if external_id:
                kept.add(external_id)
            moved = {**doc, "contact_id": into_id, "updated_at": now}
            if doc.get("source_record_id"):
                # A synced interaction's id names its record (or occurrence) and its contact:
                # it is a new record there.
                moved["_id"] = f"{external_id}:{into_id}"
                operations += [DeleteOne({"_id": doc["_id"]}), InsertOne(moved)]
                changes += [(doc, Action.DELETED), (moved, Action.CREATED)]
            else:
                operations.append(
                    UpdateOne(
                        {"_id": doc["_id"]}, {"$set": {"contact_id": into_id, "updated_at": now}}
                    )
                )
                changes.append((moved, Action.UPDATED))
                previous[doc["_id"]] = doc
        await self._store.write(operations, session)
        await self._announce(user_id, changes, session, previous=previous)

    async def recompute_all(self, now: datetime) -> int:
        """Every contact's strength and rhythm at ``now`` (the daily sweep's work)."""
        return await self._relationships.recompute_all(now)

    async def forget_contact(
        self, user_id: str, contact_id: str, session: AsyncClientSession
    ) -> None:
        """The contact was deleted: its interactions go too."""
        docs = await self._store.of_contact(user_id, contact_id, session)
        await self._store.delete(user_id, [d["_id"] for d in docs], session)
        await self._announce(user_id, [(d, Action.DELETED) for d in docs], session)

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> int:
        """A disconnect with purge: the interactions its mail and events gave go with them."""
        docs = await self._store.of_connection(user_id, connection_id, session)
        removed = await self._store.delete(user_id, [d["_id"] for d in docs], session)
        await self._store.forget_connection_series(user_id, connection_id, session)
        await self._announce(user_id, [(d, Action.DELETED) for d in docs], session)
        contacts = sorted({d["contact_id"] for d in docs})
        if contacts:
            await self._relationships.refresh(user_id, contacts, session)
        return removed

    # --- HTTP ---------------------------------------------------------------------------

    async def log(self, user_id: str, contact_id: str, body: InteractionIn) -> InteractionRecord:
        return await self.record(user_id, contact_id, body.draft(datetime.now(UTC)))

    async def page(
        self,
        user_id: str,
        contact_id: str,
        *,
        kind: str | None,
        limit: int,
        cursor: str | None,
    ) -> InteractionPage:
        if not await self._contacts.owned(user_id, [contact_id]):
            raise not_found("Contact")
        items, next_cursor = await self._store.page(
            user_id, contact_id, kind=kind, limit=limit, cursor=cursor
        )
        return InteractionPage(items=items, next_cursor=next_cursor)

    async def get(self, user_id: str, interaction_id: str) -> InteractionRecord:
        return interaction_from_doc(
            or_not_found(await self._store.get(user_id, interaction_id), "Interaction")
        )

    async def update(
        self, user_id: str, interaction_id: str, patch: InteractionPatch
    ) -> InteractionRecord:
        sent = patch.model_dump(exclude_unset=True)

        async def work(session: AsyncClientSession) -> Doc:
            doc = self._editable(await self._store.get(user_id, interaction_id, session))
            changes: Doc = {k: v for k, v in sent.items() if doc.get(k) != v}
            # A sentiment the text gave follows the text; one the user set stays until reset.
            was_scored = bool(doc.get("sentiment_scored", True))
            scored = sent["sentiment"] is None if "sentiment" in sent else was_scored
            if scored and ("sentiment" in sent or {"subject", "summary"} & set(changes)):
                merged = {**doc, **changes}
                changes["sentiment"] = text_sentiment(merged.get("subject"), merged.get("summary"))
            if scored != was_scored:
                changes["sentiment_scored"] = scored
            if not changes:
                return doc
            changes["updated_at"] = datetime.now(UTC)
            await self._store.set(user_id, interaction_id, changes, session)
            after = {**doc, **changes}
            await self._announce(
                user_id, [(after, Action.UPDATED)], session, previous={doc["_id"]: doc}
            )
            await self._relationships.refresh(user_id, [doc["contact_id"]], session)
            return after

        return interaction_from_doc(await in_transaction(self._client, work))

    async def delete(self, user_id: str, interaction_id: str) -> None:
        async def work(session: AsyncClientSession) -> None:
            doc = self._editable(await self._store.get(user_id, interaction_id, session))
            await self._store.delete(user_id, [interaction_id], session)
            await self._announce(user_id, [(doc, Action.DELETED)], session)
            await self._relationships.refresh(user_id, [doc["contact_id"]], session)

        await in_transaction(self._client, work)

    # --- sync ---------------------------------------------------------------------------

    async def follow_page(self, page: AppliedPage) -> None:
        """Bring the interactions of a page of synced mail or events in line with it."""
        await self._derive(page.scope, page.kind, page.applied, page.session, datetime.now(UTC))

    async def roll_forward(
        self, now: datetime | None = None, *, followers: Sequence[Follower] = ()
    ) -> int:
        """Re-derive the recurring meetings whose occurrences were derived longest ago, so
        occurrences that came within the horizon since count once they happen; at most
        ``roll_batch`` series, each in a transaction of its own, handed to ``followers``
        too (the contact graph counts the occurrences that happened since). How many were
        rolled."""
        now = now or datetime.now(UTC)
        rolled = 0
        for _ in range(self._series_policy.roll_batch):
            marker = await self._store.claim_due_series(now, now + ROLL_RETRY)
            if marker is None:
                break
            scope = SyncScope(
                marker["user_id"], marker["connection_id"], marker.get("provider") or "", None
            )

            async def work(
                session: AsyncClientSession,
                scope: SyncScope = scope,
                record_id: str = marker["_id"],
            ) -> None:
                # Followed again as the sync would hand it over: as it is stored now.
                found = await self._stored_events(scope.user_id, [record_id], session)
                event = found.get(record_id)
                series = (
                    Applied(record_id, Action.DELETED, {})
                    if event is None
                    else Applied(record_id, Action.UPDATED, calendar_event_data(event, ""))
                )
                await self._derive(scope, RecordKind.CALENDAR_EVENT, [series], session, now)
                for follower in followers:
                    await follower(scope, RecordKind.CALENDAR_EVENT, [series], session)

            try:
                await in_transaction(self._client, work)
            except PyMongoError:
                log.warning("recurring_meeting_not_rolled", record_id=marker["_id"], exc_info=True)
                continue
            rolled += 1
        return rolled

    async def seed_existing_series(
        self, recurring_after: RecurringLister, now: datetime | None = None
    ) -> int:
        """Once per database: every series synced before series gave an interaction per
        occurrence is made due for the roll-forward, which derives it anew (its one
        interaction at the first start goes). How many series were seeded."""
        if await self._store.once_done(OCCURRENCES_SEEDED):
            return 0
        now = now or datetime.now(UTC)
        seeded = 0
        after: str | None = None
        while page := await recurring_after(after, SEED_PAGE):
            for record_id, user_id, connection_id, provider in page:
                if connection_id is None:
                    continue
                fields = {"connection_id": connection_id, "provider": provider, "due_at": now}
                await self._store.seed_series(user_id, record_id, fields)
                seeded += 1
            after = page[-1][0]
        await self._store.mark_once_done(OCCURRENCES_SEEDED, now)
        return seeded

    async def _derive(
        self,
        scope: SyncScope,
        kind: RecordKind,
        applied: Sequence[Applied],
        session: AsyncClientSession,
        now: datetime,
    ) -> None:
        user_id = scope.user_id
        first_of: dict[str, Applied] = {}
        for item in applied:
            first_of.setdefault(item.record_id, item)
        records = list(first_of.values())
        series = await self._series_of(user_id, kind, records, session, now)
        live = [a for a in records if a.action is not Action.DELETED]
        wanted_addresses = {
            *derive.addresses_on(kind, live),
            *(
                address
                for expansion in series.values()
                if isinstance(expansion, SeriesExpansion)
                for occurrence in expansion.occurrences
                for address in derive.addresses_in(kind, occurrence.data)
            ),
        }
        known = (
            await self._contacts.ids_by_email(user_id, sorted(wanted_addresses), session)
            if wanted_addresses
            else {}
        )
        existing: dict[str, dict[str, Doc]] = {}
        for doc in await self._store.from_records(user_id, [a.record_id for a in records], session):
            existing.setdefault(doc["source_record_id"], {})[doc["_id"]] = doc
        operations: list[InsertOne[Doc] | UpdateOne | DeleteOne] = []
        changes: list[tuple[Doc, Action]] = []
        previous: dict[str, Doc] = {}
        markers: dict[str, Doc | None] = {}
        for item in records:
            before = existing.get(item.record_id, {})
            if item.record_id in series:
                expansion = series[item.record_id]
                if expansion is None:
                    continue  # a rule that cannot be expanded: what it gave stays as it was
                if isinstance(expansion, Deferred):
                    # Kept as it was; the marker, written in this transaction, has the hourly
                    # job derive it soon.
                    markers[item.record_id] = {
                        "connection_id": scope.connection_id,
                        "provider": scope.provider,
                        "due_at": now,
                    }
                    continue
                wanted = occurrence_interactions(item.record_id, expansion, known)
                covered_from = expansion.covered_from
                # Occurrences before the range looked at are history, kept as derived then.
                kept = {
                    doc_id
                    for doc_id, doc in before.items()
                    if doc.get("external_id") != item.record_id
                    and as_utc(doc["occurred_at"]) < covered_from
                }
                markers[item.record_id] = (
                    {
                        "connection_id": scope.connection_id,
                        "provider": scope.provider,
                        "derived_at": now,
                        "derived_through": expansion.through,
                        "due_at": now + self._series_policy.roll_every,
                    }
                    if wanted
                    else None
                )
            else:
                wanted = (
                    {}
                    if item.action is Action.DELETED
                    else derive.record_interactions(
                        item.record_id, kind, item.data, known, scope.account
                    )
                )
                kept = set()
                if kind is RecordKind.CALENDAR_EVENT:
                    markers[item.record_id] = None
            for doc_id, doc in before.items():
                if doc_id not in wanted and doc_id not in kept:
                    operations.append(DeleteOne({"_id": doc_id}))
                    changes.append((doc, Action.DELETED))
            for doc_id, (contact_id, external_id, fields) in wanted.items():
                old = before.get(doc_id)
                if old is None:
                    doc = {
                        "_id": doc_id,
                        "user_id": user_id,
                        "contact_id": contact_id,
                        "external_id": external_id,
                        "source_record_id": item.record_id,
                        "connection_id": scope.connection_id,
                        "provider": scope.provider,
                        "metadata": {},
                        "sentiment_scored": True,
                        "created_at": now,
                        "updated_at": now,
                        **fields,
                    }
                    operations.append(InsertOne(doc))
                    changes.append((doc, Action.CREATED))
                    continue
                diff = {k: v for k, v in fields.items() if old.get(k) != v}
                if diff:
                    diff["updated_at"] = now
                    operations.append(UpdateOne({"_id": doc_id}, {"$set": diff}))
                    changes.append(({**old, **diff}, Action.UPDATED))
                    previous[doc_id] = old
        await self._keep_markers(user_id, markers, session)
        if not operations:
            return
        await self._store.write(operations, session)
        await self._announce(user_id, changes, session, previous=previous, actor=ActorKind.SYNC)
        touched = sorted({doc["contact_id"] for doc, _ in changes})
        await self._relationships.refresh(user_id, touched, session)

    async def _series_of(
        self,
        user_id: str,
        kind: RecordKind,
        records: Sequence[Applied],
        session: AsyncClientSession,
        now: datetime,
    ) -> dict[str, SeriesExpansion | Deferred | None]:
        """The recurring meetings among ``records``, each with its occurrences (None: a rule
        that cannot be expanded). A series no longer stored has none: it was deleted, and
        its interactions go with it. Once a page's series gave ``PAGE_OCCURRENCES``, the
        rest are ``DEFERRED`` to the roll-forward, a transaction each."""
        ids = [
            a.record_id
            for a in records
            if kind is RecordKind.CALENDAR_EVENT
            and a.action is not Action.DELETED
            and a.data.get("recurring")
        ]
        if not ids or self._read_series is None:
            return {}
        events = await self._stored_events(user_id, ids, session)
        found: dict[str, SeriesExpansion | Deferred | None] = {}
        expanded = 0
        for record_id, event in events.items():
            if not event.recurring:
                continue
            if expanded >= PAGE_OCCURRENCES:
                found[record_id] = DEFERRED
                continue
            try:
                expansion = await asyncio.to_thread(expand_series, event, now, self._series_policy)
                found[record_id] = expansion
                expanded += len(expansion.occurrences)
            except (MalformedCalendarError, OverflowError, ValueError):
                log.warning("recurring_meeting_not_expandable", record_id=record_id)
                found[record_id] = None
        for record_id in ids:
            if record_id not in events:
                # Gone from the calendar within the transaction: nothing of it stays.
                found[record_id] = SeriesExpansion([], datetime.min.replace(tzinfo=UTC), now)
        return found

    async def _stored_events(
        self, user_id: str, record_ids: Sequence[str], session: AsyncClientSession
    ) -> Mapping[str, CalendarEvent]:
        if self._read_series is None:
            return {}
        return await self._read_series(user_id, record_ids, session)

    async def _keep_markers(
        self, user_id: str, markers: Mapping[str, Doc | None], session: AsyncClientSession
    ) -> None:
        """Note how far each recurring meeting was derived; forget those that are no longer
        recurring meetings with contacts on them."""
        for record_id, fields in markers.items():
            if fields is not None:
                await self._store.save_series(user_id, record_id, fields, session)
        gone = [record_id for record_id, fields in markers.items() if fields is None]
        await self._store.forget_series(user_id, gone, session)

    # --- helpers ------------------------------------------------------------------------

    def _new_doc(
        self, user_id: str, contact_id: str, draft: InteractionDraft, now: datetime
    ) -> Doc:
        scored = draft.sentiment is None
        sentiment = (
            text_sentiment(draft.subject, draft.summary)
            if draft.sentiment is None
            else draft.sentiment
        )
        return {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "contact_id": contact_id,
            "kind": draft.kind,
            "direction": draft.direction,
            "subject": draft.subject,
            "summary": draft.summary,
            "sentiment": sentiment,
            "sentiment_scored": scored,
            "occurred_at": draft.occurred_at,
            "duration_minutes": draft.duration_minutes,
            "attendees": list(draft.attendees),
            "external_id": draft.external_id,
            "source": draft.source,
            "source_record_id": None,
            "connection_id": None,
            "provider": None,
            "thread_id": draft.thread_id,
            "metadata": dict(draft.metadata),
            "created_at": now,
            "updated_at": now,
        }

    @staticmethod
    def _editable(doc: Doc | None) -> Doc:
        if doc is None:
            raise not_found("Interaction")
        if doc["source"] not in EDITABLE_SOURCES:
            origin = "e-mail" if doc["source"] == "mail" else "calendar"
            raise ProblemError(
                409,
                f"This interaction comes from your synced {origin}; it changes when the "
                f"{'message' if origin == 'e-mail' else 'event'} does, so it cannot be edited "
                "or deleted here. Only interactions logged by hand or from conversation can.",
                code="interaction-synced",
            )
        return doc

    async def _announce(
        self,
        user_id: str,
        changes: Sequence[tuple[Doc, Action]],
        session: AsyncClientSession,
        *,
        previous: Mapping[str, Doc] | None = None,
        actor: ActorKind | None = None,
    ) -> None:
        """Tell other services, and the audit log, of each change; ``previous`` holds an
        updated interaction as it was, by id."""
        for doc, action in changes:
            applied = Applied(doc["_id"], action, event_data(doc))
            await self._announcer.announce(
                scope_of(user_id, doc), RecordKind.INTERACTION, [applied], session
            )
        if self._audit is None or not changes:
            return
        entries: list[tuple[AuditAction, ResourceType, str, Values, Values]] = []
        for doc, action in changes:
            shown = interaction_from_doc(doc)
            if action is Action.CREATED:
                entries.append(
                    (AuditAction.CREATE, ResourceType.INTERACTION, shown.id, None, shown)
                )
            elif action is Action.DELETED:
                entries.append(
                    (AuditAction.DELETE, ResourceType.INTERACTION, shown.id, shown, None)
                )
            else:
                before = (previous or {}).get(doc["_id"])
                old = interaction_from_doc(before) if before is not None else None
                entries.append((AuditAction.UPDATE, ResourceType.INTERACTION, shown.id, old, shown))
        await self._audit.record_many(user_id, entries, actor=actor, session=session)


class InteractionLog:
    """The sync's follower: ``SyncService(followers=[log.follow])``."""

    def __init__(self, interactions: InteractionService) -> None:
        self.follow = interactions.follow
