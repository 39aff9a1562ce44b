"""Snippets in MongoDB, searchable like notes (see ``notes.search``)."""

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
SNIPPETS = "snippets"


def snippet_search_fields(title: str, content: str, language: str | None, tags: list[str]) -> Doc:
    return index_fields(
        [
            (title, TITLE_WEIGHT),
            (" ".join(tags), TAG_WEIGHT),
            (language or "", TAG_WEIGHT),
            (content, 1),
        ]
    )


def _reindexed(doc: Doc, tags: list[str]) -> Doc:
    return {
        "tags": tags,
        **snippet_search_fields(doc["title"], doc["content"], doc.get("language"), tags),
    }


class SnippetStore(OwnedDocuments):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db[SNIPPETS])
        self._snippets = self._owned

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._snippets,
            [("user_id", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._snippets, [("user_id", ASCENDING), ("search_terms", ASCENDING)])
        await ensure_index(self._snippets, [("user_id", ASCENDING), ("tags", ASCENDING)])
        await ensure_index(self._snippets, [("user_id", ASCENDING), ("language", ASCENDING)])

    async def replace_tags_if_unchanged(self, doc: Doc, tags: list[str]) -> Doc | None:
        return await update_one_and_read(
            self._snippets,
            {"_id": doc["_id"], "user_id": doc["user_id"], "tags": doc.get("tags", [])},
            {"$set": _reindexed(doc, tags)},
        )

    async def search(
        self, query: Doc, terms: Query, *, limit: int, cursor: str | None
    ) -> tuple[list[tuple[Doc, float]], str | None]:
        return await ranked_page(self._snippets, query, terms, limit=limit, cursor=cursor)

    async def tag_counts(self, user_id: str) -> dict[str, int]:
        return await tag_counts(self._snippets, {"user_id": user_id})

    async def retag(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> int:
        docs = [
            d async for d in self._snippets.find({"user_id": user_id, "tags": old}, session=session)
        ]
        for doc in docs:
            await self._snippets.update_one(
                {"_id": doc["_id"]},
                {"$set": _reindexed(doc, replace_tag(doc["tags"], old, new))},
                session=session,
            )
        return len(docs)

    async def tagged(self, user_id: str, tag: str) -> int:
        return await self._snippets.count_documents({"user_id": user_id, "tags": tag})
