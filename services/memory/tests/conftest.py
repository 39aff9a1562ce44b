"""Shared test doubles: an in-memory MemoryIndex for the feature layer's unit tests."""

from __future__ import annotations

from datetime import datetime

import pytest
from muninn_memory.extraction.text import content_terms
from muninn_memory.retrieval.port import IndexedMemory, ScoredMemory
from muninn_memory.vectors.port import SearchFilters


class InMemoryIndex:
    """A MemoryIndex by term overlap, honouring the port's contract: per user, filtered."""

    model_id = "fake-terms"

    def __init__(self) -> None:
        self.points: dict[str, dict[str, IndexedMemory]] = {}

    async def upsert(self, memories: list[IndexedMemory]) -> None:
        for memory in memories:
            self.points.setdefault(memory.user_id, {})[memory.memory_id] = memory

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
            if filters.types and memory.type not in filters.types:
                continue
            if filters.source and memory.source != filters.source:
                continue
            if filters.context and memory.context != filters.context:
                continue
            if any(e not in memory.entities for e in filters.entities):
                continue
            overlap = len(wanted & content_terms(memory.text))
            if overlap:
                scored.append(ScoredMemory(memory.memory_id, float(overlap)))
        scored.sort(key=lambda s: (-s.score, s.memory_id))
        return scored[:limit]

    async def count(self, user_id: str) -> int:
        return len(self.points.get(user_id, {}))

    async def close(self) -> None:
        return None


@pytest.fixture
def memory_index() -> InMemoryIndex:
    return InMemoryIndex()
