"""Memory records in MongoDB, each user's in the database the store router picks.

MongoDB is the record; the vector index is derived from it. Every write that changes what
should be searchable marks the memory ``index_state: pending`` in the same transaction, and
the index sync (:mod:`muninn_memory.indexing.service`) brings the index up to date — so a crash between the
commit and the vector write is repaired, never lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.routing import StoreRouter
from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.indexing.models import PENDING, SYNCED
from muninn_memory.memories.matching import matches
from muninn_memory.memories.models import MemoryFilters, MemoryStatus

Doc = dict[str, Any]
MEMORIES = "memories"


def filter_query(
    user_id: str,
    filters: MemoryFilters | None,
    *,
    statuses: Iterable[str] = (MemoryStatus.ACTIVE.value,),
    entity_ids: list[str] | None = None,
    contact_ids: list[str] | None = None,
) -> Doc:
    """The MongoDB query for a user's memories matching ``filters`` (always scoped to the user)."""
    query: Doc = {"user_id": user_id}
    status_list = list(statuses)
    if status_list:
        query["status"] = status_list[0] if len(status_list) == 1 else {"$in": status_list}
    if filters is None:
        return query
    if filters.types:
        query["type"] = {"$in": [t.value for t in filters.types]}
    if filters.context:
        query["context"] = filters.context
    if filters.importance and (
        filters.importance.min is not None or filters.importance.max is not None
    ):
        bounds: Doc = {}
        if filters.importance.min is not None:
            bounds["$gte"] = filters.importance.min
        if filters.importance.max is not None:
            bounds["$lte"] = filters.importance.max
        query["importance"] = bounds
    if filters.time and (filters.time.after or filters.time.before):
        window: Doc = {}
        if filters.time.after:
            window["$gte"] = filters.time.after
        if filters.time.before:
            window["$lt"] = filters.time.before
        query["occurred_at"] = window
    if filters.source:
        query["provenance.source"] = filters.source
    if filters.tags:
        query["tags"] = {"$all" if filters.tag_match == "all" else "$in": filters.tags}
    if filters.contact_id:
        query["contact_ids"] = filters.contact_id
    if entity_ids is not None and contact_ids:
        # A person linked to contacts: what was said about them, and their contact memories.
        query["$or"] = [{"entity_ids": {"$in": entity_ids}}, {"contact_ids": {"$in": contact_ids}}]
    elif entity_ids is not None:
        query["entity_ids"] = {"$in": entity_ids}
    return query


def with_condition(query: Doc, condition: Doc | None) -> Doc:
    """``query`` narrowed by ``condition`` too; the user's scope stays at the top level."""
    if not condition:
        return query
    return {**query, "$and": [*query.get("$and", []), condition]}


class MemoryStore:
    def __init__(self, router: StoreRouter) -> None:
        self._router = router

    @staticmethod
    async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
        col = db[MEMORIES]
        await ensure_index(
            col,
            [
                ("user_id", ASCENDING),
                ("status", ASCENDING),
                ("occurred_at", DESCENDING),
                ("_id", DESCENDING),
            ],
        )
        await ensure_index(
            col, [("user_id", ASCENDING), ("slot", ASCENDING), ("status", ASCENDING)]
        )
        await ensure_index(
            col, [("user_id", ASCENDING), ("normalized", ASCENDING), ("status", ASCENDING)]
        )
        await ensure_index(col, [("user_id", ASCENDING), ("provenance.message_ids", ASCENDING)])
        await ensure_index(col, [("user_id", ASCENDING), ("provenance.job_id", ASCENDING)])
        await ensure_index(col, [("user_id", ASCENDING), ("entity_ids", ASCENDING)])
        await ensure_index(col, [("user_id", ASCENDING), ("contact_ids", ASCENDING)])
        await ensure_index(col, [("user_id", ASCENDING), ("metadata.record_id", ASCENDING)])
        await ensure_index(col, [("user_id", ASCENDING), ("lineage_id", ASCENDING)])
        await ensure_index(col, [("index_state", ASCENDING), ("updated_at", ASCENDING)])
        await ensure_index(col, [("expires_at", ASCENDING)], sparse=True)

    async def database_for(self, user_id: str) -> AsyncDatabase[Doc]:
        return await self._router.database_for(user_id)

    async def insert_many(
        self, user_id: str, docs: list[Doc], session: AsyncClientSession | None = None
    ) -> None:
        if docs:
            db = await self.database_for(user_id)
            await db[MEMORIES].insert_many(docs, session=session)

    async def get(
        self, user_id: str, memory_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        db = await self.database_for(user_id)
        return await db[MEMORIES].find_one({"_id": memory_id, "user_id": user_id}, session=session)

    async def many(
        self,
        user_id: str,
        ids: list[str],
        *,
        statuses: Iterable[str] | None = None,
        session: AsyncClientSession | None = None,
    ) -> list[Doc]:
        if not ids:
            return []
        db = await self.database_for(user_id)
        # By id alone, then owner and status here: see memories.matching for why.
        wanted = None if statuses is None else set(statuses)
        return [
            d
            async for d in db[MEMORIES].find({"_id": {"$in": ids}}, session=session)
            if d.get("user_id") == user_id and (wanted is None or d.get("status") in wanted)
        ]

    async def find(
        self,
        user_id: str,
        query: Doc,
        *,
        limit: int = 0,
        skip: int = 0,
        session: AsyncClientSession | None = None,
    ) -> list[Doc]:
        if query.get("user_id") != user_id:
            raise ValueError("memory queries are always scoped to their user")
        db = await self.database_for(user_id)
        cursor = (
            db[MEMORIES]
            .find(query, session=session)
            .sort([("occurred_at", DESCENDING), ("_id", DESCENDING)])
        )
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [d async for d in cursor]

    async def by_ids(self, user_id: str, ids: list[str], query: Doc) -> list[Doc]:
        """The memories among ``ids`` that satisfy ``query``, in no particular order.

        Fetched by id alone (the primary index on every server) and matched here: see
        :mod:`muninn_memory.memories.matching`.
        """
        if query.get("user_id") != user_id:
            raise ValueError("memory queries are always scoped to their user")
        if not ids:
            return []
        db = await self.database_for(user_id)
        found = [d async for d in db[MEMORIES].find({"_id": {"$in": ids}})]
        return [doc for doc in found if matches(doc, query)]

    async def count(self, user_id: str, query: Doc) -> int:
        if query.get("user_id") != user_id:
            raise ValueError("memory queries are always scoped to their user")
        db = await self.database_for(user_id)
        return await db[MEMORIES].count_documents(query)

    async def page(
        self, user_id: str, query: Doc, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[Doc]:
        if after is not None:
            at, last_id = after
            query = {
                "$and": [
                    query,
                    {
                        "$or": [
                            {"occurred_at": {"$lt": at}},
                            {"occurred_at": at, "_id": {"$lt": last_id}},
                        ]
                    },
                ],
                "user_id": user_id,
            }
        return await self.find(user_id, query, limit=limit)

    async def active_by_slot(
        self, user_id: str, slot: str, session: AsyncClientSession | None = None
    ) -> list[Doc]:
        return await self._active_with(user_id, "slot", slot, 20, session)

    async def active_by_normalized(
        self, user_id: str, normalized: str, session: AsyncClientSession | None = None
    ) -> list[Doc]:
        return await self._active_with(user_id, "normalized", normalized, 5, session)

    async def _active_with(
        self, user_id: str, field: str, value: str, limit: int, session: AsyncClientSession | None
    ) -> list[Doc]:
        query = {"user_id": user_id, field: value, "status": MemoryStatus.ACTIVE.value}
        return await self.find(user_id, query, limit=limit, session=session)

    async def by_message_ids(
        self, user_id: str, message_ids: list[str], session: AsyncClientSession | None = None
    ) -> list[Doc]:
        if not message_ids:
            return []
        return await self.find(
            user_id,
            {"user_id": user_id, "provenance.message_ids": {"$in": message_ids}},
            session=session,
        )

    async def of_job(self, user_id: str, job_id: str, query: Doc | None = None) -> list[Doc]:
        """The memories an ingestion job wrote that satisfy ``query``, newest first.

        Asked by (user, job) alone — exactly the fields of their index — and matched here: the
        embedded server plans a query with any field beyond an index's as a walk over every
        document of the user (70 ms at 300 facts, growing with each), by index it takes ~2 ms.
        """
        query = {"user_id": user_id, **(query or {})}
        db = await self.database_for(user_id)
        cursor = db[MEMORIES].find({"user_id": user_id, "provenance.job_id": job_id})
        found = [doc async for doc in cursor if matches(doc, query)]
        found.sort(key=lambda d: (d["occurred_at"], d["_id"]), reverse=True)
        return found

    async def pending_for_job(self, user_id: str, job_id: str) -> int:
        """Memories a job wrote that the index does not reflect yet (asked as in ``of_job``;
        only their index state travels, as a waiting request asks again and again)."""
        db = await self.database_for(user_id)
        cursor = db[MEMORIES].find(
            {"user_id": user_id, "provenance.job_id": job_id}, {"_id": 0, "index_state": 1}
        )
        return sum([doc.get("index_state") == PENDING async for doc in cursor])

    async def lineage(self, user_id: str, lineage_id: str) -> list[Doc]:
        db = await self.database_for(user_id)
        cursor = (
            db[MEMORIES]
            .find({"user_id": user_id, "lineage_id": lineage_id})
            .sort("version", ASCENDING)
        )
        return [d async for d in cursor]

    async def update(
        self,
        user_id: str,
        memory_id: str,
        changes: Doc,
        *,
        reindex: bool = True,
        expect_status: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> bool:
        db = await self.database_for(user_id)
        query: Doc = {"_id": memory_id, "user_id": user_id}
        if expect_status is not None:
            query["status"] = expect_status
        update: Doc = {
            "$set": {**changes, "updated_at": changes.get("updated_at", datetime.now(UTC))}
        }
        if reindex:
            update["$set"]["index_state"] = PENDING
            update["$inc"] = {"index_rev": 1}
        result = await db[MEMORIES].update_one(query, update, session=session)
        return result.matched_count == 1

    async def delete(
        self, user_id: str, memory_ids: list[str], session: AsyncClientSession | None = None
    ) -> int:
        if not memory_ids:
            return 0
        db = await self.database_for(user_id)
        result = await db[MEMORIES].delete_many(
            {"_id": {"$in": memory_ids}, "user_id": user_id}, session=session
        )
        return result.deleted_count

    async def mark_synced(self, user_id: str, revisions: dict[str, int], model_id: str) -> None:
        """Record that the index reflects these revisions; a newer edit stays pending.

        One command for them all (an ingestion job marks 50 at once): each statement still
        finds its memory by ``_id``, where an ``$in`` with the other fields would be planned
        as a collection scan by the embedded server (see ``matching.py``).
        """
        if not revisions:
            return
        db = await self.database_for(user_id)
        await db[MEMORIES].bulk_write(
            [
                UpdateOne(
                    {"_id": memory_id, "user_id": user_id, "index_rev": revision},
                    {"$set": {"index_state": SYNCED, "embedding_model": model_id}},
                )
                for memory_id, revision in revisions.items()
            ],
            ordered=False,
        )

    @staticmethod
    async def pending_in(db: AsyncDatabase[Doc], limit: int) -> list[Doc]:
        cursor = (
            db[MEMORIES].find({"index_state": PENDING}).sort("updated_at", ASCENDING).limit(limit)
        )
        return [d async for d in cursor]

    @staticmethod
    async def pending_count(db: AsyncDatabase[Doc], limit: int) -> int:
        """How many wait for the index, counted on its index up to ``limit``."""
        return await db[MEMORIES].count_documents({"index_state": PENDING}, limit=limit)

    async def ids_before(self, user_id: str, cutoff: datetime, limit: int) -> list[str]:
        """Memories (any status) that happened before ``cutoff``: what retention removes."""
        db = await self.database_for(user_id)
        cursor = (
            db[MEMORIES]
            .find({"user_id": user_id, "occurred_at": {"$lt": cutoff}}, {"_id": 1})
            .limit(limit)
        )
        return [d["_id"] async for d in cursor]

    @staticmethod
    def decay_candidates(
        db: AsyncDatabase[Doc], types: list[str], checked_before: datetime, batch_size: int
    ) -> AsyncCursor[Doc]:
        """One cursor over every memory due a decay check.

        A single pass, not a query per batch: the filter has no index that serves it, so each
        query would read the whole collection again.
        """
        return db[MEMORIES].find(
            {
                "type": {"$in": types},
                "status": MemoryStatus.ACTIVE.value,
                "$or": [
                    {"decayed_at": {"$exists": False}},
                    {"decayed_at": {"$lt": checked_before}},
                ],
            },
            batch_size=batch_size,
        )

    @staticmethod
    async def users_in_period(
        db: AsyncDatabase[Doc], start: datetime, end: datetime, statuses: list[str]
    ) -> list[str]:
        """Users with a memory of one of ``statuses`` that happened in ``[start, end)``."""
        users: list[str] = await db[MEMORIES].distinct(
            "user_id", {"occurred_at": {"$gte": start, "$lt": end}, "status": {"$in": statuses}}
        )
        return users

    @staticmethod
    async def expired_in(db: AsyncDatabase[Doc], now: datetime, limit: int) -> list[Doc]:
        cursor = (
            db[MEMORIES]
            .find(
                {"expires_at": {"$lte": now}, "status": MemoryStatus.ACTIVE.value},
                {"_id": 1, "user_id": 1},
            )
            .limit(limit)
        )
        return [d async for d in cursor]
