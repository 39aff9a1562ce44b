"""Retention, expiry and decay over stored memories.

- **Retention**: a user who chose ``dataRetentionDays`` keeps nothing older: memories (any
  status) with their history and vectors, documents, summaries, stale entities and finished
  jobs are removed for good. Vectors go first, so no vector outlives its record.
- **Expiry**: a memory past its ``expires_at`` leaves search and is marked deleted, with an
  ``expired`` entry in its history.
- **Decay**: see ``decay.py``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.documents.service import DocumentService
from muninn_memory.entities.service import EntityService
from muninn_memory.history.log import HistoryLog
from muninn_memory.indexing.service import IndexSync
from muninn_memory.ingestion.service import IngestionService
from muninn_memory.lifecycle.decay import DECAYING_TYPES, decayed
from muninn_memory.memories.ledger import MemoryLedger
from muninn_memory.profiles.models import MemoryProfile
from muninn_memory.profiles.service import ProfileService
from muninn_memory.summaries.service import SummaryService

log = get_logger(__name__)

Doc = dict[str, Any]
BATCH = 500
DECAY_CHECK = timedelta(days=1)


class LifecycleService:
    """One lifecycle pass over every user: retention, then expiry, then decay."""

    def __init__(
        self,
        *,
        client: AsyncMongoClient[Doc],
        profiles: ProfileService,
        memories: MemoryLedger,
        history: HistoryLog,
        entities: EntityService,
        summaries: SummaryService,
        documents: DocumentService,
        ingestion: IngestionService,
        index_sync: IndexSync,
        half_life_days: float,
        decay_floor: int,
        batch_pause_seconds: float = 0.0,
    ) -> None:
        self._client = client
        self._profiles = profiles
        self._memories = memories
        self._history = history
        self._entities = entities
        self._summaries = summaries
        self._documents = documents
        self._ingestion = ingestion
        self._index_sync = index_sync
        self._half_life = half_life_days
        self._floor = decay_floor
        self._batch_pause = batch_pause_seconds

    async def run(self, now: datetime) -> dict[str, int]:
        counts = {
            "retention": await self.apply_retention(now),
            "expired": await self.expire(now),
            "decayed": await self.decay(now),
        }
        if any(counts.values()):
            log.info("memory lifecycle applied", **counts)
        return counts

    # -- retention ------------------------------------------------------------------------

    async def apply_retention(self, now: datetime) -> int:
        removed = 0
        async for profile in self._profiles.with_retention():
            try:
                removed += await self.retain(profile, now)
            except Exception as exc:  # one user's failure must not stop the others
                log.warning("retention failed", user_id=profile.user_id, error=repr(exc))
        return removed

    async def retain(self, profile: MemoryProfile, now: datetime) -> int:
        if profile.data_retention_days <= 0:
            return 0
        user_id = profile.user_id
        cutoff = now - timedelta(days=profile.data_retention_days)
        removed = 0
        while ids := await self._memories.ids_before(user_id, cutoff, BATCH):
            await self._index_sync.index.delete(user_id, ids)

            async def work(session: AsyncClientSession, ids: list[str] = ids) -> None:
                await self._memories.purge(user_id, ids, session)

            await in_transaction(self._client, work)
            removed += len(ids)
        while document_ids := await self._documents.old_ids(user_id, cutoff, BATCH):
            await self._documents.delete_many(user_id, document_ids)
            removed += len(document_ids)

        async def tidy(session: AsyncClientSession) -> None:
            await self._history.delete_before(user_id, cutoff, session)
            await self._entities.delete_stale(user_id, cutoff, session)

        await in_transaction(self._client, tidy)
        await self._summaries.delete_before(user_id, cutoff)
        await self._ingestion.delete_finished_before(user_id, cutoff)
        return removed

    # -- expiry ---------------------------------------------------------------------------

    async def expire(self, now: datetime) -> int:
        expired = 0
        while docs := await self._memories.expired(now, BATCH):
            for ref in docs:
                if await self._memories.expire(ref["user_id"], ref["_id"], now):
                    expired += 1
            if len(docs) < BATCH:
                break
        return expired

    # -- decay ----------------------------------------------------------------------------

    async def decay(self, now: datetime) -> int:
        changed = 0
        seen = 0
        cursor = self._memories.decay_candidates(DECAYING_TYPES, now - DECAY_CHECK, BATCH)
        async for doc in cursor:
            if await self._decay_one(doc, now):
                changed += 1
            seen += 1
            if seen % BATCH == 0:
                # The first pass over a large store touches every memory: leave room for
                # searches and ingestion between batches.
                await asyncio.sleep(self._batch_pause)
        return changed

    async def _decay_one(self, doc: Doc, now: datetime) -> bool:
        importance, factor = decayed(doc, now, half_life_days=self._half_life, floor=self._floor)
        fields: Doc = {"decayed_at": now, "decay_factor": factor}
        moved = bool(importance != doc["importance"])
        if moved:
            fields["importance"] = importance
            fields["base_importance"] = int(doc.get("base_importance") or doc["importance"])
        await self._memories.set_if_active(
            doc["user_id"], doc["_id"], {**fields, "updated_at": doc["updated_at"]}, reindex=moved
        )
        if moved:
            await self._index_sync.try_sync(doc["user_id"], [doc["_id"]])
        return moved
