"""The state of this replica's vector index, for the operator following a model switch."""

from __future__ import annotations

from muninn_memory.admin.models import IndexBacklog, IndexMigration, IndexState
from muninn_memory.documents.indexing import KIND as CHUNK_KIND
from muninn_memory.indexing.service import IndexSync
from muninn_memory.memories.indexing import MemorySource
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.migration import MigrationStatus
from muninn_memory.retrieval.port import MemoryIndex
from muninn_memory.summaries.indexing import SummarySource

PENDING_COUNT_LIMIT = 100_000
"""A backlog counted on the ``index_state`` index costs what it holds: bounded, it stays cheap
to ask for every few seconds (as ``muninn admin reembed --watch`` does)."""


class IndexAdmin:
    def __init__(
        self, *, index: MemoryIndex, index_sync: IndexSync, instance_id: str, shared: bool
    ) -> None:
        """``index``: the hosted index (not a BYOD user's own, which their owner runs)."""
        self._index = index
        self._sync = index_sync
        self._instance_id = instance_id
        self._shared = shared

    async def state(self) -> IndexState:
        if isinstance(self._index, HybridIndex):
            read_collection = self._index.read_collection
            status = self._index.migration_status()
        else:
            # An index with a single store and nothing to migrate (tests' in-memory one).
            read_collection, status = None, MigrationStatus("idle")
        pending = await self._sync.pending_counts(PENDING_COUNT_LIMIT)
        return IndexState(
            instance_id=self._instance_id,
            shared=self._shared,
            embedding_model=self._index.model_id,
            read_collection=read_collection,
            migration=IndexMigration(
                state=status.state,
                source=status.source,
                target=status.target,
                copied=status.copied,
                total=status.total,
                progress=status.progress,
                error=status.error,
            ),
            pending=IndexBacklog(
                memories=pending.get(MemorySource.kind, 0),
                document_chunks=pending.get(CHUNK_KIND, 0),
                summaries=pending.get(SummarySource.kind, 0),
                limit=PENDING_COUNT_LIMIT,
            ),
        )
