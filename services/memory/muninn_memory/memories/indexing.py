"""Memories as index entries: what the vector index mirrors from ``memories``."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.memories.records import indexed_from_doc, searchable
from muninn_memory.memories.store import MemoryStore
from muninn_memory.retrieval.port import IndexedMemory

Doc = dict[str, Any]


class MemorySource:
    kind = "memory"

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def many(self, user_id: str, ids: list[str]) -> list[Doc]:
        return await self._store.many(user_id, ids)

    async def pending_in(self, db: AsyncDatabase[Doc], limit: int) -> list[Doc]:
        return await MemoryStore.pending_in(db, limit)

    async def pending_count(self, db: AsyncDatabase[Doc], limit: int) -> int:
        return await MemoryStore.pending_count(db, limit)

    async def mark_synced(self, user_id: str, revisions: dict[str, int], model_id: str) -> None:
        await self._store.mark_synced(user_id, revisions, model_id)

    def searchable(self, doc: Doc) -> bool:
        return searchable(doc)

    def to_indexed(self, doc: Doc) -> IndexedMemory:
        return indexed_from_doc(doc)
