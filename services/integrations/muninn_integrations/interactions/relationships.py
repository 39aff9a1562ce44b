"""Relationship strength and rhythm on each contact, kept current.

A contact's fields are recomputed when it gains or loses an interaction (in that change's
transaction: one aggregate over its interactions) and, because recency decays with time
alone, for every contact by a daily sweep: contacts in batches, one aggregate and one bulk
write per batch. A contact whose going-cold state or frequency changes is announced, so the
scheduler's nudges hear of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.routed import across_stores
from muninn_shared.storage.routes import RouteTable
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.merge import event_data
from muninn_integrations.contacts.merging import contact_scope
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.interactions.store import ContactKey, InteractionStore
from muninn_integrations.interactions.strength import NO_ACTIVITY, Tuning, relationship
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied

log = get_logger(__name__)

Doc = dict[str, Any]
SWEEP_BATCH = 1_000
ANNOUNCED_FIELDS = ("going_cold", "interaction_frequency")
COMPARED_FIELDS = (
    "relationship_strength",
    "interaction_frequency",
    "last_interaction_at",
    "going_cold",
    "usual_gap_days",
    "cold_after_days",
)


def _changed(doc: Mapping[str, Any], fields: Mapping[str, Any], names: Sequence[str]) -> bool:
    return any(doc.get(name) != fields.get(name) for name in names)


class RelationshipService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: InteractionStore,
        contacts: ContactService,
        announcer: RecordAnnouncer,
        tuning: Tuning,
        batch: int = SWEEP_BATCH,
        routes: RouteTable | None = None,
    ) -> None:
        """``routes``: BYOD users' own databases, whose contacts the daily sweep covers too."""
        self._routes = routes
        self._client = client
        self._store = store
        self._contacts = contacts
        self._announcer = announcer
        self._tuning = tuning
        self._batch = batch

    async def refresh(
        self,
        user_id: str,
        contact_ids: Sequence[str],
        session: AsyncClientSession,
        now: datetime | None = None,
    ) -> None:
        """Recompute these contacts of the user (inside the caller's transaction)."""
        docs = await self._contacts.owned(user_id, contact_ids, session)
        await self._apply(docs, now or datetime.now(UTC), session, whole_users=False)

    async def recompute_all(self, now: datetime) -> int:
        """Every contact of every user at ``now``; how many contacts were looked at."""
        seen = 0
        async for docs in self._contacts.everyone(self._batch):
            seen += len(docs)

            async def work(session: AsyncClientSession, docs: list[Doc] = docs) -> None:
                await self._apply(docs, now, session, whole_users=True)

            await in_transaction(self._client, work)
        return seen

    async def sweep(self) -> None:
        """The daily sweep: the first replica to claim the day recomputes every contact."""
        now = datetime.now(UTC)
        if not await self._store.claim_sweep(now.date().isoformat(), now):
            return
        # The day is claimed once, on main; the recompute then covers every store.
        count = sum(await across_stores(self._routes, lambda: self.recompute_all(now)))
        log.info("relationship strengths recomputed", contacts=count)

    async def _apply(
        self, docs: Sequence[Doc], now: datetime, session: AsyncClientSession, *, whole_users: bool
    ) -> None:
        if not docs:
            return
        keys: list[ContactKey] = [(doc["user_id"], doc["_id"]) for doc in docs]
        start = now - timedelta(days=self._tuning.window_days)
        activity = await self._store.activity(keys, now, start, session, whole_users=whole_users)
        writes: list[tuple[str, str, Mapping[str, Any]]] = []
        announced: list[Doc] = []
        for doc, key in zip(docs, keys, strict=True):
            fields = relationship(activity.get(key, NO_ACTIVITY), now, self._tuning).fields(now)
            if not _changed(doc, fields, COMPARED_FIELDS) and doc.get("strength_updated_at"):
                continue
            writes.append((key[0], key[1], fields))
            if _changed(doc, fields, ANNOUNCED_FIELDS):
                announced.append({**doc, **fields})
        await self._contacts.save_relationships(writes, session)
        for doc in announced:
            update = Applied(doc["_id"], Action.UPDATED, event_data(doc))
            await self._announcer.announce(
                contact_scope(doc["user_id"], doc), RecordKind.CONTACT, [update], session
            )
