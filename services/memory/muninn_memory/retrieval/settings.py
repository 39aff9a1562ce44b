"""Vector store and ranking options (``MUNINN_VECTORS_*`` environment variables).

Where vectors live comes from the shared settings: ``MUNINN_QDRANT_URL`` selects a Qdrant
server, otherwise ``MUNINN_QDRANT_PATH`` holds the embedded store.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from muninn_memory.vectors.payload_cache import DEFAULT_LIMIT as DEFAULT_PAYLOAD_CACHE


class VectorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MUNINN_VECTORS_", extra="ignore", env_file=None)

    backend: Literal["auto", "edge", "qdrant-local"] = Field(
        default="auto",
        description=(
            "auto: a Qdrant server when MUNINN_QDRANT_URL is set, else embedded Qdrant Edge. "
            "qdrant-local: qdrant-client's local mode on MUNINN_QDRANT_PATH (slower; kept for comparison)."
        ),
    )
    keep_previous: bool = Field(
        default=False,
        description="After a model switch, keep the old collection (retired, never read) instead of dropping it.",
    )
    reembed_batch: int = Field(default=64, ge=1, le=4096)
    edge_search_threads: int = Field(default=2, ge=1, le=64)
    edge_optimize_after: int = Field(
        default=20_000,
        ge=100,
        description="Points written before Edge builds its HNSW/segment indexes.",
    )
    edge_payload_cache: int = Field(
        default=DEFAULT_PAYLOAD_CACHE,
        ge=0,
        description="Points whose payload Qdrant Edge's store keeps in RAM (~1 KB each).",
    )
    fusion: Literal["score", "rrf"] = "score"
    split_sentences: bool = Field(
        default=True,
        description=(
            "Index each sentence of a chat message as a point of its own as well, and a reply "
            "once more behind the question it answers, found for its message (recall; about "
            "2-4x the points and embeddings of messages)."
        ),
    )
