"""The contract between the memory features and the retrieval engine.

The feature packages (ingestion, management, entities…) keep memories in MongoDB and hand
the searchable part of each one to a :class:`MemoryIndex`; search returns ids with scores and
the feature layer hydrates them. Every operation takes the user id: there is no way to search
or delete across tenants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from muninn_memory.vectors.port import SearchFilters


@dataclass(frozen=True)
class IndexedMemory:
    memory_id: str
    user_id: str
    text: str
    type: str
    context: str | None = None
    importance: int = 5
    occurred_at: datetime | None = None
    entities: tuple[str, ...] = ()
    source: str | None = None
    contact_ids: tuple[str, ...] = ()
    # Who said the message it comes from: a question about a person is mostly answered by
    # what that person said, not by what others said to them.
    speaker: str | None = None
    # The question a chat message answers, with its asker ("Caroline: What are their
    # names?"): the reply is indexed once more behind it (retrieval/parts.py).
    answers: str | None = None
    # 0: the memory itself. n >= 1: its n-th sentence part, or its answer part
    # (retrieval/parts.py), a point of its own whose hits count for the memory.
    part: int = 0


@dataclass(frozen=True)
class ScoredMemory:
    memory_id: str
    score: float
    components: dict[str, float] = field(default_factory=dict)


class MemoryIndex(Protocol):
    """Hybrid (dense + sparse) index of one embedding model's vector space."""

    @property
    def model_id(self) -> str: ...

    async def upsert(self, memories: list[IndexedMemory]) -> None: ...

    async def prepare(self, user_id: str, memories: list[IndexedMemory]) -> None:
        """Compute what upserting these memories of ``user_id`` will need (the embeddings of
        their texts and sentence parts) ahead of it, while the caller does other work; the
        upsert then reuses it."""
        ...

    async def delete(self, user_id: str, memory_ids: list[str]) -> None: ...

    async def delete_user(self, user_id: str) -> None: ...

    async def search(
        self,
        user_id: str,
        query: str,
        *,
        limit: int = 10,
        filters: SearchFilters | None = None,
        now: datetime | None = None,
    ) -> list[ScoredMemory]: ...

    async def count(self, user_id: str) -> int: ...

    async def close(self) -> None: ...
