"""Document chunks as index entries: what the vector index mirrors from ``document_chunks``."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.documents.store import DocumentStore
from muninn_memory.retrieval.port import IndexedMemory

Doc = dict[str, Any]
KIND = "document"
DOCUMENT_TYPE = "document"
DOCUMENT_SOURCE = "document"


def chunk_index_text(chunk: Doc) -> str:
    """The chunk with its title and heading: "Lease agreement > Deposit: The deposit is…"."""
    label = str(chunk.get("title") or "")
    if chunk.get("heading"):
        label = f"{label} > {chunk['heading']}" if label else str(chunk["heading"])
    return f"{label}: {chunk['content']}" if label else str(chunk["content"])


class ChunkSource:
    kind = KIND

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def many(self, user_id: str, ids: list[str]) -> list[Doc]:
        return await self._store.chunks(user_id, ids)

    async def pending_in(self, db: AsyncDatabase[Doc], limit: int) -> list[Doc]:
        return await DocumentStore.pending_in(db, limit)

    async def pending_count(self, db: AsyncDatabase[Doc], limit: int) -> int:
        return await DocumentStore.pending_count(db, limit)

    async def mark_synced(self, user_id: str, revisions: dict[str, int], model_id: str) -> None:
        await self._store.mark_synced(user_id, revisions, model_id)

    def searchable(self, doc: Doc) -> bool:
        return not doc.get("deleted")

    def to_indexed(self, doc: Doc) -> IndexedMemory:
        return IndexedMemory(
            memory_id=doc["_id"],
            user_id=doc["user_id"],
            text=chunk_index_text(doc),
            type=DOCUMENT_TYPE,
            context=doc.get("context"),
            importance=5,
            occurred_at=doc.get("occurred_at"),
            entities=(),
            source=DOCUMENT_SOURCE,
        )
