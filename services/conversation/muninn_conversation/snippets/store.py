"""Snippets in MongoDB, searchable like notes (see ``notes.search``)."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.notes.search import TAG_WEIGHT, TITLE_WEIGHT, index_fields
from muninn_conversation.tags.searchable import TaggedSearchable

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


class SnippetStore(TaggedSearchable):
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__(db[SNIPPETS])
        self._snippets = self._owned

    def search_fields(self, doc: Doc, tags: list[str]) -> Doc:
        return snippet_search_fields(doc["title"], doc["content"], doc.get("language"), tags)

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._snippets,
            [("user_id", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._snippets, [("user_id", ASCENDING), ("search_terms", ASCENDING)])
        await ensure_index(self._snippets, [("user_id", ASCENDING), ("tags", ASCENDING)])
        await ensure_index(self._snippets, [("user_id", ASCENDING), ("language", ASCENDING)])
