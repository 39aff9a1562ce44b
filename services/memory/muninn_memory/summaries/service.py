"""Generating, storing and serving period summaries; the background run for recent periods.

Weeks and months are summarised from their memories; quarters from their months and years
from their quarters (:mod:`~muninn_memory.summaries.rollup`). Every stored summary is indexed
too, so a search that asks for summaries finds them like memories.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.model_calls import on_behalf_of
from muninn_shared.pagination import decode_cursor, one_page
from muninn_shared.problems import ProblemError, not_found

from muninn_memory.entities.service import EntityService
from muninn_memory.indexing.service import IndexSync
from muninn_memory.memories.ledger import MemoryLedger
from muninn_memory.memories.models import MemoryStatus
from muninn_memory.summaries.indexing import KIND
from muninn_memory.summaries.llm import LLMSummariser
from muninn_memory.summaries.models import (
    LearnedPreference,
    NewRelationship,
    Period,
    Summary,
    SummaryPage,
    TimeRange,
)
from muninn_memory.summaries.periods import PARTS, bounds, last_completed, parts
from muninn_memory.summaries.rollup import rollup
from muninn_memory.summaries.rules import Draft, summarise
from muninn_memory.summaries.store import SummaryStore

log = get_logger(__name__)

Doc = dict[str, Any]
# Shorter first: a month is summarised before the quarter that is built from it.
PERIODS: tuple[Period, ...] = ("week", "month", "quarter", "year")
MAX_MEMORIES = 20_000
KEPT = [MemoryStatus.ACTIVE.value, MemoryStatus.SUPERSEDED.value]


def summary_from_doc(doc: Mapping[str, Any]) -> Summary:
    return Summary(
        id=doc["_id"],
        time_range=TimeRange(start=doc["start"], end=doc["end"], period=doc["period"]),
        summary=doc["summary"],
        key_insights=doc["key_insights"],
        important_events=doc["important_events"],
        learned_preferences=[
            LearnedPreference.model_validate(p) for p in doc["learned_preferences"]
        ],
        entities=doc["entities"],
        new_relationships=[NewRelationship.model_validate(r) for r in doc["new_relationships"]],
        context_breakdown=doc["context_breakdown"],
        original_memory_count=doc["original_memory_count"],
        compression_ratio=doc["compression_ratio"],
        generator=doc["generator"],
        built_from=list(doc.get("built_from") or []),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


@dataclass(kw_only=True, eq=False)
class SummaryService:
    """Period summaries: generated on request, stored, served, and made for recent periods in the background."""

    memories: MemoryLedger
    entities: EntityService
    store: SummaryStore
    llm: LLMSummariser | None = None
    index_sync: IndexSync | None = None

    async def generate(
        self, user_id: str, period: Period, day: date | None = None, *, now: datetime | None = None
    ) -> Summary:
        now = now or datetime.now(UTC)
        start, end = bounds(period, day) if day else last_completed(period, now)
        built_from: list[str] = []
        if period in PARTS:
            found = await self._parts(user_id, period, start, now)
            if not found:
                raise _nothing(start, end)
            draft = rollup(period, start, end, found)
            if self.llm is not None:
                # Also when the background run writes it: the model's answer is this user's usage.
                with on_behalf_of(user_id):
                    draft = await self.llm.improve_rollup(draft, found)
            built_from = [p["_id"] for p in found]
        else:
            draft = await self._from_memories(user_id, period, start, end)
        doc: Doc = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "period": period,
            "start": start,
            "end": end,
            "summary": draft.summary,
            "key_insights": draft.key_insights,
            "important_events": draft.important_events,
            "learned_preferences": [p.model_dump() for p in draft.learned_preferences],
            "entities": draft.entities,
            "new_relationships": [r.model_dump() for r in draft.new_relationships],
            "context_breakdown": draft.context_breakdown,
            "original_memory_count": draft.original_memory_count,
            "compression_ratio": draft.compression_ratio,
            "generator": draft.generator,
            "built_from": built_from,
            "created_at": now,
            "updated_at": now,
        }
        saved = await self.store.put(doc)
        if self.index_sync is not None:
            await self.index_sync.try_sync(user_id, [saved["_id"]], KIND)
        return summary_from_doc(saved)

    async def _from_memories(
        self, user_id: str, period: Period, start: datetime, end: datetime
    ) -> Draft:
        docs = await self.memories.in_period(user_id, start, end, statuses=KEPT, limit=MAX_MEMORIES)
        if not docs:
            raise _nothing(start, end)
        relationships = await self.entities.relationships_since(user_id, start, end)
        entity_ids = {e for d in docs for e in d.get("entity_ids") or []}
        entity_ids |= {r[k] for r in relationships for k in ("source_id", "target_id")}
        names = {e["_id"]: e["name"] for e in await self.entities.docs(user_id, sorted(entity_ids))}
        draft = summarise(period, start, end, docs, names, relationships)
        if self.llm is not None:
            with on_behalf_of(user_id):
                draft = await self.llm.improve(draft, docs)
        return draft

    async def _parts(
        self, user_id: str, period: Period, start: datetime, now: datetime
    ) -> list[Doc]:
        """The stored summaries of the period's parts that have memories, in order; a part
        with none yet, or summarised before it ended, is summarised now."""
        part, spans = parts(period, start)
        found: list[Doc] = []
        for part_start, part_end in spans:
            if part_start >= now:
                break  # not begun yet
            stored = await self.store.for_period(user_id, part, part_start)
            if stored is None or stored["updated_at"] < part_end:
                try:
                    made = await self.generate(user_id, part, part_start.date(), now=now)
                except ProblemError as problem:
                    if problem.status != 422:
                        raise
                    continue  # nothing happened in this part
                stored = await self.store.get(user_id, made.id)
            if stored is not None:
                found.append(stored)
        return found

    async def page(
        self, user_id: str, *, period: Period | None, cursor: str | None, limit: int
    ) -> SummaryPage:
        after = decode_cursor(cursor) if cursor else None
        docs = await self.store.page(user_id, period=period, after=after, limit=limit + 1)
        items, next_cursor = one_page(docs, limit, summary_from_doc, field="start")
        return SummaryPage(items=items, next_cursor=next_cursor)

    async def all(self, user_id: str) -> list[Summary]:
        return [
            summary_from_doc(d)
            for d in await self.store.page(user_id, period=None, after=None, limit=0)
        ]

    async def get(self, user_id: str, summary_id: str) -> Summary:
        doc = await self.store.get(user_id, summary_id)
        if doc is None:
            raise not_found("Summary")
        return summary_from_doc(doc)

    async def delete_before(self, user_id: str, cutoff: datetime) -> int:
        """Summaries of periods that ended by ``cutoff``: retention removes them, and their
        vectors."""
        removed = await self.store.delete_before(user_id, cutoff)
        if removed and self.index_sync is not None:
            await self.index_sync.index.delete(user_id, removed)
        return len(removed)

    async def hits(self, user_id: str, ids: list[str]) -> dict[str, tuple[Doc, Summary]]:
        """The stored summaries among search hits, by id (other ids are not summaries)."""
        return {d["_id"]: (d, summary_from_doc(d)) for d in await self.store.many(user_id, ids)}

    async def summarise_recent(self, now: datetime) -> int:
        """Summarise the last completed week, month, quarter and year of every user active
        in them (each once)."""
        made = 0
        for period in PERIODS:
            start, end = last_completed(period, now)
            users = await self.memories.users_in_period(start, end, statuses=KEPT)
            for user_id in sorted(users):
                if await self.store.exists(user_id, period, start):
                    continue
                try:
                    await self.generate(user_id, period, start.date(), now=now)
                    made += 1
                except ProblemError:
                    continue  # its memories went meanwhile (deleted, erased)
        if made:
            log.info("memory summaries generated", count=made)
        return made


def _nothing(start: datetime, end: datetime) -> ProblemError:
    return ProblemError(
        422,
        f"There are no memories between {start:%Y-%m-%d} and {end:%Y-%m-%d} to summarise.",
        code="nothing-to-summarise",
    )
