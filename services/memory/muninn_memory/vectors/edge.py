"""Embedded vector store on Qdrant Edge: one on-disk shard per collection, in-process.

Qdrant Edge is synchronous; every call runs on a worker thread so the event loop never
waits on disk or on a search. Updates are serialised (one writer), searches run in parallel.
Segments are optimised (HNSW built, payload indexes compacted) in the background once enough
points have arrived unindexed: until then searches scan the user's points exactly, which the
tenant-keyed payload index keeps cheap.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import qdrant_edge as qe
from muninn_shared.logging import get_logger

from muninn_memory.vectors.dialect import Dialect, candidates, meta_of, scan_page
from muninn_memory.vectors.payload_cache import DEFAULT_LIMIT as DEFAULT_PAYLOAD_CACHE
from muninn_memory.vectors.payload_cache import Payload, PayloadCache
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

log = get_logger(__name__)

T = TypeVar("T")

_UPSERT_BATCH = 512
# Points written since the last optimisation above which one is started in the background.
DEFAULT_OPTIMIZE_AFTER = 20_000


class EdgeDialect(Dialect):
    tenant_index = qe.KeywordIndexParams(is_tenant=True)
    keyword_index = qe.PayloadSchemaType.Keyword
    integer_index = qe.PayloadSchemaType.Integer
    datetime_index = qe.PayloadSchemaType.Datetime

    def match_value(self, key: str, value: Any) -> qe.FieldCondition:
        return qe.FieldCondition(key, match=qe.MatchValue(value))

    def match_any(self, key: str, values: list[Any]) -> qe.FieldCondition:
        return qe.FieldCondition(key, match=qe.MatchAny(values))

    def int_range(self, key: str, gte: int | None, lte: int | None) -> qe.FieldCondition:
        return qe.FieldCondition(
            key,
            range=qe.RangeFloat(
                gte=float(gte) if gte is not None else None,
                lte=float(lte) if lte is not None else None,
            ),
        )

    def time_range(self, key: str, gte: str | None, lte: str | None) -> qe.FieldCondition:
        return qe.FieldCondition(key, range=qe.RangeDateTime(gte=gte, lte=lte))

    def all_of(self, must: list[Any]) -> qe.Filter:
        return qe.Filter(must=must)

    def sparse(self, indices: list[int], values: list[float]) -> qe.SparseVector:
        return qe.SparseVector(indices, values)

    def request(
        self, vector: Any, using: str, limit: int, selector: Any, params: Any
    ) -> qe.QueryRequest:
        return qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(vector, using=using),
            filter=selector,
            with_payload=False,
            params=params,
        )


EDGE = EdgeDialect()


def edge_filter(conds: list[Condition]) -> qe.Filter:
    selector: qe.Filter = EDGE.filter(conds)
    return selector


def _edge_point(point: StoredPoint) -> qe.Point:
    return qe.Point(*EDGE.point(point))


class EdgeVectorStore:
    def __init__(
        self,
        path: Path,
        collection: str,
        dimension: int,
        *,
        readers: ThreadPoolExecutor,
        optimize_after: int = DEFAULT_OPTIMIZE_AFTER,
        payload_cache: int = DEFAULT_PAYLOAD_CACHE,
    ) -> None:
        self._path = path
        self._collection = collection
        self._dimension = dimension
        self._readers = readers
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"edge-w-{collection}")
        self._optimize_after = optimize_after
        self._unoptimized = 0
        self._optimizing: asyncio.Future[bool] | None = None
        self._shard: qe.EdgeShard | None = None
        self._open_lock = asyncio.Lock()
        self._payloads = PayloadCache(payload_cache)
        # Reads still running on the shard: closing it under one fails in the engine
        # ("Already borrowed"), and a cancelled search does not stop its read.
        self._reading: set[Future[Any]] = set()

    @property
    def collection(self) -> str:
        return self._collection

    def _config(self) -> qe.EdgeConfig:
        return qe.EdgeConfig(
            vectors={
                DENSE_VECTOR: qe.EdgeVectorParams(size=self._dimension, distance=qe.Distance.Cosine)
            },
            sparse_vectors={SPARSE_VECTOR: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )

    def _open_sync(self) -> qe.EdgeShard:
        config = self._config()
        if self._path.is_dir() and any(self._path.iterdir()):
            shard = qe.EdgeShard.load(str(self._path), config)
        else:
            self._path.mkdir(parents=True, exist_ok=True)
            shard = qe.EdgeShard.create(str(self._path), config)
        existing = shard.info().payload_schema
        for name, schema in EDGE.payload_indexes():
            if name not in existing:
                shard.update(qe.UpdateOperation.create_field_index(name, schema))
        return shard

    async def open(self) -> None:
        async with self._open_lock:
            if self._shard is None:
                self._shard = await self._write(lambda: self._open_sync(), opened=False)

    def _require(self) -> qe.EdgeShard:
        if self._shard is None:
            raise RuntimeError(f"collection {self._collection} is not open")
        return self._shard

    async def _write(self, fn: Callable[[], T], *, opened: bool = True) -> T:
        if opened:
            self._require()
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn)

    async def _read(self, fn: Callable[[], T]) -> T:
        self._require()
        running = self._readers.submit(fn)
        self._reading.add(running)
        running.add_done_callback(self._reading.discard)
        return await asyncio.wrap_future(running)

    async def upsert(self, points: list[StoredPoint]) -> None:
        await self._put(points, qe.UpdateMode.Upsert)

    async def insert_missing(self, points: list[StoredPoint]) -> None:
        await self._put(points, qe.UpdateMode.InsertOnly)

    async def _put(self, points: list[StoredPoint], mode: qe.UpdateMode) -> None:
        if not points:
            return
        shard = self._require()

        def run() -> None:
            for start in range(0, len(points), _UPSERT_BATCH):
                batch = [_edge_point(p) for p in points[start : start + _UPSERT_BATCH]]
                shard.update(qe.UpdateOperation.upsert_points(batch, update_mode=mode))

        try:
            await self._write(run)
        finally:
            self._payloads.invalidate(
                uuid.UUID(point_id(p.memory.user_id, p.memory.memory_id, p.memory.part))
                for p in points
            )
        self._unoptimized += len(points)
        self._maybe_optimize()

    def _maybe_optimize(self) -> None:
        if self._unoptimized < self._optimize_after or self._optimizing is not None:
            return
        self._unoptimized = 0
        shard = self._require()
        future = asyncio.get_running_loop().run_in_executor(self._writer, shard.optimize)
        self._optimizing = future

        def done(f: asyncio.Future[bool]) -> None:
            self._optimizing = None
            if not f.cancelled() and f.exception() is not None:
                log.warning(
                    "edge optimisation failed",
                    collection=self._collection,
                    error=repr(f.exception()),
                )

        future.add_done_callback(done)

    async def optimize(self) -> None:
        """Build HNSW and compact segments now (bulk loads call this once at the end)."""
        self._unoptimized = 0
        await self._write(self._require().optimize)

    async def delete(self, user_id: str, memory_ids: list[str]) -> None:
        if not memory_ids:
            return
        tenant_condition(user_id)
        await self._delete_ids([i for m in memory_ids for i in point_ids_of(user_id, m)])

    async def delete_parts(self, user_id: str, parts: list[tuple[str, int]]) -> None:
        if not parts:
            return
        tenant_condition(user_id)
        await self._delete_ids([point_id(user_id, m, n) for m, n in parts if n > 0])

    async def _delete_ids(self, ids: list[qe.PointId]) -> None:
        shard = self._require()
        try:
            await self._write(lambda: shard.update(qe.UpdateOperation.delete_points(ids)))
        finally:
            self._payloads.invalidate(uuid.UUID(str(i)) for i in ids)

    async def delete_user(self, user_id: str) -> None:
        selector = edge_filter([tenant_condition(user_id)])
        shard = self._require()
        try:
            await self._write(
                lambda: shard.update(qe.UpdateOperation.delete_points_by_filter(selector))
            )
        finally:
            self._payloads.clear()

    async def query(
        self, user_id: str, queries: list[VectorQuery], filters: SearchFilters | None
    ) -> list[list[Candidate]]:
        selector = edge_filter(conditions(user_id, filters))
        # IDF over this user's memories only: another tenant's vocabulary must not shape the ranking.
        idf = qe.SearchParams(idf=qe.IdfParams(corpus=edge_filter([tenant_condition(user_id)])))
        requests, slots = EDGE.requests(queries, selector, idf)
        out: list[list[Candidate]] = [[] for _ in queries]
        if not requests:
            return out
        shard = self._require()
        cache = self._payloads
        generation = cache.generation

        def run() -> tuple[list[list[tuple[Payload | None, float]]], dict[Hashable, Payload]]:
            # Point ids come back as uuid.UUID objects: used as they are (str() per hit
            # doubled the cost of reading a result list).
            hits: list[list[tuple[Hashable, float]]] = [
                [(p.id, p.score) for p in points]
                for points in shard.query_batch(qe.QueryBatchRequest(requests))
            ]
            known = {key: cache.get(key) for found in hits for key, _ in found}
            missing: list[qe.PointId] = [str(k) for k, payload in known.items() if payload is None]
            fetched: dict[Hashable, Payload] = {}
            if missing:
                records = shard.retrieve(missing, with_payload=True, with_vector=False)
                fetched = {r.id: r.payload for r in records if r.payload}
            # Payloads are resolved here, once: a write may drop cache entries meanwhile.
            resolved = [
                [(known[key] or fetched.get(key), score) for key, score in found] for found in hits
            ]
            return resolved, fetched

        results, fetched = await self._read(run)
        cache.fill(fetched, generation)
        for slot, found in zip(slots, results, strict=True):
            out[slot] = candidates(user_id, found)
        return out

    async def count(self, user_id: str) -> int:
        everything = edge_filter([tenant_condition(user_id)])
        parts = edge_filter([tenant_condition(user_id), parts_condition()])
        shard = self._require()

        def run() -> int:
            total: int = shard.count(qe.CountRequest(exact=True, filter=everything))
            return total - int(shard.count(qe.CountRequest(exact=True, filter=parts)))

        return await self._read(run)

    async def size(self) -> int:
        shard = self._require()
        # Everything but the reserved record point.
        total = await self._read(lambda: shard.count(qe.CountRequest(exact=True)))
        return max(0, total - (1 if await self.read_meta() is not None else 0))

    async def scan(self, offset: str | None, limit: int) -> ScanPage:
        shard = self._require()
        records, next_offset = await self._read(
            lambda: shard.scroll(qe.ScrollRequest(offset=offset, limit=limit, with_payload=True))
        )
        return scan_page(records, next_offset)

    async def present(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        if not keys:
            return set()
        by_id = {point_id(u, m): (u, m) for u, m in keys}
        ids: list[qe.PointId] = list(by_id)
        shard = self._require()
        records = await self._read(
            lambda: shard.retrieve(ids, with_payload=False, with_vector=False)
        )
        return {by_id[str(r.id)] for r in records if str(r.id) in by_id}

    async def read_meta(self) -> dict[str, Any] | None:
        shard = self._require()
        records = await self._read(
            lambda: shard.retrieve([META_POINT_ID], with_payload=True, with_vector=False)
        )
        return meta_of(records)

    async def write_meta(self, meta: dict[str, Any]) -> None:
        shard = self._require()
        point = qe.Point(META_POINT_ID, {}, {META_FIELD: meta})
        await self._write(lambda: shard.update(qe.UpdateOperation.upsert_points([point])))

    async def close(self) -> None:
        shard = self._shard
        self._shard = None
        self._payloads.clear()
        if shard is not None:
            if self._optimizing is not None:
                # The optimiser runs on the writer thread: closing waits for it to finish.
                await asyncio.wait([self._optimizing])
            if self._reading:
                await asyncio.wait([asyncio.wrap_future(f) for f in list(self._reading)])

            def shut() -> None:
                shard.flush()
                shard.close()

            await asyncio.get_running_loop().run_in_executor(self._writer, shut)
        self._writer.shutdown(wait=True)


class EdgeBackend:
    """A directory of Edge shards, one sub-directory per collection."""

    def __init__(
        self,
        root: Path,
        *,
        search_threads: int = 2,
        optimize_after: int = DEFAULT_OPTIMIZE_AFTER,
        payload_cache: int = DEFAULT_PAYLOAD_CACHE,
        remove_on_close: bool = False,
    ) -> None:
        self._root = root
        self._remove_on_close = remove_on_close
        self._readers = ThreadPoolExecutor(
            max_workers=max(1, search_threads), thread_name_prefix="edge-r"
        )
        self._optimize_after = optimize_after
        self._payload_cache = payload_cache
        self._stores: dict[str, EdgeVectorStore] = {}

    @property
    def name(self) -> str:
        return "edge"

    @property
    def root(self) -> Path:
        return self._root

    async def collections(self) -> list[str]:
        if not self._root.is_dir():
            return []
        return sorted(
            p.name
            for p in self._root.iterdir()
            if p.is_dir() and p.name.startswith(COLLECTION_PREFIX) and any(p.iterdir())
        )

    def store(self, collection: str, dimension: int) -> VectorStore:
        return self.edge_store(collection, dimension)

    def edge_store(self, collection: str, dimension: int) -> EdgeVectorStore:
        existing = self._stores.get(collection)
        if existing is not None:
            return existing
        store = EdgeVectorStore(
            self._root / collection,
            collection,
            dimension,
            readers=self._readers,
            optimize_after=self._optimize_after,
            payload_cache=self._payload_cache,
        )
        self._stores[collection] = store
        return store

    async def drop(self, collection: str) -> None:
        store = self._stores.pop(collection, None)
        if store is not None:
            await store.close()
        path = self._root / collection
        if path.is_dir():
            await asyncio.to_thread(shutil.rmtree, path)

    async def close(self) -> None:
        stores = list(self._stores.values())
        self._stores.clear()
        for store in stores:
            await store.close()
        self._readers.shutdown(wait=True)
        if self._remove_on_close:
            await asyncio.to_thread(shutil.rmtree, self._root, True)
