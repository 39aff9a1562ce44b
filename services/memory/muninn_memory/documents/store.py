"""Documents and their chunks in MongoDB, each user's in the database the store router picks.

Chunks carry ``index_state`` like memories do: written ``pending`` in the upload's
transaction, mirrored into the vector index afterwards (or by the sweep after a crash). A
deleted document's chunks are flagged and removed from MongoDB only once their vectors are
gone, so no vector outlives its text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.routing import StoreRouter
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.indexing.models import PENDING, SYNCED

Doc = dict[str, Any]
DOCUMENTS = "documents"
CHUNKS = "document_chunks"


class DocumentStore:
    def __init__(self, router: StoreRouter) -> None:
        self._router = router

    @staticmethod
    async def ensure_indexes(db: AsyncDatabase[Doc]) -> None:
        await ensure_index(
            db[DOCUMENTS], [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(
            db[CHUNKS], [("user_id", ASCENDING), ("document_id", ASCENDING), ("index", ASCENDING)]
        )
        await ensure_index(db[CHUNKS], [("index_state", ASCENDING), ("updated_at", ASCENDING)])

    async def _db(self, user_id: str) -> AsyncDatabase[Doc]:
        return await self._router.database_for(user_id)

    async def insert(
        self, user_id: str, document: Doc, chunks: list[Doc], session: AsyncClientSession
    ) -> None:
        db = await self._db(user_id)
        await db[DOCUMENTS].insert_one(document, session=session)
        if chunks:
            await db[CHUNKS].insert_many(chunks, session=session)

    async def get(self, user_id: str, document_id: str) -> Doc | None:
        db = await self._db(user_id)
        return await db[DOCUMENTS].find_one({"_id": document_id, "user_id": user_id})

    async def many(self, user_id: str, ids: list[str]) -> list[Doc]:
        if not ids:
            return []
        db = await self._db(user_id)
        # By id alone (primary index), then scoped here: see memories/matching.py.
        found = [d async for d in db[DOCUMENTS].find({"_id": {"$in": ids}})]
        return [d for d in found if d.get("user_id") == user_id]

    async def page(
        self, user_id: str, query: Doc, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[Doc]:
        db = await self._db(user_id)
        conditions: Doc = {**query, "user_id": user_id}
        if after is not None:
            at, last_id = after
            conditions["$or"] = [
                {"created_at": {"$lt": at}},
                {"created_at": at, "_id": {"$lt": last_id}},
            ]
        cursor = (
            db[DOCUMENTS]
            .find(conditions)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]

    async def find(self, user_id: str, query: Doc) -> list[Doc]:
        db = await self._db(user_id)
        return [d async for d in db[DOCUMENTS].find({**query, "user_id": user_id})]

    async def ids_created_before(self, user_id: str, cutoff: datetime, limit: int) -> list[str]:
        db = await self._db(user_id)
        cursor = (
            db[DOCUMENTS]
            .find({"user_id": user_id, "created_at": {"$lt": cutoff}}, {"_id": 1})
            .limit(limit)
        )
        return [d["_id"] async for d in cursor]

    async def chunks_of(
        self, user_id: str, document_id: str, *, start: int = 0, limit: int = 0
    ) -> list[Doc]:
        db = await self._db(user_id)
        cursor = (
            db[CHUNKS]
            .find(
                {
                    "user_id": user_id,
                    "document_id": document_id,
                    "index": {"$gte": start},
                    "deleted": {"$ne": True},
                }
            )
            .sort("index", ASCENDING)
        )
        if limit:
            cursor = cursor.limit(limit)
        return [d async for d in cursor]

    async def chunks(self, user_id: str, ids: list[str]) -> list[Doc]:
        if not ids:
            return []
        db = await self._db(user_id)
        found = [d async for d in db[CHUNKS].find({"_id": {"$in": ids}})]
        return [d for d in found if d.get("user_id") == user_id]

    async def chunk_ids_of(self, user_id: str, document_ids: list[str]) -> list[str]:
        db = await self._db(user_id)
        cursor = db[CHUNKS].find(
            {"user_id": user_id, "document_id": {"$in": document_ids}}, {"_id": 1}
        )
        return [d["_id"] async for d in cursor]

    async def remove(
        self, user_id: str, document_ids: list[str], session: AsyncClientSession
    ) -> int:
        """Delete the documents and flag their chunks for removal from the index, then MongoDB."""
        db = await self._db(user_id)
        result = await db[DOCUMENTS].delete_many(
            {"_id": {"$in": document_ids}, "user_id": user_id}, session=session
        )
        await db[CHUNKS].update_many(
            {"user_id": user_id, "document_id": {"$in": document_ids}},
            {
                "$set": {"deleted": True, "index_state": PENDING, "updated_at": datetime.now(UTC)},
                "$inc": {"index_rev": 1},
            },
            session=session,
        )
        return result.deleted_count

    async def mark_synced(self, user_id: str, revisions: dict[str, int], model_id: str) -> None:
        db = await self._db(user_id)
        for chunk_id, revision in revisions.items():
            query = {"_id": chunk_id, "user_id": user_id, "index_rev": revision}
            gone = await db[CHUNKS].delete_one({**query, "deleted": True})
            if gone.deleted_count == 0:
                await db[CHUNKS].update_one(
                    query, {"$set": {"index_state": SYNCED, "embedding_model": model_id}}
                )

    @staticmethod
    async def pending_in(db: AsyncDatabase[Doc], limit: int) -> list[Doc]:
        cursor = (
            db[CHUNKS].find({"index_state": PENDING}).sort("updated_at", ASCENDING).limit(limit)
        )
        return [d async for d in cursor]

    @staticmethod
    async def pending_count(db: AsyncDatabase[Doc], limit: int) -> int:
        """How many wait for the index, counted on its index up to ``limit``."""
        return await db[CHUNKS].count_documents({"index_state": PENDING}, limit=limit)
