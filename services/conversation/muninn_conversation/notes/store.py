"""Notes in MongoDB, each carrying its own search index fields (see ``notes.search``)."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.notes.search import (
    TAG_WEIGHT,
    TITLE_WEIGHT,
    Query,
    index_fields,
    ranked_page,
)
from muninn_conversation.owned import OwnedDocuments
from muninn_conversation.tags.counting import tag_counts
from muninn_conversation.tags.models import replace_tag

Doc = dict[str, Any]
NOTES = "notes"


def note_search_fields(title: str, content: str, tags: list[str]) -> Doc:
    return index_fields([(title, TITLE_WEIGHT), (" ".join(tags), TAG_WEIGHT), (content, 1)])


class NoteStore(OwnedDocuments):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db[NOTES])
        self._notes = self._owned

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._notes, [("user_id", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(self._notes, [("user_id", ASCENDING), ("search_terms", ASCENDING)])
        await ensure_index(self._notes, [("user_id", ASCENDING), ("project_id", ASCENDING)])
        await ensure_index(self._notes, [("user_id", ASCENDING), ("tags", ASCENDING)])
        await ensure_index(self._notes, [("conversation_id", ASCENDING)])

    async def replace_tags_if_unchanged(self, doc: Doc, tags: list[str]) -> Doc | None:
        """Set a note's tags (and re-index) unless someone changed them since ``doc`` was read."""
        return await update_one_and_read(
            self._notes,
            {"_id": doc["_id"], "user_id": doc["user_id"], "tags": doc.get("tags", [])},
            {"$set": {"tags": tags, **note_search_fields(doc["title"], doc["content"], tags)}},
        )

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
