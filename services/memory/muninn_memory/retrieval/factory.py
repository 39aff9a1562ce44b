"""Builds the memory index the service runs with, from its settings."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from muninn_shared.content_schema.vectors import CollectionLayout
from muninn_shared.model_calls import ModelCallRecorder
from muninn_shared.settings import ServiceSettings

from muninn_memory.embeddings.factory import create_embedder, embedder_from_spec, embedder_spec
from muninn_memory.embeddings.port import Embedder
from muninn_memory.embeddings.settings import EmbeddingSettings
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.ranking import RankingTuning
from muninn_memory.retrieval.settings import VectorSettings
from muninn_memory.vectors.edge import EdgeBackend
from muninn_memory.vectors.port import VectorBackend
from muninn_memory.vectors.qdrant_client import create_qdrant_client
from muninn_memory.vectors.server import QdrantBackend

# Sub-directory of MUNINN_QDRANT_PATH holding Edge shards, apart from local-mode files.
EDGE_DIRECTORY = "edge"


def qdrant_layout(settings: ServiceSettings) -> CollectionLayout:
    """The hosted Qdrant server's collection layout (Edge, in-process, has no cluster)."""
    return CollectionLayout(
        shard_number=settings.qdrant_shard_number,
        replication_factor=settings.qdrant_replication_factor,
        write_consistency_factor=settings.qdrant_write_consistency_factor,
    )


def create_vector_backend(
    settings: ServiceSettings, vectors: VectorSettings | None = None
) -> VectorBackend:
    vectors = vectors or VectorSettings()
    api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    if settings.qdrant_url:
        return QdrantBackend(
            create_qdrant_client(settings.qdrant_url, api_key=api_key),
            qdrant_layout(settings),
        )
    if vectors.backend == "qdrant-local":
        return QdrantBackend(create_qdrant_client(None, path=settings.qdrant_path))
    if settings.qdrant_path is not None:
        return EdgeBackend(
            Path(settings.qdrant_path) / EDGE_DIRECTORY,
            search_threads=vectors.edge_search_threads,
            optimize_after=vectors.edge_optimize_after,
            payload_cache=vectors.edge_payload_cache,
        )
    # Nothing configured (tests, a throw-away run): a private directory removed on close.
    return EdgeBackend(
        Path(tempfile.mkdtemp(prefix="muninn-vectors-")),
        search_threads=vectors.edge_search_threads,
        optimize_after=vectors.edge_optimize_after,
        payload_cache=vectors.edge_payload_cache,
        remove_on_close=True,
    )


def create_memory_index(
    settings: ServiceSettings,
    *,
    embeddings: EmbeddingSettings | None = None,
    vectors: VectorSettings | None = None,
    wrap_embedder: Callable[[Embedder], Embedder] | None = None,
    recorder: ModelCallRecorder | None = None,
) -> HybridIndex:
    """``wrap_embedder`` wraps the embedder of ``embeddings`` (the benchmarks cache vectors);
    ``recorder`` records a provider's embedding requests as the served user's usage."""
    embeddings = embeddings or EmbeddingSettings()
    vectors = vectors or VectorSettings()
    current = embeddings
    embedder = create_embedder(embeddings, recorder)
    return HybridIndex(
        create_vector_backend(settings, vectors),
        wrap_embedder(embedder) if wrap_embedder else embedder,
        embedder_spec=embedder_spec(embeddings),
        previous_embedder=lambda spec: embedder_from_spec(spec, current, recorder),
        keep_previous=vectors.keep_previous,
        tuning=RankingTuning(fusion=vectors.fusion),
        reembed_batch=vectors.reembed_batch,
        split_sentences=vectors.split_sentences,
    )
