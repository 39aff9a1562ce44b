"""Composition root of the memory service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from muninn_shared.background import BackgroundTasks
from muninn_shared.metrics import GAUGE_VALUES, INGESTION_BACKLOG
from muninn_shared.model_calls import ModelCallRecorder, outbox_recorder
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app
from muninn_shared.storage.routed import across_stores
from muninn_shared.storage.routes import OwnDatabase, RouteTable

from muninn_memory.admin.router import router as admin_router
from muninn_memory.admin.service import IndexAdmin
from muninn_memory.contacts.handlers import install_contact_consumer
from muninn_memory.contacts.router import router as people_router
from muninn_memory.contacts.service import ContactMemories
from muninn_memory.contacts.store import ContactLinkStore
from muninn_memory.deps import MemoryServices
from muninn_memory.documents.indexing import KIND as CHUNK_KIND
from muninn_memory.documents.indexing import ChunkSource
from muninn_memory.documents.router import router as documents_router
from muninn_memory.documents.service import DocumentService
from muninn_memory.documents.store import CHUNKS, DocumentStore
from muninn_memory.entities.corrections import EntityCorrections
from muninn_memory.entities.router import router as entities_router
from muninn_memory.entities.service import EntityService
from muninn_memory.entities.store import EntityStore
from muninn_memory.erasure.service import memory_eraser
from muninn_memory.extraction.llm import create_chat_client, create_extractor
from muninn_memory.history.log import HistoryLog
from muninn_memory.history.router import router as history_router
from muninn_memory.history.service import HistoryService
from muninn_memory.history.store import HistoryStore
from muninn_memory.indexing.follower import IndexFollower
from muninn_memory.indexing.service import IndexSync
from muninn_memory.ingestion.handlers import install_message_consumer, install_record_consumer
from muninn_memory.ingestion.pipeline import IngestionPipeline
from muninn_memory.ingestion.router import router as ingestion_router
from muninn_memory.ingestion.service import IngestionService
from muninn_memory.ingestion.store import JobStore
from muninn_memory.ingestion.worker import IngestionWorkers
from muninn_memory.lifecycle.runner import PeriodicJob, Work
from muninn_memory.lifecycle.service import LifecycleService
from muninn_memory.mem0_compat.router import router as mem0_router
from muninn_memory.mem0_compat.service import Mem0Compat
from muninn_memory.memories.indexing import MemorySource
from muninn_memory.memories.ledger import MemoryLedger
from muninn_memory.memories.router import router as memories_router
from muninn_memory.memories.search import MemorySearch
from muninn_memory.memories.service import MemoryService
from muninn_memory.memories.store import MEMORIES, MemoryStore
from muninn_memory.profiles.handlers import install_profile_consumer
from muninn_memory.profiles.service import ProfileService
from muninn_memory.profiles.store import ProfileStore
from muninn_memory.reconciliation.service import Reconciler
from muninn_memory.relations.router import router as relations_router
from muninn_memory.relations.service import RelationService
from muninn_memory.relations.store import RelationStore
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.port import MemoryIndex
from muninn_memory.retrieval.routed import OwnIndexFactory, RoutedMemoryIndex
from muninn_memory.settings import MemorySettings
from muninn_memory.summaries.indexing import KIND as SUMMARY_KIND
from muninn_memory.summaries.indexing import SummarySource
from muninn_memory.summaries.llm import LLMSummariser
from muninn_memory.summaries.router import router as summaries_router
from muninn_memory.summaries.service import SummaryService
from muninn_memory.summaries.store import SUMMARIES, SummaryStore
from muninn_memory.vectors.qdrant_client import create_qdrant_client
from muninn_memory.vectors.server import QdrantBackend


def default_index(
    settings: MemorySettings, recorder: ModelCallRecorder | None = None
) -> MemoryIndex:
    from muninn_memory.retrieval.factory import create_memory_index

    index: MemoryIndex = create_memory_index(settings, recorder=recorder)
    return index


@dataclass(frozen=True, kw_only=True)
class MemoryGraph:
    """The memory service's objects, wired; ``start`` and ``stop`` are the runtime's hooks
    (features start before the consumers and stop after them)."""

    services: MemoryServices
    ledger: MemoryLedger
    workers: IngestionWorkers
    index: MemoryIndex
    index_sync: IndexSync
    lifecycle: LifecycleService
    background: BackgroundTasks
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


def every_store(routes: RouteTable | None, work: Work) -> Work:
    """``work`` over the main database and every BYOD user's own (the job's lease is on main:
    one replica runs the round, on each store)."""

    async def on_each(now: datetime) -> list[Any]:
        return await across_stores(routes, lambda: work(now))

    return on_each


def model_call_recorder(runtime: ServiceRuntime) -> ModelCallRecorder:
    """Memory's LLM and embedding requests, recorded as their user's usage (conversation
    keeps the records behind /v1/usage)."""
    return outbox_recorder("memory.model_call.recorded", runtime.outbox)


def own_qdrant_index(hosted: MemoryIndex) -> OwnIndexFactory | None:
    """How a BYOD user's own Qdrant is indexed: the hosted index's model over their server."""
    if not isinstance(hosted, HybridIndex):
        return None

    def over(own: OwnDatabase) -> MemoryIndex:
        assert own.qdrant_url is not None
        client = create_qdrant_client(own.qdrant_url, api_key=own.qdrant_api_key)
        return hosted.on_backend(QdrantBackend(client))

    return over


def build_memory(
    settings: MemorySettings,
    runtime: ServiceRuntime,
    index: MemoryIndex,
    own_index: OwnIndexFactory | None = None,
) -> MemoryGraph:
    """Stores, services, consumers and background loops of memory on ``runtime``; nothing
    runs until ``start`` (or the loops of ``background``). ``own_index`` builds the index of
    a BYOD user's own Qdrant (default: ``index``'s model over it)."""
    hosted = index
    own_index = own_index or own_qdrant_index(hosted)
    if runtime.routes is not None and own_index is not None:
        index = RoutedMemoryIndex(hosted, runtime.routes, own_index)
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.memory_llm_timeout_seconds, connect=5.0)
    )
    calls = model_call_recorder(runtime)

    memory_store = MemoryStore(runtime.stores)
    history_store = HistoryStore(runtime.stores)
    history_log = HistoryLog(history_store)
    entity_store = EntityStore(runtime.stores)
    document_store = DocumentStore(runtime.stores)
    summary_store = SummaryStore(runtime.stores)
    contact_links = ContactLinkStore(runtime.stores)
    relation_store = RelationStore(runtime.stores)
    profiles = ProfileStore(runtime.db)
    profile_service = ProfileService(profiles)
    jobs = JobStore(runtime.db)
    entities = EntityService(entity_store)
    index_sync = IndexSync(
        index,
        sweep_db=runtime.db,
        tombstones=runtime.tombstones,
        interval=settings.index_sync_interval_seconds,
        routes=runtime.routes,
    )
    index_sync.register(MemorySource(memory_store))
    index_sync.register(ChunkSource(document_store))
    index_sync.register(SummarySource(summary_store))
    ledger = MemoryLedger(
        client=runtime.mongo,
        store=memory_store,
        sweep_db=runtime.db,
        history=history_log,
        index_sync=index_sync,
    )
    chat = create_chat_client(settings, http, calls)
    reconciler = Reconciler(
        ledger,
        index,
        candidates=settings.reconciliation_candidates,
        duplicate_similarity=settings.reconciliation_duplicate_similarity,
        correction_similarity=settings.reconciliation_correction_similarity,
    )
    pipeline = IngestionPipeline(
        client=runtime.mongo,
        jobs=jobs,
        memories=ledger,
        entities=entities,
        extractor=create_extractor(settings, http, calls),
        reconciler=reconciler,
        index_sync=index_sync,
        record_contacts=contact_links.contacts_for_new_memories,
    )
    workers = IngestionWorkers(
        jobs,
        pipeline,
        workers=settings.ingestion_workers,
        lease_seconds=settings.ingestion_lease_seconds,
        poll_interval=settings.ingestion_poll_interval_seconds,
        instance_id=settings.instance_id,
        max_attempts=settings.ingestion_max_attempts,
        routes=runtime.routes,
    )
    ingestion = IngestionService(
        jobs,
        workers,
        ledger,
        max_backlog=settings.ingestion_max_backlog,
        max_messages=settings.ingestion_max_messages_per_job,
        wait_timeout=settings.ingestion_wait_timeout_seconds,
        ingest_assistant_messages=settings.ingest_assistant_messages,
    )
    memories = MemoryService(
        client=runtime.mongo,
        store=memory_store,
        history=history_log,
        entities=entities,
        index_sync=index_sync,
    )
    documents = DocumentService(
        client=runtime.mongo,
        store=document_store,
        index_sync=index_sync,
        max_bytes=settings.documents_max_bytes,
        chunk_tokens=settings.documents_chunk_tokens,
        overlap_tokens=settings.documents_chunk_overlap_tokens,
        max_chunks=settings.documents_max_chunks,
    )
    summaries = SummaryService(
        memories=ledger,
        entities=entities,
        store=summary_store,
        llm=LLMSummariser(chat) if chat is not None else None,
        index_sync=index_sync,
    )
    lifecycle = LifecycleService(
        client=runtime.mongo,
        profiles=profile_service,
        memories=ledger,
        history=history_log,
        entities=entities,
        summaries=summaries,
        documents=documents,
        ingestion=ingestion,
        index_sync=index_sync,
        half_life_days=settings.decay_half_life_days,
        decay_floor=settings.decay_floor,
        batch_pause_seconds=settings.lifecycle_batch_pause_seconds,
    )
    background = BackgroundTasks(settings.service_name)
    # Picks up index writes a crash left pending.
    background.add("memory-index-sweep", index_sync.run)
    if settings.index_follow_interval_seconds is not None:
        follower = IndexFollower(
            index_sync,
            db=runtime.db,
            collections={"memory": MEMORIES, CHUNK_KIND: CHUNKS, SUMMARY_KIND: SUMMARIES},
            state_dir=settings.qdrant_path,
            interval=settings.index_follow_interval_seconds,
            overlap=settings.index_follow_overlap_seconds,
        )
        background.add("memory-index-follow", follower.run)
    workers.schedule(background)

    async def measure_ingestion_backlog() -> None:
        GAUGE_VALUES.set(INGESTION_BACKLOG.name, await workers.queued_everywhere())

    background.every(
        "ingestion-backlog-metric", settings.metrics_interval_seconds, measure_ingestion_backlog
    )
    # Once per interval across the replicas (a lease in MongoDB), not once per replica.
    periodic: list[tuple[str, Work, float]] = [
        ("lifecycle", lifecycle.run, settings.lifecycle_interval_seconds)
    ]
    if settings.summaries_enabled:
        periodic.append(
            ("summaries", summaries.summarise_recent, settings.summaries_interval_seconds)
        )
    for name, work, interval in periodic:
        PeriodicJob(
            runtime.db,
            name,
            every_store(runtime.routes, work),
            interval=interval,
            start_delay=settings.background_start_delay_seconds,
        ).schedule(background)
    relations = RelationService(store=relation_store, memories=memories, ledger=ledger)
    memories.on_deleted.append(relations.forget)
    ledger.on_purged.append(relations.forget)
    search = MemorySearch(
        memories=memories,
        store=memory_store,
        documents=documents,
        index=index,
        summaries=summaries,
        relations=relations,
        overfetch=settings.search_overfetch,
    )
    contacts = ContactMemories(
        memories=ledger,
        entities=entities,
        links=contact_links,
        index_sync=index_sync,
        search=search,
    )
    history = HistoryService(memories, history_log)
    services = MemoryServices(
        memories=memories,
        memory_store=memory_store,
        history=history,
        entities=entities,
        entity_corrections=EntityCorrections(
            client=runtime.mongo, entities=entities, store=entity_store, memories=ledger
        ),
        ingestion=ingestion,
        search=search,
        documents=documents,
        summaries=summaries,
        relations=relations,
        contacts=contacts,
        mem0=Mem0Compat(
            memories=memories,
            search_service=search,
            ingestion=ingestion,
            histories=history,
            add_wait_seconds=settings.mem0_add_wait_seconds,
        ),
        index_admin=IndexAdmin(
            index=hosted,
            index_sync=index_sync,
            instance_id=settings.instance_id,
            shared=bool(settings.qdrant_url),
        ),
    )
    install_message_consumer(runtime.consumers, ingestion, profile_service)
    install_record_consumer(runtime.consumers, ingestion, profile_service)
    install_contact_consumer(runtime.consumers, contacts, profile_service)
    install_profile_consumer(runtime.consumers, profiles)
    install_erasure_consumer(runtime, [memory_eraser(index, ingestion, profile_service)])

    async def start_features() -> None:
        await memory_store.ensure_indexes(runtime.db)
        await history_store.ensure_indexes(runtime.db)
        await entity_store.ensure_indexes(runtime.db)
        await document_store.ensure_indexes(runtime.db)
        await summary_store.ensure_indexes(runtime.db)
        await relation_store.ensure_indexes(runtime.db)
        await contact_links.ensure_indexes(runtime.db)
        await profiles.ensure_indexes()
        await jobs.ensure_indexes()
        if isinstance(hosted, HybridIndex):
            await hosted.warm_up()
        await workers.recover()

    async def stop_features() -> None:
        await workers.hand_back()
        await contacts.close()
        await index.close()
        await http.aclose()

    return MemoryGraph(
        services=services,
        ledger=ledger,
        workers=workers,
        index=index,
        index_sync=index_sync,
        lifecycle=lifecycle,
        background=background,
        start=start_features,
        stop=stop_features,
    )


def create_app(
    settings: MemorySettings | None = None,
    *,
    index: MemoryIndex | None = None,
    own_index: OwnIndexFactory | None = None,
) -> FastAPI:
    """``index`` replaces the hosted index, ``own_index`` how a BYOD user's Qdrant is
    reached (tests)."""
    settings = settings or MemorySettings()
    runtime = ServiceRuntime(settings)
    memory = build_memory(
        settings,
        runtime,
        index or default_index(settings, model_call_recorder(runtime)),
        own_index,
    )
    # Runtime hooks, not the app's: features start before the consumers and stop after them;
    # the background loops run in between (the app's lifespan stops them before these hooks).
    runtime.on_startup(memory.start)
    runtime.on_shutdown(memory.stop)
    return build_service_app(
        runtime,
        title="Muninn memory",
        description="Long-term memory: records with history, entities, summaries, documents; hybrid vector search.",
        # Fixed paths (/summaries, /jobs, /search) before /v1/memories/{memory_id}.
        routers=[
            summaries_router,
            ingestion_router,
            memories_router,
            history_router,
            relations_router,
            entities_router,
            documents_router,
            people_router,
            mem0_router,
            admin_router,
        ],
        background=memory.background,
        state={
            "services": memory.services,
            "workers": memory.workers,
            "index_sync": memory.index_sync,
            "lifecycle": memory.lifecycle,
        },
    )
