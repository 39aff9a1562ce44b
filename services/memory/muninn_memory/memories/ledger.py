"""The memory record as the service's other features use it: raw documents for ingestion
and reconciliation, written in their transactions, and the sweeps over every user that the
lifecycle and summaries run. The API's reading and editing is ``service.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.history.log import HistoryLog
from muninn_memory.history.records import history_entry
from muninn_memory.indexing.service import IndexSync
from muninn_memory.memories.models import MemoryStatus, MemoryType
from muninn_memory.memories.store import MemoryStore

Doc = dict[str, Any]

# What a record that owns a memory (a contact memory, a contact card) decides about it.
OWNED_FIELDS = (
    "content",
    "normalized",
    "type",
    "context",
    "metadata",
    "contact_id",
    "contact_ids",
    "expires_at",
    "event_at",
    "occurred_at",
    "valid_from",
)
# An owned memory announced again with the same details is unchanged, whatever its time.
_DECIDING = tuple(f for f in OWNED_FIELDS if f not in ("occurred_at", "valid_from"))


class MemoryLedger:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[Doc],
        store: MemoryStore,
        sweep_db: AsyncDatabase[Doc],
        history: HistoryLog,
        index_sync: IndexSync,
    ) -> None:
        self._client = client
        self._store = store
        self._sweep_db = sweep_db  # the sweeps read every user's memories, not one user's
        self._history = history
        self._index_sync = index_sync
        # What other features drop with purged memories (relations), in the same transaction.
        self.on_purged: list[Callable[[str, list[str], AsyncClientSession], Awaitable[None]]] = []

    # -- for ingestion and reconciliation -------------------------------------------------

    async def by_message_ids(self, user_id: str, message_ids: list[str]) -> list[Doc]:
        return await self._store.by_message_ids(user_id, message_ids)

    async def of_job(self, user_id: str, job_id: str, query: Doc | None = None) -> list[Doc]:
        """The memories an ingestion job wrote that satisfy ``query``, newest first."""
        return await self._store.of_job(user_id, job_id, query)

    async def pending_for_job(self, user_id: str, job_id: str) -> int:
        """Memories a job wrote that the index does not reflect yet."""
        return await self._store.pending_for_job(user_id, job_id)

    async def active_by_slot(self, user_id: str, slot: str) -> list[Doc]:
        return await self._store.active_by_slot(user_id, slot)

    async def active_by_normalized(self, user_id: str, text: str) -> list[Doc]:
        return await self._store.active_by_normalized(user_id, text)

    async def active_among(self, user_id: str, ids: list[str]) -> list[Doc]:
        return await self._store.many(user_id, ids, statuses=[MemoryStatus.ACTIVE.value])

    async def apply_job(
        self,
        user_id: str,
        *,
        new: list[Doc],
        changes: dict[str, Doc],
        history: list[Doc],
        session: AsyncClientSession,
    ) -> None:
        """Write a job's new memories, changes to existing ones and their history entries, in
        the job's transaction (the index follows after the commit)."""
        await self._store.insert_many(user_id, new, session)
        for memory_id, fields in changes.items():
            await self._store.update(user_id, memory_id, fields, session=session)
        await self._history.add_many(user_id, history, session)

    # -- for memories other records own (contacts) ------------------------------------------

    async def upsert_owned(self, user_id: str, doc: Doc, session: AsyncClientSession) -> bool:
        """Write a memory whose id its owning record decides: created, or its text and details
        replaced (a new version, kept in history); False when nothing changed."""
        existing = await self._store.get(user_id, doc["_id"], session)
        if existing is None:
            await self._store.insert_many(user_id, [doc], session)
            entry = history_entry(
                user_id=user_id,
                memory_id=doc["_id"],
                lineage_id=doc["lineage_id"],
                operation="created",
                actor="system",
                reason="from a synced contact record",
                after={"content": doc["content"]},
            )
            await self._history.add_many(user_id, [entry], session)
            return True
        active = existing["status"] == MemoryStatus.ACTIVE.value
        if active and all(existing.get(k) == doc.get(k) for k in _DECIDING):
            return False
        changes = {k: doc.get(k) for k in OWNED_FIELDS}
        changes.update(
            status=MemoryStatus.ACTIVE.value,
            valid_to=None,
            deleted_reason=None,
            version=int(existing.get("version", 1)) + 1,
        )
        await self._store.update(user_id, doc["_id"], changes, session=session)
        entry = history_entry(
            user_id=user_id,
            memory_id=doc["_id"],
            lineage_id=str(existing.get("lineage_id") or doc["_id"]),
            operation="updated" if active else "restored",
            actor="system",
            reason="its contact record changed",
            before={"content": existing["content"], "status": existing["status"]},
            after={"content": doc["content"], "status": MemoryStatus.ACTIVE.value},
        )
        await self._history.add_many(user_id, [entry], session)
        return True

    async def retire_owned(
        self, user_id: str, memory_id: str, reason: str, session: AsyncClientSession
    ) -> bool:
        """Delete a memory whose owning record was deleted (history keeps it); False if it
        was not active."""
        existing = await self._store.get(user_id, memory_id, session)
        if existing is None or existing["status"] != MemoryStatus.ACTIVE.value:
            return False
        now = datetime.now(UTC)
        changes = {
            "status": MemoryStatus.DELETED.value,
            "valid_to": now,
            "deleted_reason": reason,
            "updated_at": now,
        }
        await self._store.update(user_id, memory_id, changes, session=session)
        entry = history_entry(
            user_id=user_id,
            memory_id=memory_id,
            lineage_id=str(existing.get("lineage_id") or memory_id),
            operation="deleted",
            actor="system",
            reason=reason,
            before={"status": existing["status"]},
            after={"status": MemoryStatus.DELETED.value},
            at=now,
        )
        await self._history.add_many(user_id, [entry], session)
        return True

    async def tag_contacts(
        self, user_id: str, record_id: str, contact_ids: list[str], session: AsyncClientSession
    ) -> list[str]:
        """Add contacts to the memories made from one synced record; the ids changed."""
        query = {"user_id": user_id, "metadata.record_id": record_id}
        changed: list[str] = []
        for doc in await self._store.find(user_id, query, limit=20, session=session):
            have = list(doc.get("contact_ids") or [])
            wanted = sorted({*have, *contact_ids})
            if wanted != sorted(have):
                await self._store.update(
                    user_id, doc["_id"], {"contact_ids": wanted}, session=session
                )
                changed.append(doc["_id"])
        return changed

    async def owned(self, user_id: str, ids: list[str]) -> list[Doc]:
        """The active memories among ``ids``."""
        return await self._store.many(user_id, ids, statuses=[MemoryStatus.ACTIVE.value])

    # -- for relations ----------------------------------------------------------------------

    async def docs(self, user_id: str, ids: list[str]) -> list[Doc]:
        """The memories among ``ids``, whatever their status."""
        return await self._store.many(user_id, ids)

    async def lineage(self, user_id: str, lineage_id: str) -> list[Doc]:
        """Every version of a fact, oldest first."""
        return await self._store.lineage(user_id, lineage_id)

    async def sharing_entities(self, user_id: str, entity_ids: list[str], limit: int) -> list[Doc]:
        """Active facts (not stored messages) that mention one of these entities, newest first."""
        query = {
            "user_id": user_id,
            "entity_ids": {"$in": entity_ids},
            "status": MemoryStatus.ACTIVE.value,
            "type": {"$ne": MemoryType.CONVERSATION.value},
        }
        return await self._store.find(user_id, query, limit=limit)

    # -- for entity corrections --------------------------------------------------------------

    async def linked_to_entity(
        self, user_id: str, entity_id: str, session: AsyncClientSession
    ) -> list[Doc]:
        """Every memory linked to the entity, whatever its status (history shows them too)."""
        query = {"user_id": user_id, "entity_ids": entity_id}
        return await self._store.find(user_id, query, session=session)

    async def set_entities(
        self,
        user_id: str,
        memory_id: str,
        entity_ids: list[str],
        entity_names: list[str],
        session: AsyncClientSession,
    ) -> None:
        """Relink a memory to these entities; its vector follows (the index filters by name)."""
        changes = {"entity_ids": entity_ids, "entity_names": entity_names}
        await self._store.update(user_id, memory_id, changes, session=session)

    async def reindex(self, user_id: str, memory_ids: list[str]) -> None:
        """Bring the index up to date for these memories after the caller's commit."""
        await self._index_sync.try_sync(user_id, memory_ids)

    # -- for the lifecycle and summaries --------------------------------------------------

    async def in_period(
        self, user_id: str, start: datetime, end: datetime, *, statuses: list[str], limit: int
    ) -> list[Doc]:
        """The user's memories of ``statuses`` that happened in ``[start, end)``, newest first."""
        query = {
            "user_id": user_id,
            "occurred_at": {"$gte": start, "$lt": end},
            "status": {"$in": statuses},
        }
        return await self._store.find(user_id, query, limit=limit)

    async def users_in_period(
        self, start: datetime, end: datetime, *, statuses: list[str]
    ) -> list[str]:
        return await MemoryStore.users_in_period(self._sweep_db, start, end, statuses)

    async def ids_before(self, user_id: str, cutoff: datetime, limit: int) -> list[str]:
        """Memories (any status) that happened before ``cutoff``: what retention removes."""
        return await self._store.ids_before(user_id, cutoff, limit)

    async def purge(self, user_id: str, memory_ids: list[str], session: AsyncClientSession) -> None:
        """Remove memories for good, with their history, in the caller's transaction."""
        await self._store.delete(user_id, memory_ids, session)
        await self._history.delete_for(user_id, memory_ids, session)
        for hook in self.on_purged:
            await hook(user_id, memory_ids, session)

    async def expired(self, now: datetime, limit: int) -> list[Doc]:
        """Active memories of any user past their expiry time (``_id`` and ``user_id`` only)."""
        return await MemoryStore.expired_in(self._sweep_db, now, limit)

    async def expire(self, user_id: str, memory_id: str, now: datetime) -> bool:
        """Mark an expired memory deleted, with an ``expired`` entry; False if it is no longer
        active."""
        changed = False

        async def work(session: AsyncClientSession) -> None:
            nonlocal changed
            doc = await self._store.get(user_id, memory_id, session)
            if doc is None or doc["status"] != MemoryStatus.ACTIVE.value:
                return
            changed = await self._store.update(
                user_id,
                memory_id,
                {
                    "status": MemoryStatus.DELETED.value,
                    "valid_to": doc["expires_at"],
                    "deleted_reason": "expired",
                    "updated_at": now,
                },
                expect_status=MemoryStatus.ACTIVE.value,
                session=session,
            )
            if not changed:
                return
            await self._history.add_many(
                user_id,
                [
                    history_entry(
                        user_id=user_id,
                        memory_id=memory_id,
                        lineage_id=str(doc.get("lineage_id") or memory_id),
                        operation="expired",
                        actor="system",
                        reason="its expiry time passed",
                        before={"status": doc["status"]},
                        after={"status": MemoryStatus.DELETED.value},
                        at=now,
                    )
                ],
                session,
            )

        await in_transaction(self._client, work)
        if changed:
            await self._index_sync.try_sync(user_id, [memory_id])
        return changed

    def decay_candidates(
        self, types: list[str], checked_before: datetime, batch_size: int
    ) -> AsyncCursor[Doc]:
        """One cursor over every user's memories due a decay check."""
        return MemoryStore.decay_candidates(self._sweep_db, types, checked_before, batch_size)

    async def set_if_active(
        self, user_id: str, memory_id: str, changes: Doc, *, reindex: bool
    ) -> bool:
        """Change a memory's fields unless it left the active record meanwhile."""
        return await self._store.update(
            user_id,
            memory_id,
            changes,
            reindex=reindex,
            expect_status=MemoryStatus.ACTIVE.value,
        )
