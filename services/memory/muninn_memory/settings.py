"""Settings of the memory service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.settings import DEFAULT_PORTS, ServiceSettings
from pydantic import Field, SecretStr, model_validator


class MemorySettings(ServiceSettings):
    service_name: str = "memory"
    port: int = DEFAULT_PORTS["memory"]

    # Ingestion: jobs are persisted before the 202, then worked off by a bounded pool.
    ingestion_workers: int = Field(
        default=2, ge=1, le=64, description="Concurrent ingestion jobs per process."
    )
    ingestion_lease_seconds: float = Field(
        default=30.0, ge=1, description="A job whose worker stops renewing this is taken over."
    )
    ingestion_poll_interval_seconds: float = Field(
        default=0.5, gt=0, description="How often idle workers look for queued jobs."
    )
    ingestion_max_backlog: int = Field(
        default=100_000, ge=1, description="Queued jobs above which POST /v1/memories answers 429."
    )
    ingestion_max_messages_per_job: int = Field(default=500, ge=1, le=5000)
    ingestion_wait_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest a wait=true request blocks."
    )
    mem0_add_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="Longest the mem0-compatible add waits for its memories before answering "
        "PENDING (they are stored and searchable shortly after, as on mem0).",
    )
    ingestion_max_attempts: int = Field(
        default=5, ge=1, description="Attempts before a job is marked failed."
    )
    ingest_assistant_messages: bool = Field(
        default=False,
        description="Store assistant replies from conversations as episodic memories.",
    )

    extraction_budget_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Time the offline rules may spend on one message; a message past it is "
        "stored as an episodic memory without extracted facts, and its job says so.",
    )
    extraction_max_facts_per_message: int = Field(
        default=50,
        ge=1,
        description="Facts the offline rules keep from one message (each is reconciled with a "
        "search of its own); the job's notes say when a message had more.",
    )

    # Reconciliation: near-identical facts are duplicates, same-slot facts supersede.
    reconciliation_candidates: int = Field(default=8, ge=1, le=50)
    reconciliation_duplicate_similarity: float = Field(default=0.8, gt=0, le=1)
    reconciliation_correction_similarity: float = Field(default=0.45, gt=0, le=1)

    index_sync_interval_seconds: float = Field(
        default=5.0, gt=0, description="Sweep for memories whose vectors are not yet written."
    )
    index_follow_interval_seconds: float | None = Field(
        default=None,
        gt=0,
        description="Several replicas on one machine, each with its own embedded vector "
        "directory (MUNINN_QDRANT_PATH): each also writes what the others stored, read from "
        "MongoDB this often. Unset: off (one replica, or a Qdrant server all replicas share).",
    )
    index_follow_overlap_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How far behind its watermark the follower rereads, for writes whose "
        "transaction committed after later ones.",
    )
    search_overfetch: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Candidates fetched per requested result, before hydration filters.",
    )

    # Documents: uploaded files are chunked to fit the embedding model's window.
    documents_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    documents_chunk_tokens: int = Field(default=200, ge=32, le=2000)
    documents_chunk_overlap_tokens: int = Field(default=40, ge=0, le=500)
    documents_max_chunks: int = Field(default=20_000, ge=1)

    # Lifecycle: retention, expiry and decay sweeps, and periodic summaries (one replica at a time).
    lifecycle_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often retention, expiry and decay run."
    )
    decay_half_life_days: float = Field(
        default=90.0,
        gt=0,
        description="Interests and preferences not mentioned again lose importance at this pace.",
    )
    decay_floor: int = Field(
        default=2, ge=1, le=10, description="Decay never takes importance below this."
    )
    summaries_enabled: bool = Field(
        default=True,
        description="Summarise each user's last week, month, quarter and year in the background.",
    )
    summaries_interval_seconds: float = Field(default=6 * 3600.0, gt=0)
    background_start_delay_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Wait this long after start-up before the first lifecycle or summaries "
        "pass, so a (re)starting replica serves requests before it sweeps the store.",
    )
    lifecycle_batch_pause_seconds: float = Field(
        default=0.05,
        ge=0,
        description="Pause between batches of 500 memories in the decay sweep, "
        "leaving room for searches and ingestion.",
    )

    # Optional LLM extraction (OpenAI-compatible /chat/completions); offline rules otherwise.
    memory_llm_base_url: str | None = None
    memory_llm_api_key: SecretStr | None = None
    memory_llm_model: str | None = None
    memory_llm_timeout_seconds: float = Field(default=30.0, gt=0)
    memory_llm_max_attempts: int = Field(default=3, ge=1, le=10)

    @property
    def llm_configured(self) -> bool:
        return bool(self.memory_llm_base_url and self.memory_llm_model)

    @model_validator(mode="after")
    def _follow_only_a_private_index(self) -> MemorySettings:
        if self.index_follow_interval_seconds is not None and self.qdrant_url:
            raise ValueError(
                "MUNINN_INDEX_FOLLOW_INTERVAL_SECONDS is for embedded vectors; the replicas of "
                "a Qdrant server (MUNINN_QDRANT_URL) share one index already"
            )
        return self
