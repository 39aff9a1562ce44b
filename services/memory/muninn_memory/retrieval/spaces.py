"""An embedding space: one collection and the model whose vectors fill it.

Also the collection's own record (kept in the collection by the store), which says which
model filled it and whether a re-embed into it has finished.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from muninn_memory.embeddings.port import Embedder, Vector
from muninn_memory.vectors.port import VectorStore


class CollectionState(StrEnum):
    # Filled by re-embedding from another collection; not yet serving reads.
    BUILDING = "building"
    # Holds every memory; may serve reads.
    COMPLETE = "complete"
    # A previous model's collection kept after a switch; stale, never read again.
    RETIRED = "retired"


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat()


def new_meta(
    model_id: str, dimension: int, spec: dict[str, Any], state: CollectionState, **extra: Any
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "model_id": model_id,
        "dimension": dimension,
        "embedder": spec,
        "state": state.value,
        "created_at": utc_now_iso(),
    }
    meta.update(extra)
    return meta


def meta_state(meta: dict[str, Any] | None) -> CollectionState:
    # A collection without a record predates records: it was written directly, so it is whole.
    if meta is None:
        return CollectionState.COMPLETE
    try:
        return CollectionState(str(meta.get("state")))
    except ValueError:
        return CollectionState.COMPLETE


class QueryVectorCache:
    """Recent query embeddings: the same question (a retry, a paging client) costs one model call."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._items: OrderedDict[str, Vector] = OrderedDict()

    def get(self, text: str) -> Vector | None:
        vector = self._items.get(text)
        if vector is not None:
            self._items.move_to_end(text)
        return vector

    def put(self, text: str, vector: Vector) -> None:
        self._items[text] = vector
        self._items.move_to_end(text)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


@dataclass
class Space:
    store: VectorStore
    # None when the model that filled the collection cannot be run any more (e.g. an HTTP
    # model whose endpoint is gone): the collection is then searched by keywords only.
    embedder: Embedder | None
    model_id: str
    dimension: int
    cache: QueryVectorCache

    @property
    def collection(self) -> str:
        return self.store.collection

    def cached_query_vector(self, text: str) -> Vector | None:
        return self.cache.get(text) if self.embedder is not None else None

    async def query_vector(self, text: str) -> Vector | None:
        if self.embedder is None:
            return None
        cached = self.cache.get(text)
        if cached is not None:
            return cached
        vector = await self.embedder.embed_query(text)
        self.cache.put(text, vector)
        return vector
