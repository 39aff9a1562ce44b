"""Summaries as index entries: what the vector index mirrors from ``memory_summaries``.

A summary is found like a memory: by its text (the summary and its key insights), in the
same index, under its own type so a search asks for summaries only when it wants them.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.summaries.store import SummaryStore

Doc = dict[str, Any]
KIND = "summary"
SUMMARY_TYPE = "summary"
SUMMARY_SOURCE = "summary"
INSIGHTS_INDEXED = 8


def summary_index_text(doc: Doc) -> str:
    insights = [str(i) for i in (doc.get("key_insights") or [])[:INSIGHTS_INDEXED]]
    text = str(doc["summary"])
    return f"{text} {' '.join(insights)}" if insights else text


def primary_context(doc: Doc) -> str | None:
    """The context most of the period's memories had (a context filter compares it)."""
    shares: dict[str, float] = doc.get("context_breakdown") or {}
    best = max(shares, key=lambda c: shares[c], default=None)
    return best if best is not None and shares[best] > 0 else None


class SummarySource:
    kind = KIND

    def __init__(self, store: SummaryStore) -> None:
        self._store = store

    async def many(self, user_id: str, ids: list[str]) -> list[Doc]:
        return await self._store.many(user_id, ids)

    async def pending_in(self, db: AsyncDatabase[Doc], limit: int) -> list[Doc]:
        return await SummaryStore.pending_in(db, limit)

    async def pending_count(self, db: AsyncDatabase[Doc], limit: int) -> int:
        return await SummaryStore.pending_count(db, limit)

    async def mark_synced(self, user_id: str, revisions: dict[str, int], model_id: str) -> None:
        await self._store.mark_synced(user_id, revisions, model_id)

    def searchable(self, doc: Doc) -> bool:
        # A summary is removed outright (retention, erasure), never kept in a retired state.
        return True

    def to_indexed(self, doc: Doc) -> IndexedMemory:
        return IndexedMemory(
            memory_id=doc["_id"],
            user_id=doc["user_id"],
            text=summary_index_text(doc),
            type=SUMMARY_TYPE,
            context=primary_context(doc),
            importance=5,
            occurred_at=doc.get("start"),
            entities=(),
            source=SUMMARY_SOURCE,
        )
