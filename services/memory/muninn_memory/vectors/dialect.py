"""What both vector store adapters do alike, each in its own client's types.

An adapter names its client's types once, as a :class:`Dialect`; from it come the filters,
a point's vectors, the payload indexes, the batch of queries and what is read back from
the points. The calls to the client (and when they run) stay the adapter's own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, Protocol

from muninn_memory.retrieval.lexical import SparseVector
from muninn_memory.vectors.port import Candidate, ScanPage, StoredPoint, VectorQuery
from muninn_memory.vectors.schema import (
    DATETIME_FIELDS,
    DENSE_VECTOR,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    META_FIELD,
    SPARSE_VECTOR,
    TENANT_FIELD,
    Condition,
    IntRange,
    MatchAny,
    MatchValue,
    TimeRange,
    memory_from_payload,
    payload_of,
    point_id,
    point_key,
)


class Record(Protocol):
    """A point read back from either client."""

    @property
    def payload(self) -> dict[str, Any] | None: ...


class Dialect(ABC):
    """One client's types for what both adapters store and ask."""

    # Payload index schemas: the tenant's keyword index, then one per field kind.
    tenant_index: Any
    keyword_index: Any
    integer_index: Any
    datetime_index: Any

    @abstractmethod
    def match_value(self, key: str, value: Any) -> Any: ...

    @abstractmethod
    def match_any(self, key: str, values: list[Any]) -> Any: ...

    @abstractmethod
    def int_range(self, key: str, gte: int | None, lte: int | None) -> Any: ...

    @abstractmethod
    def time_range(self, key: str, gte: str | None, lte: str | None) -> Any: ...

    @abstractmethod
    def all_of(self, must: list[Any]) -> Any:
        """The filter of conditions that must all hold."""

    @abstractmethod
    def sparse(self, indices: list[int], values: list[float]) -> Any: ...

    @abstractmethod
    def request(self, vector: Any, using: str, limit: int, selector: Any, params: Any) -> Any:
        """One nearest-neighbour query of a batch."""

    def filter(self, conds: list[Condition]) -> Any:
        must: list[Any] = []
        for cond in conds:
            if isinstance(cond, MatchValue):
                must.append(self.match_value(cond.key, cond.value))
            elif isinstance(cond, MatchAny):
                must.append(self.match_any(cond.key, list(cond.values)))
            elif isinstance(cond, IntRange):
                must.append(self.int_range(cond.key, cond.gte, cond.lte))
            elif isinstance(cond, TimeRange):
                must.append(self.time_range(cond.key, cond.gte, cond.lte))
        return self.all_of(must)

    def point(self, point: StoredPoint) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Id, vectors and payload of a memory's point."""
        sparse = point.sparse
        vectors: dict[str, Any] = {SPARSE_VECTOR: self._sparse_of(sparse)}
        if point.dense is not None:
            vectors[DENSE_VECTOR] = list(point.dense)
        memory = point.memory
        return point_id(memory.user_id, memory.memory_id, memory.part), vectors, payload_of(memory)

    def payload_indexes(self) -> list[tuple[str, Any]]:
        indexes: list[tuple[str, Any]] = [(TENANT_FIELD, self.tenant_index)]
        indexes += [(name, self.keyword_index) for name in KEYWORD_FIELDS]
        indexes += [(name, self.integer_index) for name in INTEGER_FIELDS]
        indexes += [(name, self.datetime_index) for name in DATETIME_FIELDS]
        return indexes

    def requests(
        self, queries: list[VectorQuery], selector: Any, idf: Any
    ) -> tuple[list[Any], list[int]]:
        """The batch for ``queries`` and the slot of each request's answer; an empty sparse
        query is left out (it finds nothing). Sparse queries weigh terms with ``idf``."""
        requests: list[Any] = []
        slots: list[int] = []
        for i, q in enumerate(queries):
            if q.using == SPARSE_VECTOR:
                sparse = q.vector
                assert not isinstance(sparse, list)
                if sparse.is_empty():
                    continue
                requests.append(
                    self.request(self._sparse_of(sparse), SPARSE_VECTOR, q.limit, selector, idf)
                )
            else:
                assert isinstance(q.vector, list)
                requests.append(self.request(list(q.vector), DENSE_VECTOR, q.limit, selector, None))
            slots.append(i)
        return requests, slots

    def _sparse_of(self, sparse: SparseVector) -> Any:
        return self.sparse(list(sparse.indices), list(sparse.values))


def candidates(
    user_id: str, hits: Iterable[tuple[dict[str, Any] | None, float]]
) -> list[Candidate]:
    """The hits on the user's own points (the filter already keeps to them; checked again),
    each under its point's key: a sentence part is a candidate apart from its memory."""
    return [
        Candidate(point_key(payload), float(score), payload)
        for payload, score in hits
        if payload and payload.get(TENANT_FIELD) == user_id
    ]


def scan_page(records: Iterable[Record], next_offset: object | None) -> ScanPage:
    memories = [
        m for r in records if r.payload and (m := memory_from_payload(r.payload)) is not None
    ]
    return ScanPage(memories, str(next_offset) if next_offset is not None else None)


def meta_of(records: Iterable[Record]) -> dict[str, Any] | None:
    """The collection's own record, from what was read at its reserved point."""
    for record in records:
        meta = (record.payload or {}).get(META_FIELD)
        if isinstance(meta, dict):
            return meta
    return None
