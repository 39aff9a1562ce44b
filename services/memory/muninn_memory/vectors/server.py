"""Vector store on a Qdrant server through qdrant-client (Compose and Kubernetes deployments).

The same adapter runs against qdrant-client's local mode (in memory or on a path), which is
how the tests exercise it; local mode ignores payload indexes and filters in Python.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

from muninn_shared.content_schema.vectors import SINGLE_NODE, CollectionLayout
from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

from muninn_memory.vectors.dialect import Dialect, candidates, meta_of, scan_page
from muninn_memory.vectors.port import (
    Candidate,
    ScanPage,
    SearchFilters,
    StoredPoint,
    VectorQuery,
    VectorStore,
)
from muninn_memory.vectors.schema import (
    COLLECTION_PREFIX,
    DENSE_VECTOR,
    META_FIELD,
    META_POINT_ID,
    SPARSE_VECTOR,
    Condition,
    conditions,
    parts_condition,
    point_id,
    point_ids_of,
    tenant_condition,
)

_UPSERT_BATCH = 256


class QdrantDialect(Dialect):
    tenant_index = qm.KeywordIndexParams(type=qm.KeywordIndexType.KEYWORD, is_tenant=True)
    keyword_index = qm.PayloadSchemaType.KEYWORD
    integer_index = qm.PayloadSchemaType.INTEGER
    datetime_index = qm.PayloadSchemaType.DATETIME

    def match_value(self, key: str, value: Any) -> qm.FieldCondition:
        return qm.FieldCondition(key=key, match=qm.MatchValue(value=value))

    def match_any(self, key: str, values: list[Any]) -> qm.FieldCondition:
        return qm.FieldCondition(key=key, match=qm.MatchAny(any=values))

    def int_range(self, key: str, gte: int | None, lte: int | None) -> qm.FieldCondition:
        return qm.FieldCondition(key=key, range=qm.Range(gte=gte, lte=lte))

    def time_range(self, key: str, gte: str | None, lte: str | None) -> qm.FieldCondition:
        return qm.FieldCondition(key=key, range=qm.DatetimeRange(gte=gte, lte=lte))

    def all_of(self, must: list[Any]) -> qm.Filter:
        return qm.Filter(must=must)

    def sparse(self, indices: list[int], values: list[float]) -> qm.SparseVector:
        return qm.SparseVector(indices=indices, values=values)

    def request(
        self, vector: Any, using: str, limit: int, selector: Any, params: Any
    ) -> qm.QueryRequest:
        return qm.QueryRequest(
            query=vector,
            using=using,
            filter=selector,
            limit=limit,
            with_payload=True,
            params=params,
        )


QDRANT = QdrantDialect()


def qdrant_filter(conds: list[Condition]) -> qm.Filter:
    selector: qm.Filter = QDRANT.filter(conds)
    return selector


def _point(point: StoredPoint) -> qm.PointStruct:
    id_, vectors, payload = QDRANT.point(point)
    return qm.PointStruct(id=id_, vector=vectors, payload=payload)


class QdrantVectorStore:
    def __init__(
        self,
        client: AsyncQdrantClient,
        collection: str,
        dimension: int,
        layout: CollectionLayout = SINGLE_NODE,
    ) -> None:
        self._client = client
        self._collection = collection
        self._dimension = dimension
        self._layout = layout
        self._opened = False
        self._open_lock = asyncio.Lock()

    @property
    def collection(self) -> str:
        return self._collection

    async def open(self) -> None:
        async with self._open_lock:
            if self._opened:
                return
            if not await self._client.collection_exists(self._collection):
                await self._client.create_collection(
                    self._collection,
                    vectors_config={
                        DENSE_VECTOR: qm.VectorParams(
                            size=self._dimension, distance=qm.Distance.COSINE
                        )
                    },
                    sparse_vectors_config={
                        SPARSE_VECTOR: qm.SparseVectorParams(modifier=qm.Modifier.IDF)
                    },
                    # Local mode accepts and ignores these; a server fixes them at creation.
                    shard_number=self._layout.shard_number,
                    replication_factor=self._layout.replication_factor,
                    write_consistency_factor=self._layout.write_consistency_factor,
                )
                existing: set[str] = set()
            else:
                # A collection made by an earlier version may lack a newer field's index.
                info = await self._client.get_collection(self._collection)
                existing = set(info.payload_schema or {})
            with warnings.catch_warnings():
                # Local mode keeps no payload indexes and says so; the server does.
                warnings.simplefilter("ignore")
                for name, schema in QDRANT.payload_indexes():
                    if name not in existing:
                        await self._client.create_payload_index(
                            self._collection, name, field_schema=schema
                        )
            self._opened = True

    async def upsert(self, points: list[StoredPoint]) -> None:
        await self._put(points, None)

    async def insert_missing(self, points: list[StoredPoint]) -> None:
        await self._put(points, qm.UpdateMode.INSERT_ONLY)

    async def _put(self, points: list[StoredPoint], mode: qm.UpdateMode | None) -> None:
        for start in range(0, len(points), _UPSERT_BATCH):
            batch = [_point(p) for p in points[start : start + _UPSERT_BATCH]]
            await self._client.upsert(self._collection, batch, wait=True, update_mode=mode)

    async def delete(self, user_id: str, memory_ids: list[str]) -> None:
        if not memory_ids:
            return
        tenant_condition(user_id)
        ids: list[qm.ExtendedPointId] = [i for m in memory_ids for i in point_ids_of(user_id, m)]
        await self._client.delete(self._collection, qm.PointIdsList(points=ids), wait=True)

    async def delete_parts(self, user_id: str, parts: list[tuple[str, int]]) -> None:
        if not parts:
            return
        tenant_condition(user_id)
        ids: list[qm.ExtendedPointId] = [point_id(user_id, m, n) for m, n in parts if n > 0]
        await self._client.delete(self._collection, qm.PointIdsList(points=ids), wait=True)

    async def delete_user(self, user_id: str) -> None:
        selector = qdrant_filter([tenant_condition(user_id)])
        await self._client.delete(self._collection, qm.FilterSelector(filter=selector), wait=True)

    async def query(
        self, user_id: str, queries: list[VectorQuery], filters: SearchFilters | None
    ) -> list[list[Candidate]]:
        selector = qdrant_filter(conditions(user_id, filters))
        idf = qm.SearchParams(
            idf=qm.IdfCorpusParams(corpus=qdrant_filter([tenant_condition(user_id)]))
        )
        requests, slots = QDRANT.requests(queries, selector, idf)
        out: list[list[Candidate]] = [[] for _ in queries]
        if not requests:
            return out
        responses = await self._client.query_batch_points(self._collection, requests)
        for slot, response in zip(slots, responses, strict=True):
            hits = ((dict(p.payload) if p.payload else None, p.score) for p in response.points)
            out[slot] = candidates(user_id, hits)
        return out

    async def count(self, user_id: str) -> int:
        everything = await self._client.count(
            self._collection, count_filter=qdrant_filter([tenant_condition(user_id)])
        )
        parts = await self._client.count(
            self._collection,
            count_filter=qdrant_filter([tenant_condition(user_id), parts_condition()]),
        )
        return everything.count - parts.count

    async def size(self) -> int:
        total = (await self._client.count(self._collection)).count
        return max(0, total - (1 if await self.read_meta() is not None else 0))

    async def scan(self, offset: str | None, limit: int) -> ScanPage:
        records, next_offset = await self._client.scroll(
            self._collection, limit=limit, offset=offset, with_payload=True, with_vectors=False
        )
        return scan_page(records, next_offset)

    async def present(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        if not keys:
            return set()
        by_id = {point_id(u, m): (u, m) for u, m in keys}
        ids: list[qm.ExtendedPointId] = list(by_id)
        records = await self._client.retrieve(
            self._collection, ids, with_payload=False, with_vectors=False
        )
        return {by_id[str(r.id)] for r in records if str(r.id) in by_id}

    async def read_meta(self) -> dict[str, Any] | None:
        records = await self._client.retrieve(self._collection, [META_POINT_ID], with_payload=True)
        return meta_of(records)

    async def write_meta(self, meta: dict[str, Any]) -> None:
        point = qm.PointStruct(id=META_POINT_ID, vector={}, payload={META_FIELD: meta})
        await self._client.upsert(self._collection, [point], wait=True)

    async def close(self) -> None:
        self._opened = False


class QdrantBackend:
    """Collections on a Qdrant server (or in qdrant-client's local mode)."""

    def __init__(self, client: AsyncQdrantClient, layout: CollectionLayout = SINGLE_NODE) -> None:
        """``layout``: the hosted server's from settings; a BYOD user's own Qdrant keeps the
        single-node default."""
        self._client = client
        self._layout = layout
        self._stores: dict[str, QdrantVectorStore] = {}

    @property
    def name(self) -> str:
        return "qdrant"

    @property
    def client(self) -> AsyncQdrantClient:
        return self._client

    async def collections(self) -> list[str]:
        response = await self._client.get_collections()
        return sorted(c.name for c in response.collections if c.name.startswith(COLLECTION_PREFIX))

    def store(self, collection: str, dimension: int) -> VectorStore:
        existing = self._stores.get(collection)
        if existing is None:
            existing = self._stores[collection] = QdrantVectorStore(
                self._client, collection, dimension, self._layout
            )
        return existing

    async def drop(self, collection: str) -> None:
        self._stores.pop(collection, None)
        if await self._client.collection_exists(collection):
            await self._client.delete_collection(collection)

    async def close(self) -> None:
        self._stores.clear()
        await self._client.close()
