"""Notes in MongoDB, each carrying its own search index fields (see ``notes.search``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.notes.search import Query, index_fields, ranked_page
from muninn_conversation.tags.store import replace_tag, tag_counts

Doc = dict[str, Any]
NOTES = "notes"
TITLE_WEIGHT = 3
TAG_WEIGHT = 2


def note_search_fields(title: str, content: str, tags: list[str]) -> Doc:
    return index_fields([(title, TITLE_WEIGHT), (" ".join(tags), TAG_WEIGHT), (content, 1)])


def keyset_after(query: Doc, before: tuple[datetime, str] | None, field: str = "updated_at") -> Doc:
    """``query`` narrowed to what sorts after a (timestamp, id) cursor, newest first."""
    if before is None:
        return query
    at, item_id = before
    older = {"$or": [{field: {"$lt": at}}, {field: at, "_id": {"$lt": item_id}}]}
    return {"$and": [query, older]}


NEWEST_FIRST = [("updated_at", DESCENDING), ("_id", DESCENDING)]


class NoteStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._notes = db[NOTES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._notes, [("user_id", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(self._notes, [("user_id", ASCENDING), ("search_terms", ASCENDING)])
        await ensure_index(self._notes, [("user_id", ASCENDING), ("project_id", ASCENDING)])
        await ensure_index(self._notes, [("user_id", ASCENDING), ("tags", ASCENDING)])
        await ensure_index(self._notes, [("conversation_id", ASCENDING)])

    async def insert(self, doc: Doc) -> None:
        await self._notes.insert_one(doc)

    async def get(self, user_id: str, note_id: str) -> Doc | None:
        return await self._notes.find_one({"_id": note_id, "user_id": user_id})

    async def update(self, user_id: str, note_id: str, changes: Doc) -> Doc | None:
        return await update_one_and_read(
            self._notes,
            {"_id": note_id, "user_id": user_id},
            {"$set": changes},
        )

    async def replace_tags_if_unchanged(self, doc: Doc, tags: list[str]) -> Doc | None:
        """Set a note's tags (and re-index) unless someone changed them since ``doc`` was read."""
        return await update_one_and_read(
            self._notes,
            {"_id": doc["_id"], "user_id": doc["user_id"], "tags": doc.get("tags", [])},
            {"$set": {"tags": tags, **note_search_fields(doc["title"], doc["content"], tags)}},
        )

    async def delete(self, user_id: str, note_id: str) -> bool:
        result = await self._notes.delete_one({"_id": note_id, "user_id": user_id})
        return result.deleted_count == 1

    async def page(
        self, query: Doc, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Doc]:
        cursor = self._notes.find(keyset_after(query, before)).sort(NEWEST_FIRST).limit(limit)
        return [d async for d in cursor]

    async def search(
        self, query: Doc, terms: Query, *, limit: int, cursor: str | None
    ) -> tuple[list[tuple[Doc, float]], str | None]:
        return await ranked_page(self._notes, query, terms, limit=limit, cursor=cursor)

    async def count(self, query: Doc) -> int:
        return await self._notes.count_documents(query)

    async def tag_counts(self, user_id: str) -> dict[str, int]:
        return await tag_counts(self._notes, {"user_id": user_id})

    async def retag(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> int:
        """Rename or drop a tag on every note of the user, re-indexing each for search."""
        docs = [
            d async for d in self._notes.find({"user_id": user_id, "tags": old}, session=session)
        ]
        for doc in docs:
            tags = replace_tag(doc["tags"], old, new)
            await self._notes.update_one(
                {"_id": doc["_id"]},
                {"$set": {"tags": tags, **note_search_fields(doc["title"], doc["content"], tags)}},
                session=session,
            )
        return len(docs)

    async def detach_project(
        self, user_id: str, project_id: str, session: AsyncClientSession
    ) -> int:
        result = await self._notes.update_many(
            {"user_id": user_id, "project_id": project_id},
            {"$set": {"project_id": None}},
            session=session,
        )
        return result.modified_count

    async def tagged(self, user_id: str, tag: str) -> int:
        return await self._notes.count_documents({"user_id": user_id, "tags": tag})
