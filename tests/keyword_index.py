"""The one in-process MemoryIndex of the memory tests: term overlap instead of embeddings.

Unit tests of the feature layer and integration tests of the service use it to exercise
jobs, reconciliation, history, isolation and erasure independently of the embedding model.
It honours the port's contract: per user, filtered, ids and scores out.
"""

from __future__ import annotations

from datetime import datetime

from muninn_memory.extraction.text import content_terms
from muninn_memory.retrieval.port import IndexedMemory, ScoredMemory
from muninn_memory.vectors.port import SearchFilters


def _kept(memory: IndexedMemory, filters: SearchFilters) -> bool:
    return (
        (not filters.types or memory.type in filters.types)
        and (not filters.source or memory.source == filters.source)
        and (not filters.context or memory.context == filters.context)
        and all(e in memory.entities for e in filters.entities)
        and (not filters.contact_ids or bool(set(filters.contact_ids) & set(memory.contact_ids)))
        and (not filters.any_contact or bool(memory.contact_ids))
    )


class KeywordIndex:
    """Scores a memory by the query terms it shares; the newer of two equal scores ranks first."""

    model_id = "test-keyword"

    def __init__(self) -> None:
        self.points: dict[str, dict[str, IndexedMemory]] = {}

    async def upsert(self, memories: list[IndexedMemory]) -> None:
        for memory in memories:
            self.points.setdefault(memory.user_id, {})[memory.memory_id] = memory

    async def prepare(self, user_id: str, memories: list[IndexedMemory]) -> None:
        """Keywords need no model: nothing to compute ahead."""

    async def delete(self, user_id: str, memory_ids: list[str]) -> None:
        for memory_id in memory_ids:
            self.points.get(user_id, {}).pop(memory_id, None)

    async def delete_user(self, user_id: str) -> None:
        self.points.pop(user_id, None)

    async def search(
        self,
        user_id: str,
        query: str,
        *,
        limit: int = 10,
        filters: SearchFilters | None = None,
        now: datetime | None = None,
    ) -> list[ScoredMemory]:
        filters = filters or SearchFilters()
        wanted = content_terms(query)
        scored = []
        for memory in self.points.get(user_id, {}).values():
            if not _kept(memory, filters):
                continue
            overlap = len(wanted & content_terms(memory.text))
            if overlap:
                recency = memory.occurred_at.timestamp() / 1e12 if memory.occurred_at else 0.0
                scored.append(ScoredMemory(memory.memory_id, overlap + recency))
        scored.sort(key=lambda s: (-s.score, s.memory_id))
        return scored[:limit]

    async def count(self, user_id: str) -> int:
        return len(self.points.get(user_id, {}))

    async def close(self) -> None:
        return None
