"""Reading, editing and deleting a user's memories (search lives in ``search.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.pagination import decode_cursor, one_page
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.entities.service import EntityService, ResolvedEntity
from muninn_memory.extraction.text import normalized
from muninn_memory.history.log import HistoryLog
from muninn_memory.history.records import history_entry
from muninn_memory.indexing.service import IndexSync
from muninn_memory.memories.models import (
    BulkDeleteRequest,
    BulkDeleteResult,
    Memory,
    MemoryExport,
    MemoryFilters,
    MemoryPage,
    MemoryPatch,
    MemoryStatus,
)
from muninn_memory.memories.records import memory_from_doc
from muninn_memory.memories.store import MemoryStore, filter_query

log = get_logger(__name__)

Doc = dict[str, Any]
BULK_CHUNK = 500


@dataclass(kw_only=True, eq=False)
class MemoryService:
    """Reading, editing and deleting memories; each change commits with its history and event."""

    client: AsyncMongoClient[Doc]
    store: MemoryStore
    sweep_db: AsyncDatabase[Doc]
    """Where the sweeps over every user's memories (expiry, decay, summaries) read."""
    history: HistoryLog
    entities: EntityService
    index_sync: IndexSync

    # -- reading --------------------------------------------------------------------------

    async def hydrate(self, user_id: str, docs: list[Doc]) -> list[Memory]:
        ids = sorted({e for d in docs for e in d.get("entity_ids") or []})
        entities = {e["_id"]: e for e in await self.entities.docs(user_id, ids)}
        return [memory_from_doc(d, entities) for d in docs]

    async def get_doc(self, user_id: str, memory_id: str, *, include_deleted: bool = False) -> Doc:
        doc = await self.store.get(user_id, memory_id)
        if doc is None or (doc["status"] == MemoryStatus.DELETED.value and not include_deleted):
            raise not_found("Memory")
        return doc

    async def get(self, user_id: str, memory_id: str) -> Memory:
        doc = await self.get_doc(user_id, memory_id)
        return (await self.hydrate(user_id, [doc]))[0]

    async def entity_filter(
        self, user_id: str, filters: MemoryFilters | None
    ) -> tuple[list[ResolvedEntity], list[str] | None]:
        if filters is None or not filters.entities:
            return [], None
        resolved = await self.entities.resolve_filter(user_id, filters.entities)
        return resolved, [e.id for e in resolved]

    async def page(
        self,
        user_id: str,
        filters: MemoryFilters,
        *,
        statuses: list[str],
        cursor: str | None,
        limit: int,
    ) -> MemoryPage:
        _, entity_ids = await self.entity_filter(user_id, filters)
        query = filter_query(user_id, filters, statuses=statuses, entity_ids=entity_ids)
        after = decode_cursor(cursor) if cursor else None
        docs = await self.store.page(user_id, query, after=after, limit=limit + 1)
        page, next_cursor = one_page(docs, limit, dict, field="occurred_at")
        return MemoryPage(items=await self.hydrate(user_id, page), next_cursor=next_cursor)

    async def for_entity(self, user_id: str, entity_id: str, limit: int = 50) -> list[Memory]:
        docs = await self.store.find(
            user_id,
            {"user_id": user_id, "entity_ids": entity_id, "status": MemoryStatus.ACTIVE.value},
            limit=limit,
        )
        return await self.hydrate(user_id, docs)

    async def versions(self, user_id: str, lineage_id: str) -> list[Doc]:
        """Every version of a fact (its lineage), any status."""
        return await self.store.lineage(user_id, lineage_id)

    # -- changes --------------------------------------------------------------------------

    async def patch(self, user_id: str, memory_id: str, patch: MemoryPatch) -> Memory:
        doc = await self.get_doc(user_id, memory_id)
        fields = patch.model_dump(exclude_unset=True, exclude={"reason"}, mode="python")
        changes: Doc = {k: (v.value if hasattr(v, "value") else v) for k, v in fields.items()}
        if "content" in changes:
            changes["normalized"] = normalized(changes["content"])
        before = {k: doc.get(k) for k in changes if k != "normalized"}
        after = {k: v for k, v in changes.items() if k != "normalized"}
        if before == after:
            return (await self.hydrate(user_id, [doc]))[0]
        changes["version"] = int(doc.get("version", 1)) + 1
        now = datetime.now(UTC)

        async def work(session: AsyncClientSession) -> None:
            if not await self.store.update(
                user_id,
                memory_id,
                {**changes, "updated_at": now},
                expect_status=doc["status"],
                session=session,
            ):
                raise ProblemError(
                    409,
                    "The memory changed meanwhile; read it again and retry.",
                    code="memory-changed",
                )
            await self.history.add_many(
                user_id,
                [
                    history_entry(
                        user_id=user_id,
                        memory_id=memory_id,
                        lineage_id=doc.get("lineage_id", memory_id),
                        operation="edited",
                        actor="user",
                        reason=patch.reason or "edited by the user",
                        before=before,
                        after=after,
                        at=now,
                    )
                ],
                session,
            )

        await in_transaction(self.client, work)
        await self.index_sync.try_sync(user_id, [memory_id])
        return await self.get(user_id, memory_id)

    async def delete(
        self, user_id: str, memory_id: str, *, purge: bool, reason: str | None = None
    ) -> None:
        doc = await self.get_doc(user_id, memory_id, include_deleted=purge)
        now = datetime.now(UTC)

        async def work(session: AsyncClientSession) -> None:
            if purge:
                # The user wants it gone, not archived: the record and its history go.
                await self.purge(user_id, [memory_id], session)
            else:
                await self._retire(user_id, doc, now, reason or "deleted by the user", session)

        await in_transaction(self.client, work)
        if purge:
            await self.index_sync.index.delete(user_id, [memory_id])
        else:
            await self.index_sync.try_sync(user_id, [memory_id])

    async def _retire(
        self, user_id: str, doc: Doc, now: datetime, reason: str, session: AsyncClientSession
    ) -> None:
        await self.store.update(
            user_id,
            doc["_id"],
            {
                "status": MemoryStatus.DELETED.value,
                "valid_to": doc.get("valid_to") or now,
                "deleted_reason": reason,
                "updated_at": now,
            },
            session=session,
        )
        await self.history.add_many(
            user_id,
            [
                history_entry(
                    user_id=user_id,
                    memory_id=doc["_id"],
                    lineage_id=str(doc.get("lineage_id") or doc["_id"]),
                    operation="deleted",
                    actor="user",
                    reason=reason,
                    before={"status": doc["status"]},
                    after={"status": MemoryStatus.DELETED.value},
                    at=now,
                )
            ],
            session,
        )

    async def bulk_delete(self, user_id: str, request: BulkDeleteRequest) -> BulkDeleteResult:
        filters = request.filters
        has_filter = bool(
            filters.types
            or filters.context
            or filters.importance
            or filters.time
            or filters.entities
            or filters.source
            or filters.tags
        )
        if not has_filter and not request.all:
            raise ProblemError(
                400,
                "Give at least one filter, or all=true to delete every memory.",
                code="filter-required",
            )
        statuses = (
            [MemoryStatus.ACTIVE.value, MemoryStatus.SUPERSEDED.value]
            if request.status == "any"
            else [request.status]
        )
        _, entity_ids = await self.entity_filter(user_id, filters)
        if entity_ids is not None and not entity_ids:
            return BulkDeleteResult(matched=0, deleted=0, dry_run=request.dry_run)
        query = filter_query(user_id, filters, statuses=statuses, entity_ids=entity_ids)
        docs = await self.store.find(user_id, query)
        if request.dry_run or not docs:
            return BulkDeleteResult(matched=len(docs), deleted=0, dry_run=request.dry_run)
        now = datetime.now(UTC)
        deleted = 0
        for start in range(0, len(docs), BULK_CHUNK):
            chunk = docs[start : start + BULK_CHUNK]

            async def work(session: AsyncClientSession, chunk: list[Doc] = chunk) -> None:
                for doc in chunk:
                    await self._retire(user_id, doc, now, "bulk deletion by the user", session)

            await in_transaction(self.client, work)
            deleted += len(chunk)
            await self.index_sync.try_sync(user_id, [d["_id"] for d in chunk])
        return BulkDeleteResult(matched=len(docs), deleted=deleted, dry_run=False)

    async def export(self, user_id: str) -> MemoryExport:
        docs = await self.store.find(user_id, {"user_id": user_id})
        history = await self.history.all_for(user_id)
        entities = await self.entities.all_docs(user_id)
        return MemoryExport(
            user_id=user_id,
            exported_at=datetime.now(UTC),
            memories=await self.hydrate(user_id, docs),
            history=[_public(h) for h in history],
            entities=[_public(e) for e in entities],
        )

    async def purge(self, user_id: str, memory_ids: list[str], session: AsyncClientSession) -> None:
        """Remove memories for good, with their history, in the caller's transaction."""
        await self.store.delete(user_id, memory_ids, session)
        await self.history.delete_for(user_id, memory_ids, session)

    # -- for ingestion and reconciliation -------------------------------------------------

    async def by_message_ids(self, user_id: str, message_ids: list[str]) -> list[Doc]:
        return await self.store.by_message_ids(user_id, message_ids)

    async def of_job(self, user_id: str, job_id: str, query: Doc | None = None) -> list[Doc]:
        """The memories an ingestion job wrote that satisfy ``query``, newest first."""
        return await self.store.of_job(user_id, job_id, query)

    async def pending_for_job(self, user_id: str, job_id: str) -> int:
        """Memories a job wrote that the index does not reflect yet."""
        return await self.store.pending_for_job(user_id, job_id)

    async def active_by_slot(self, user_id: str, slot: str) -> list[Doc]:
        return await self.store.active_by_slot(user_id, slot)

    async def active_by_normalized(self, user_id: str, text: str) -> list[Doc]:
        return await self.store.active_by_normalized(user_id, text)

    async def active_among(self, user_id: str, ids: list[str]) -> list[Doc]:
        return await self.store.many(user_id, ids, statuses=[MemoryStatus.ACTIVE.value])

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
        await self.store.insert_many(user_id, new, session)
        for memory_id, fields in changes.items():
            await self.store.update(user_id, memory_id, fields, session=session)
        await self.history.add_many(user_id, history, session)

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
        return await self.store.find(user_id, query, limit=limit)

    async def users_in_period(
        self, start: datetime, end: datetime, *, statuses: list[str]
    ) -> list[str]:
        return await MemoryStore.users_in_period(self.sweep_db, start, end, statuses)

    async def ids_before(self, user_id: str, cutoff: datetime, limit: int) -> list[str]:
        """Memories (any status) that happened before ``cutoff``: what retention removes."""
        return await self.store.ids_before(user_id, cutoff, limit)

    async def expired(self, now: datetime, limit: int) -> list[Doc]:
        """Active memories of any user past their expiry time (``_id`` and ``user_id`` only)."""
        return await MemoryStore.expired_in(self.sweep_db, now, limit)

    async def expire(self, user_id: str, memory_id: str, now: datetime) -> bool:
        """Mark an expired memory deleted, with an ``expired`` entry; False if it is no longer
        active."""
        changed = False

        async def work(session: AsyncClientSession) -> None:
            nonlocal changed
            doc = await self.store.get(user_id, memory_id, session)
            if doc is None or doc["status"] != MemoryStatus.ACTIVE.value:
                return
            changed = await self.store.update(
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
            await self.history.add_many(
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

        await in_transaction(self.client, work)
        if changed:
            await self.index_sync.try_sync(user_id, [memory_id])
        return changed

    def decay_candidates(
        self, types: list[str], checked_before: datetime, batch_size: int
    ) -> AsyncCursor[Doc]:
        """One cursor over every user's memories due a decay check."""
        return MemoryStore.decay_candidates(self.sweep_db, types, checked_before, batch_size)

    async def set_if_active(
        self, user_id: str, memory_id: str, changes: Doc, *, reindex: bool
    ) -> bool:
        """Change a memory's fields unless it left the active record meanwhile."""
        return await self.store.update(
            user_id,
            memory_id,
            changes,
            reindex=reindex,
            expect_status=MemoryStatus.ACTIVE.value,
        )


def _public(doc: Doc) -> Doc:
    out = {("id" if k == "_id" else k): v for k, v in doc.items() if k not in ("user_id", "keys")}
    return out
