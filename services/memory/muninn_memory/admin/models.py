"""The vector index as an operator sees it: the model, the collection read, a model switch."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MigrationState = Literal["idle", "running", "complete", "failed"]


class IndexMigration(BaseModel):
    """Re-embedding every memory into the configured model's collection, after a model change."""

    state: MigrationState = Field(
        description="idle (nothing to copy), running, complete (reads switched over) or failed"
    )
    source: str | None = Field(default=None, description="The collection copied from")
    target: str | None = Field(default=None, description="The collection being filled")
    copied: int = Field(ge=0, description="Memories copied so far (kept across restarts)")
    total: int = Field(ge=0, description="Memories the source held when the copy started")
    progress: float = Field(ge=0, le=1, description="copied / total; 1 once complete")
    error: str | None = Field(
        default=None, description="The last failure; a running copy retries after it"
    )


class IndexBacklog(BaseModel):
    """Records written to MongoDB whose vectors are not written yet (the sweep catches up)."""

    memories: int = Field(ge=0)
    document_chunks: int = Field(ge=0)
    summaries: int = Field(ge=0)
    limit: int = Field(description="Each kind is counted up to this many")


class IndexState(BaseModel):
    instance_id: str = Field(
        description="The memory replica that answered (MUNINN_INSTANCE_ID): each replica "
        "reports its own index and its own copy"
    )
    shared: bool = Field(
        description="Whether the replicas share one Qdrant server (MUNINN_QDRANT_URL); "
        "otherwise each holds an index of its own, in its process"
    )
    embedding_model: str = Field(description="The embedding model new vectors are made with")
    read_collection: str | None = Field(
        default=None,
        description="The collection searches read (the old one until a copy completes)",
    )
    migration: IndexMigration
    pending: IndexBacklog = Field(
        description="Counted in the main database; users' own databases (BYOD) are not included"
    )
