"""What the hybrid index needs from a vector store (Qdrant Edge or a Qdrant server)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol

from muninn_memory.embeddings.port import Vector
from muninn_memory.retrieval.lexical import SparseVector
from muninn_memory.retrieval.port import IndexedMemory


@dataclass(frozen=True)
class SearchFilters:
    """What a search keeps, applied by the vector store to the points' payload."""

    types: tuple[str, ...] = ()
    context: str | None = None
    min_importance: int | None = None
    max_importance: int | None = None
    occurred_after: datetime | None = None
    occurred_before: datetime | None = None
    entities: tuple[str, ...] = ()
    source: str | None = None
    contact_ids: tuple[str, ...] = ()
    """Keep memories about any of these contacts."""
    any_contact: bool = False
    """Keep only memories about some contact (people search)."""


@dataclass(frozen=True)
class StoredPoint:
    """A memory with its vectors.

    ``dense`` is None only while a model switch is under way and the previous model cannot
    be run any more: the point is then found through its keywords alone.
    """

    memory: IndexedMemory
    dense: Vector | None
    sparse: SparseVector


@dataclass(frozen=True)
class VectorQuery:
    using: Literal["dense", "sparse"]
    vector: Vector | SparseVector
    limit: int


class Candidate(NamedTuple):
    """One hit of a vector query (a few hundred per search: a tuple is the cheapest to build).

    ``key`` is the memory id, or for a hit on one of its sentence parts the memory id and the
    part's number (``schema.point_key``); ``payload["memory_id"]`` is always the memory's."""

    key: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class ScanPage:
    memories: list[IndexedMemory]
    next_offset: str | None


class VectorStore(Protocol):
    """One collection (one embedding space). Every read and delete is scoped to a user.

    The exceptions are :meth:`scan`, :meth:`present` and :meth:`insert_missing`, which walk
    the whole collection for re-embedding into a new model's collection; they are never
    reachable from a search.
    """

    @property
    def collection(self) -> str: ...

    async def open(self) -> None:
        """Create the collection and its payload indexes if missing (idempotent)."""
        ...

    async def upsert(self, points: list[StoredPoint]) -> None: ...

    async def delete(self, user_id: str, memory_ids: list[str]) -> None:
        """The memories' points, their sentence parts with them."""
        ...

    async def delete_parts(self, user_id: str, parts: list[tuple[str, int]]) -> None:
        """These sentence parts, ``(memory id, part number)``, and nothing else."""
        ...

    async def delete_user(self, user_id: str) -> None: ...

    async def query(
        self, user_id: str, queries: list[VectorQuery], filters: SearchFilters | None
    ) -> list[list[Candidate]]:
        """Run the queries (in one batch where the store can) under the user's filter.

        Sparse queries compute IDF over the user's memories only.
        """
        ...

    async def count(self, user_id: str) -> int:
        """The user's memories (their sentence parts are not counted)."""
        ...

    async def size(self) -> int:
        """Memories of every tenant (progress of a re-embed)."""
        ...

    async def scan(self, offset: str | None, limit: int) -> ScanPage:
        """Every tenant's memories in point-id order, rebuilt from the stored payload."""
        ...

    async def present(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which ``(user_id, memory_id)`` pairs have a point of the memory itself here."""
        ...

    async def insert_missing(self, points: list[StoredPoint]) -> None:
        """Insert points whose id is absent; never overwrite (a newer write may be there)."""
        ...

    async def read_meta(self) -> dict[str, Any] | None:
        """The collection's own record (model, state of a re-embed), kept in a reserved point."""
        ...

    async def write_meta(self, meta: dict[str, Any]) -> None: ...

    async def close(self) -> None: ...


class VectorBackend(Protocol):
    """Where collections live: a directory of Edge shards or a Qdrant server."""

    @property
    def name(self) -> str: ...

    async def collections(self) -> list[str]: ...

    def store(self, collection: str, dimension: int) -> VectorStore: ...

    async def drop(self, collection: str) -> None: ...

    async def close(self) -> None: ...
