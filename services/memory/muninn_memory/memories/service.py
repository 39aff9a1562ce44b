"""Reading, editing and deleting a user's memories (search lives in ``search.py``, what
other features of the service use in ``ledger.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.pagination import decode_cursor, one_page
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

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
from muninn_memory.memories.store import MemoryStore, filter_query, with_condition

log = get_logger(__name__)

Doc = dict[str, Any]
BULK_CHUNK = 500

OnDeleted = Callable[[str, list[str], AsyncClientSession], Awaitable[None]]
"""What another feature drops with deleted memories (their relations), in the same
transaction: (user id, memory ids, session)."""


@dataclass(kw_only=True, eq=False)
class MemoryService:
    """Reading, editing and deleting memories; each change commits with its history and event."""

    client: AsyncMongoClient[Doc]
    store: MemoryStore
    history: HistoryLog
    entities: EntityService
    index_sync: IndexSync
    on_deleted: list[OnDeleted] = field(default_factory=list)

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
        resolved, entity_ids = await self.entity_filter(user_id, filters)
        contact_ids = sorted({c for e in resolved for c in e.contact_ids})
        query = filter_query(
            user_id, filters, statuses=statuses, entity_ids=entity_ids, contact_ids=contact_ids
        )
        after = decode_cursor(cursor) if cursor else None
        docs = await self.store.page(user_id, query, after=after, limit=limit + 1)
        page, next_cursor = one_page(docs, limit, dict, field="occurred_at")
        return MemoryPage(items=await self.hydrate(user_id, page), next_cursor=next_cursor)

    async def window(
        self, user_id: str, where: Doc, *, offset: int, limit: int
    ) -> tuple[list[Memory], int]:
        """Active memories matching ``where`` (a condition built by a feature of this service,
        never taken from a request as is), newest first: ``limit`` from ``offset``, and how
        many match in all."""
        query = with_condition(filter_query(user_id, None), where)
        docs = await self.store.find(user_id, query, limit=limit, skip=offset)
        return await self.hydrate(user_id, docs), await self.store.count(user_id, query)

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
                await self.store.delete(user_id, [memory_id], session)
                await self.history.delete_for(user_id, [memory_id], session)
            else:
                await self._retire(user_id, doc, now, reason or "deleted by the user", session)
            for hook in self.on_deleted:
                await hook(user_id, [memory_id], session)

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

    async def bulk_delete(
        self, user_id: str, request: BulkDeleteRequest, *, where: Doc | None = None
    ) -> BulkDeleteResult:
        """Retire the memories matching the request's filters (and ``where``, a condition
        built by a feature of this service)."""
        filters = request.filters
        has_filter = bool(
            where
            or filters.types
            or filters.context
            or filters.importance
            or filters.time
            or filters.entities
            or filters.source
            or filters.tags
            or filters.contact_id
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
        query = with_condition(
            filter_query(user_id, filters, statuses=statuses, entity_ids=entity_ids), where
        )
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
                for hook in self.on_deleted:
                    await hook(user_id, [d["_id"] for d in chunk], session)

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


def _public(doc: Doc) -> Doc:
    out = {("id" if k == "_id" else k): v for k, v in doc.items() if k not in ("user_id", "keys")}
    return out
