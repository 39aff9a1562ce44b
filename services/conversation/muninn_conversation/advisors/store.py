"""Advisors, boards, team templates, advisor memories and thread summaries in MongoDB.

Every document carries ``user_id``: the creator of a custom advisor, the owner of a board
entry, the owner of the conversation a memory or summary belongs to. Built-in advisors and
team templates carry ``user_id: None`` — they belong to nobody and survive any erasure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]
ADVISORS = "advisors"
BOARD = "advisor_board"
TEAM_TEMPLATES = "team_templates"
ADVISOR_MEMORIES = "advisor_memories"
THREAD_SUMMARIES = "thread_summaries"

T = TypeVar("T")


async def once_more_on_race(operation: Callable[[], Awaitable[T]]) -> T:
    """Two concurrent upserts of one unique key: the loser retries and updates the winner's document."""
    try:
        return await operation()
    except DuplicateKeyError:
        return await operation()


async def upsert_returning(collection: AsyncCollection[Doc], query: Doc, update: Doc) -> Doc:
    """Upsert and return the document after the change.

    The loser of a concurrent upsert may get a duplicate-key error (MongoDB) or, from some
    MongoDB-protocol servers, no document at all; either way the document exists by then,
    and applying the update again returns it.
    """
    for _ in range(3):
        doc = await once_more_on_race(
            lambda: update_one_and_read(
                collection,
                query,
                update,
                upsert=True,
            )
        )
        if doc is not None:
            return doc
    raise RuntimeError(f"upsert into {collection.name} returned no document")


class AdvisorStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._advisors = db[ADVISORS]
        self._board = db[BOARD]
        self._templates = db[TEAM_TEMPLATES]
        self._memories = db[ADVISOR_MEMORIES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._advisors,
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(
            self._advisors,
            [("is_public", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)],
        )
        await ensure_index(self._advisors, [("category", ASCENDING)])
        await ensure_index(self._advisors, [("tags", ASCENDING)])
        await ensure_index(
            self._board, [("user_id", ASCENDING), ("advisor_id", ASCENDING)], unique=True
        )
        await ensure_index(self._board, [("advisor_id", ASCENDING)])
        await ensure_index(self._templates, [("sort_order", ASCENDING)])

    # -- the catalogue ---------------------------------------------------------------------

    async def seed(
        self, advisors: Iterable[Doc], templates: Iterable[Doc], *, now: datetime
    ) -> None:
        """Upsert the built-in catalogue: content follows the code, creation time is kept."""
        for doc in advisors:
            await self._upsert_catalogue_entry(self._advisors, doc, now)
        for doc in templates:
            await self._upsert_catalogue_entry(self._templates, doc, now)

    @staticmethod
    async def _upsert_catalogue_entry(
        collection: AsyncCollection[Doc], doc: Doc, now: datetime
    ) -> None:
        update = {"$set": {**doc, "updated_at": now}, "$setOnInsert": {"created_at": now}}
        # Several instances may start at once; the loser of the insert race just updates.
        await once_more_on_race(
            lambda: collection.update_one({"_id": doc["_id"]}, update, upsert=True)
        )

    # -- advisors --------------------------------------------------------------------------

    async def insert(self, doc: Doc) -> None:
        await self._advisors.insert_one(doc)

    async def get(self, advisor_id: str) -> Doc | None:
        return await self._advisors.find_one({"_id": advisor_id})

    async def get_many(self, advisor_ids: Iterable[str]) -> dict[str, Doc]:
        ids = list(dict.fromkeys(advisor_ids))
        if not ids:
            return {}
        return {d["_id"]: d async for d in self._advisors.find({"_id": {"$in": ids}})}

    async def page(
        self, query: Doc, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Doc]:
        if before is not None:
            at, advisor_id = before
            query = {
                "$and": [
                    query,
                    {
                        "$or": [
                            {"created_at": {"$lt": at}},
                            {"created_at": at, "_id": {"$lt": advisor_id}},
                        ]
                    },
                ]
            }
        cursor = (
            self._advisors.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]

    async def update(self, advisor_id: str, owner_id: str, changes: Doc) -> Doc | None:
        return await update_one_and_read(
            self._advisors,
            {"_id": advisor_id, "user_id": owner_id},
            {"$set": changes},
        )

    async def delete(self, advisor_id: str, owner_id: str, session: AsyncClientSession) -> bool:
        """The advisor and every trace of it: board entries (anyone's) and its notes in conversations."""
        result = await self._advisors.delete_one(
            {"_id": advisor_id, "user_id": owner_id}, session=session
        )
        if result.deleted_count != 1:
            return False
        await self._board.delete_many({"advisor_id": advisor_id}, session=session)
        await self._memories.delete_many({"advisor_id": advisor_id}, session=session)
        return True

    # -- the advisory board ----------------------------------------------------------------

    async def board(self, user_id: str) -> list[Doc]:
        cursor = self._board.find({"user_id": user_id}).sort(
            [("selected_at", ASCENDING), ("_id", ASCENDING)]
        )
        return [d async for d in cursor]

    async def board_ids(self, user_id: str) -> set[str]:
        return {
            d["advisor_id"] async for d in self._board.find({"user_id": user_id}, {"advisor_id": 1})
        }

    async def select(self, entry: Doc) -> Doc:
        """Put an advisor on a board; selecting it again updates how it was chosen."""
        return await upsert_returning(
            self._board,
            {"user_id": entry["user_id"], "advisor_id": entry["advisor_id"]},
            {
                "$set": {"source": entry["source"], "team_id": entry.get("team_id")},
                "$setOnInsert": {"_id": entry["_id"], "selected_at": entry["selected_at"]},
            },
        )

    async def add_if_absent(self, entry: Doc) -> bool:
        """Add an entry unless the advisor is already on the board (keeping how it got there)."""
        result = await once_more_on_race(
            lambda: self._board.update_one(
                {"user_id": entry["user_id"], "advisor_id": entry["advisor_id"]},
                {"$setOnInsert": entry},
                upsert=True,
            )
        )
        return result.upserted_id is not None

    async def deselect(self, user_id: str, advisor_id: str) -> bool:
        result = await self._board.delete_one({"user_id": user_id, "advisor_id": advisor_id})
        return result.deleted_count == 1

    # -- team templates --------------------------------------------------------------------

    async def templates(self) -> list[Doc]:
        cursor = self._templates.find({}).sort([("sort_order", ASCENDING), ("_id", ASCENDING)])
        return [d async for d in cursor]

    async def template(self, template_id: str) -> Doc | None:
        return await self._templates.find_one({"_id": template_id})


class MemoryStore:
    """Key/value notes of one advisor in one conversation."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._memories = db[ADVISOR_MEMORIES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._memories,
            [("conversation_id", ASCENDING), ("advisor_id", ASCENDING), ("key", ASCENDING)],
            unique=True,
        )
        await ensure_index(self._memories, [("advisor_id", ASCENDING)])
        await ensure_index(self._memories, [("user_id", ASCENDING)])

    async def entries(self, conversation_id: str, advisor_id: str) -> list[Doc]:
        cursor = self._memories.find(
            {"conversation_id": conversation_id, "advisor_id": advisor_id}
        ).sort("key", ASCENDING)
        return [d async for d in cursor]

    async def get(self, conversation_id: str, advisor_id: str, key: str) -> Doc | None:
        return await self._memories.find_one(
            {"conversation_id": conversation_id, "advisor_id": advisor_id, "key": key}
        )

    async def count(self, conversation_id: str, advisor_id: str) -> int:
        return await self._memories.count_documents(
            {"conversation_id": conversation_id, "advisor_id": advisor_id}
        )

    async def put(self, doc: Doc) -> Doc:
        return await upsert_returning(
            self._memories,
            {
                "conversation_id": doc["conversation_id"],
                "advisor_id": doc["advisor_id"],
                "key": doc["key"],
            },
            {
                "$set": {
                    "value": doc["value"],
                    "updated_by": doc["updated_by"],
                    "updated_at": doc["updated_at"],
                    "user_id": doc["user_id"],
                },
                "$setOnInsert": {"_id": doc["_id"], "created_at": doc["updated_at"]},
            },
        )

    async def delete(self, conversation_id: str, advisor_id: str, key: str) -> bool:
        result = await self._memories.delete_one(
            {"conversation_id": conversation_id, "advisor_id": advisor_id, "key": key}
        )
        return result.deleted_count == 1

    async def clear(self, conversation_id: str, advisor_id: str) -> int:
        result = await self._memories.delete_many(
            {"conversation_id": conversation_id, "advisor_id": advisor_id}
        )
        return result.deleted_count


class SummaryStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._summaries = db[THREAD_SUMMARIES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._summaries, [("conversation_id", ASCENDING), ("created_at", ASCENDING)]
        )
        await ensure_index(self._summaries, [("user_id", ASCENDING)])

    async def insert(self, doc: Doc) -> None:
        await self._summaries.insert_one(doc)

    async def all_in(self, conversation_id: str) -> list[Doc]:
        cursor = self._summaries.find({"conversation_id": conversation_id}).sort(
            [("created_at", ASCENDING), ("_id", ASCENDING)]
        )
        return [d async for d in cursor]

    async def latest(self, conversation_id: str) -> Doc | None:
        cursor = (
            self._summaries.find({"conversation_id": conversation_id})
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(1)
        )
        docs = [d async for d in cursor]
        return docs[0] if docs else None
