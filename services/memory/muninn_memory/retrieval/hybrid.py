"""The hybrid memory index: dense + sparse vectors in one collection per embedding model.

Opening the index finds which collection holds the data. When it is the configured model's,
reads and writes go there. When the data is in another model's collection (the model was
changed), a background re-embed fills the new collection while reads keep being served from
the old one and writes go to both; when the copy is complete reads switch over and the old
collection is dropped (or kept, retired and never read, with ``keep_previous``).

Every search, count and delete takes a user id and reaches the store only through a filter
that starts with it.
"""

from __future__ import annotations

import asyncio
from array import array
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from muninn_shared.background import BackgroundTasks
from muninn_shared.logging import get_logger

from muninn_memory.embeddings.port import Embedder, EmbeddingError, Vector
from muninn_memory.retrieval.lexical import SparseEncoder, SparseVector
from muninn_memory.retrieval.migration import MigrationStatus, Reembedder
from muninn_memory.retrieval.parts import parts_of
from muninn_memory.retrieval.port import IndexedMemory, ScoredMemory
from muninn_memory.retrieval.ranking import RankingTuning, profile, rank
from muninn_memory.retrieval.spaces import (
    CollectionState,
    QueryVectorCache,
    Space,
    meta_state,
    new_meta,
    utc_now_iso,
)
from muninn_memory.retrieval.timing import stage
from muninn_memory.vectors.port import (
    Candidate,
    SearchFilters,
    StoredPoint,
    VectorBackend,
    VectorQuery,
)
from muninn_memory.vectors.schema import (
    ANSWER_PART,
    collection_name,
    parse_collection_name,
    tenant_condition,
)

log = get_logger(__name__)

EmbedderBuilder = Callable[[dict[str, Any]], Embedder | None]

PREPARED_LIMIT = 2048
"""Embeddings computed ahead of their upsert that are kept waiting for it, at most (the oldest
go first: they belong to a job that failed after preparing). Stored as float32, ~1.5 KB each."""


class HybridIndex:
    def __init__(
        self,
        backend: VectorBackend,
        embedder: Embedder,
        *,
        embedder_spec: dict[str, Any] | None = None,
        previous_embedder: EmbedderBuilder | None = None,
        keep_previous: bool = False,
        tuning: RankingTuning | None = None,
        encoder: SparseEncoder | None = None,
        reembed_batch: int = 64,
        split_sentences: bool = True,
    ) -> None:
        """``split_sentences``: index chat messages sentence by sentence as well, and replies
        behind the question they answer (retrieval/parts.py); off, a re-indexed memory loses
        the parts it had."""
        self._backend = backend
        self._embedder = embedder
        self._spec = embedder_spec or {"model_id": embedder.model_id}
        self._previous_embedder = previous_embedder
        self._keep_previous = keep_previous
        self.tuning = tuning or RankingTuning()
        self._encoder = encoder or SparseEncoder()
        self._reembed_batch = reembed_batch
        self._split_sentences = split_sentences
        self._read: Space | None = None
        self._writes: list[Space] = []
        self._owned_embedders: list[Embedder] = [embedder]
        self._write_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()
        self._reembedder: Reembedder | None = None
        # The re-embed starts when the index opens and ends with it, not with a service: an
        # index outlives the app in tests, so it supervises its own background task.
        self._background = BackgroundTasks("memory")
        self._migrated: asyncio.Future[None] | None = None
        self._closed = False
        self._prepared: dict[str, array[float]] = {}

    def on_backend(self, backend: VectorBackend) -> HybridIndex:
        """The same index (model, tuning) over another vector store — a BYOD user's own
        Qdrant. It shares this index's embedder, which it leaves open when it closes."""
        other = HybridIndex(
            backend,
            self._embedder,
            embedder_spec=self._spec,
            tuning=self.tuning,
            encoder=self._encoder,
            reembed_batch=self._reembed_batch,
            split_sentences=self._split_sentences,
        )
        other._owned_embedders = []
        return other

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    @property
    def backend(self) -> VectorBackend:
        return self._backend

    @property
    def read_collection(self) -> str | None:
        return self._read.collection if self._read else None

    def migration_status(self) -> MigrationStatus:
        if self._reembedder is not None:
            return self._reembedder.status
        return MigrationStatus("idle", target=self.read_collection)

    async def open(self) -> None:
        await self._ready()

    async def warm_up(self) -> None:
        """Open the collections and load the model now, not on the first search: a cold model
        would make that search (and a conversation's recall waiting on it) time out."""
        await self._ready()
        try:
            await self._embedder.embed_query("warm up")
        except EmbeddingError as exc:  # a remote model may come up after this service
            log.warning("embedding model not reachable at start-up", error=str(exc))

    async def wait_for_migration(self) -> None:
        await self._ready()
        if self._migrated is not None:
            await asyncio.shield(self._migrated)  # cancelled if the index is closed first

    async def _ready(self) -> Space:
        if self._read is not None:
            return self._read
        async with self._open_lock:
            if self._closed:
                raise RuntimeError("the memory index is closed")
            if self._read is None:
                await self._open()
            assert self._read is not None
            return self._read

    def _space(self, name: str, dimension: int, embedder: Embedder | None, model_id: str) -> Space:
        return Space(
            self._backend.store(name, dimension), embedder, model_id, dimension, QueryVectorCache()
        )

    async def _open(self) -> None:
        dimension = self._embedder.dimension
        target_name = collection_name(self._embedder.model_id, dimension)
        target = self._space(target_name, dimension, self._embedder, self._embedder.model_id)
        existing = await self._backend.collections()
        target_meta: dict[str, Any] | None = None
        if target_name in existing:
            await target.store.open()
            target_meta = await target.store.read_meta()
            state = meta_state(target_meta)
            if state is CollectionState.COMPLETE:
                self._serve(target)
                return
            if state is CollectionState.RETIRED:
                # A model used before, switched away from and now back: its vectors are stale.
                await self._backend.drop(target_name)
                target = self._space(
                    target_name, dimension, self._embedder, self._embedder.model_id
                )
                target_meta = None
        source = await self._find_source(
            exclude=target_name, preferred=(target_meta or {}).get("source")
        )
        await target.store.open()
        if source is None:
            if target_meta is not None:
                log.warning(
                    "re-embed source is gone; serving the partial collection",
                    collection=target_name,
                )
            await target.store.write_meta(
                new_meta(
                    self.model_id,
                    dimension,
                    self._spec,
                    CollectionState.COMPLETE,
                    completed_at=utc_now_iso(),
                )
            )
            self._serve(target)
            return
        if target_meta is None:
            target_meta = new_meta(
                self.model_id,
                dimension,
                self._spec,
                CollectionState.BUILDING,
                source=source.collection,
            )
            await target.store.write_meta(target_meta)
        self._read = source
        self._writes = [target, source]
        reembedder = self._reembedder = Reembedder(
            source,
            target,
            encoder=self._encoder,
            write_lock=self._write_lock,
            on_complete=lambda: self._switch(source, target),
            cursor=target_meta.get("cursor"),
            copied=int(target_meta.get("copied") or 0),
            batch=self._reembed_batch,
        )
        log.info(
            "re-embedding memories for a new model", source=source.collection, target=target_name
        )
        migrated = self._migrated = asyncio.get_running_loop().create_future()

        async def reembed() -> None:
            await reembedder.run()
            if not migrated.done():
                migrated.set_result(None)

        self._background.add(f"reembed-{target_name}", reembed)
        await self._background.start()

    def _serve(self, space: Space) -> None:
        self._read = space
        self._writes = [space]

    async def _find_source(self, *, exclude: str, preferred: str | None) -> Space | None:
        best: tuple[str, Space] | None = None
        for name in await self._backend.collections():
            parsed = parse_collection_name(name)
            if name == exclude or parsed is None:
                continue
            store = self._backend.store(name, parsed[1])
            await store.open()
            meta = await store.read_meta()
            if meta_state(meta) is not CollectionState.COMPLETE:
                continue
            if await store.size() == 0 and name != preferred:
                continue
            embedder = (
                self._previous_embedder(meta["embedder"])
                if meta and self._previous_embedder
                else None
            )
            if embedder is not None:
                self._owned_embedders.append(embedder)
            else:
                log.warning(
                    "previous model unavailable; its collection is searched by keywords",
                    collection=name,
                )
            space = Space(store, embedder, parsed[0], parsed[1], QueryVectorCache())
            rank_key = "~" if name == preferred else str((meta or {}).get("completed_at") or "")
            if best is None or rank_key > best[0]:
                best = (rank_key, space)
        return best[1] if best else None

    async def _switch(self, source: Space, target: Space) -> None:
        async with self._write_lock:
            meta = await target.store.read_meta() or {}
            meta.update(
                state=CollectionState.COMPLETE.value, cursor=None, completed_at=utc_now_iso()
            )
            await target.store.write_meta(meta)
            self._serve(target)
            if self._keep_previous:
                old = await source.store.read_meta() or {}
                old.update(state=CollectionState.RETIRED.value, retired_at=utc_now_iso())
                await source.store.write_meta(old)
            else:
                await self._backend.drop(source.collection)

    async def close(self) -> None:
        self._closed = True
        await self._background.stop()
        if self._migrated is not None and not self._migrated.done():
            self._migrated.cancel()
        await self._backend.close()
        for embedder in self._owned_embedders:
            await embedder.close()

    # -- writes ------------------------------------------------------------------------------

    async def prepare(self, user_id: str, memories: list[IndexedMemory]) -> None:
        """Embed memories about to be upserted (and their sentence parts) with this index's
        model, while the caller does other work (an ingestion job embeds during its
        transaction): their upsert then takes these vectors instead of waiting for the model.
        A text already prepared is not embedded again."""
        tenant_condition(user_id)
        texts = [m.text for m in self._with_parts(memories)[0]]
        wanted = [text for text in dict.fromkeys(texts) if text not in self._prepared]
        if not wanted:
            return
        vectors = await self._embedder.embed_documents(wanted)
        for text, vector in zip(wanted, vectors, strict=True):
            self._prepared[text] = array("f", vector)
        while len(self._prepared) > PREPARED_LIMIT:
            del self._prepared[next(iter(self._prepared))]

    async def _embed_documents(self, space: Space, texts: list[str]) -> list[Vector]:
        """The space's vectors for ``texts``: those prepared for its model, the rest embedded
        now (each text once)."""
        assert space.embedder is not None
        if space.embedder is not self._embedder:
            return await space.embedder.embed_documents(texts)
        found = {t: self._prepared.pop(t).tolist() for t in set(texts) if t in self._prepared}
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            found.update(zip(missing, await space.embedder.embed_documents(missing), strict=True))
        return [found[text] for text in texts]

    async def upsert(self, memories: list[IndexedMemory]) -> None:
        if not memories:
            return
        for m in memories:
            tenant_condition(m.user_id)
        await self._ready()
        memories, stale = self._with_parts(memories)
        texts = [m.text for m in memories]
        sparse = [self._encoder.document(m.text) for m in memories]
        dense_by_model: dict[str, list[Vector]] = {}
        for space in list(self._writes):
            if space.embedder is not None and space.model_id not in dense_by_model:
                with stage("embed.documents"):
                    dense_by_model[space.model_id] = await self._embed_documents(space, texts)
        with stage("index.write"):
            await self._write_points(memories, texts, sparse, dense_by_model, stale)

    def _with_parts(
        self, memories: list[IndexedMemory]
    ) -> tuple[list[IndexedMemory], dict[str, list[tuple[str, int]]]]:
        """The memories with their sentence parts, and by user the parts they no longer have
        (a message edited to fewer sentences; every part, with splitting off)."""
        out: list[IndexedMemory] = []
        stale: dict[str, list[tuple[str, int]]] = {}
        for memory in memories:
            out.append(memory)
            if memory.part:  # a part copied as it is (a re-embed writes them one by one)
                continue
            parts = parts_of(memory) if self._split_sentences else []
            out.extend(parts)
            kept = {part.part for part in parts}
            stale.setdefault(memory.user_id, []).extend(
                (memory.memory_id, n) for n in range(1, ANSWER_PART + 1) if n not in kept
            )
        return out, stale

    async def _write_points(
        self,
        memories: list[IndexedMemory],
        texts: list[str],
        sparse: list[SparseVector],
        dense_by_model: dict[str, list[Vector]],
        stale: dict[str, list[tuple[str, int]]],
    ) -> None:
        async with self._write_lock:
            for space in self._writes:
                dense: list[Vector | None]
                if space.embedder is None:
                    dense = [None] * len(memories)
                elif space.model_id in dense_by_model:
                    dense = list(dense_by_model[space.model_id])
                else:
                    dense = list(await space.embedder.embed_documents(texts))
                await space.store.upsert(
                    [StoredPoint(m, d, s) for m, d, s in zip(memories, dense, sparse, strict=True)]
                )
                for user_id, parts in stale.items():
                    await space.store.delete_parts(user_id, parts)

    async def delete(self, user_id: str, memory_ids: list[str]) -> None:
        tenant_condition(user_id)
        if not memory_ids:
            return
        await self._ready()
        async with self._write_lock:
            for space in self._writes:
                await space.store.delete(user_id, memory_ids)

    async def delete_user(self, user_id: str) -> None:
        tenant_condition(user_id)
        await self._ready()
        async with self._write_lock:
            for space in self._writes:
                await space.store.delete_user(user_id)

    # -- reads -------------------------------------------------------------------------------

    async def search(
        self,
        user_id: str,
        query: str,
        *,
        limit: int = 10,
        filters: SearchFilters | None = None,
        now: datetime | None = None,
    ) -> list[ScoredMemory]:
        tenant_condition(user_id)
        if limit < 1 or not query.strip():
            return []
        space = await self._ready()
        n = max(self.tuning.candidates, limit)
        sparse = VectorQuery("sparse", self._encoder.query(query), n)
        dense_hits, sparse_hits = await self._candidates(space, user_id, query, sparse, filters)
        with stage("rank"):
            owners = {
                c.key: c.payload["memory_id"]
                for hits in (dense_hits, sparse_hits)
                for c in hits
                if "part" in c.payload
            }
            return rank(
                dense_hits,
                sparse_hits,
                profile(query, now or datetime.now(UTC)),
                limit=limit,
                tuning=self.tuning,
                owners=owners,
            )

    async def _candidates(
        self,
        space: Space,
        user_id: str,
        query: str,
        sparse: VectorQuery,
        filters: SearchFilters | None,
    ) -> tuple[list[Candidate], list[Candidate]]:
        """Dense and sparse candidates, asked in one batch once the question is embedded.

        The keyword leg does not run during the embedding: the offline model's threads take
        the cores, so a leg beside them slowed the embedding by about what it saved, and each
        leg apart cost a hand-off to a worker thread and back (one batch: p95 -1 ms in
        process, bench/README.md). Beside a hosted model it would save under a millisecond of
        the model's round trip."""
        dense = await self._embed(space, query) if space.embedder is not None else None
        queries = [VectorQuery("dense", dense, sparse.limit)] if dense is not None else []
        with stage("index"):
            results = await space.store.query(user_id, [*queries, sparse], filters)
        return (results[0] if dense is not None else []), results[-1]

    @staticmethod
    async def _embed(space: Space, query: str) -> Vector:
        cached = space.cached_query_vector(query)
        if cached is not None:
            return cached
        with stage("embed"):
            vector = await space.query_vector(query)
        assert vector is not None  # the space has a model
        return vector

    async def count(self, user_id: str) -> int:
        tenant_condition(user_id)
        space = await self._ready()
        return await space.store.count(user_id)
