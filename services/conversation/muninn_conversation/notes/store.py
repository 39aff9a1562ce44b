"""Notes in MongoDB, each carrying its own search index fields (see ``notes.search``)."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.notes.search import TAG_WEIGHT, TITLE_WEIGHT, index_fields
from muninn_conversation.tags.searchable import TaggedSearchable

Doc = dict[str, Any]
NOTES = "notes"


def note_search_fields(title: str, content: str, tags: list[str]) -> Doc:
    return index_fields([(title, TITLE_WEIGHT), (" ".join(tags), TAG_WEIGHT), (content, 1)])


class NoteStore(TaggedSearchable):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db[NOTES])
        self._notes = self._owned

    def search_fields(self, doc: Doc, tags: list[str]) -> Doc:
        return note_search_fields(doc["title"], doc["content"], tags)

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._notes, [("user_id", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(self._notes, [("user_id", ASCENDING), ("search_terms", ASCENDING)])
        await ensure_index(self._notes, [("user_id", ASCENDING), ("project_id", ASCENDING)])
        await ensure_index(self._notes, [("user_id", ASCENDING), ("tags", ASCENDING)])
        await ensure_index(self._notes, [("conversation_id", ASCENDING)])

    async def count(self, query: Doc) -> int:
        return await self._notes.count_documents(query)

    async def detach_project(
        self, user_id: str, project_id: str, session: AsyncClientSession
    ) -> int:
        result = await self._notes.update_many(
            {"user_id": user_id, "project_id": project_id},
            {"$set": {"project_id": None}},
            session=session,
        )
        return result.modified_count
