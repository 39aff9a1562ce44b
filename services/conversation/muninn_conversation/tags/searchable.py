"""Owned documents that carry tags and their own search index fields (notes, snippets):
tagging, retagging and ranked search work the same on each; a store only says which of its
fields are indexed, and how much each weighs."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from muninn_shared.storage.mongo import update_one_and_read
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.notes.search import Query, ranked_page
from muninn_conversation.owned import OwnedDocuments
from muninn_conversation.tags.counting import tag_counts
from muninn_conversation.tags.models import replace_tag

Doc = dict[str, Any]


class TaggedSearchable(OwnedDocuments):
    @abstractmethod
    def search_fields(self, doc: Doc, tags: list[str]) -> Doc:
        """The index fields of ``doc`` were its tags ``tags``."""

    def _retagged(self, doc: Doc, tags: list[str]) -> Doc:
        return {"tags": tags, **self.search_fields(doc, tags)}

    async def replace_tags_if_unchanged(self, doc: Doc, tags: list[str]) -> Doc | None:
        """Set the tags (and re-index) unless someone changed them since ``doc`` was read."""
        return await update_one_and_read(
            self._owned,
            {"_id": doc["_id"], "user_id": doc["user_id"], "tags": doc.get("tags", [])},
            {"$set": self._retagged(doc, tags)},
        )

    async def search(
        self, query: Doc, terms: Query, *, limit: int, cursor: str | None
    ) -> tuple[list[tuple[Doc, float]], str | None]:
        return await ranked_page(self._owned, query, terms, limit=limit, cursor=cursor)

    async def tag_counts(self, user_id: str) -> dict[str, int]:
        return await tag_counts(self._owned, {"user_id": user_id})

    async def retag(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> int:
        """Rename or drop a tag on every document of the user, re-indexing each for search."""
        docs = [
            d async for d in self._owned.find({"user_id": user_id, "tags": old}, session=session)
        ]
        for doc in docs:
            await self._owned.update_one(
                {"_id": doc["_id"]},
                {"$set": self._retagged(doc, replace_tag(doc["tags"], old, new))},
                session=session,
            )
        return len(docs)

    async def tagged(self, user_id: str, tag: str) -> int:
        return await self._owned.count_documents({"user_id": user_id, "tags": tag})
