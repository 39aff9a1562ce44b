"""Why a memory exists: the messages it rests on, how it was extracted, every version and change."""

from __future__ import annotations

from typing import Any

from muninn_memory.history.log import HistoryLog
from muninn_memory.history.models import HistoryEntry, MemoryHistory
from muninn_memory.memories.models import SourceMessageRef
from muninn_memory.memories.service import MemoryService

Doc = dict[str, Any]


def entry_from_doc(doc: Doc) -> HistoryEntry:
    return HistoryEntry(
        id=doc["_id"],
        memory_id=doc["memory_id"],
        at=doc["at"],
        operation=doc["operation"],
        actor=doc["actor"],
        reason=doc.get("reason"),
        before=doc.get("before"),
        after=doc.get("after"),
        related_memory_id=doc.get("related_memory_id"),
        job_id=doc.get("job_id"),
        source_messages=[
            SourceMessageRef.model_validate(m) for m in doc.get("source_messages") or []
        ],
    )


class HistoryService:
    def __init__(self, memories: MemoryService, history: HistoryLog) -> None:
        self._memories = memories
        self._history = history

    async def of(self, user_id: str, memory_id: str) -> MemoryHistory:
        doc = await self._memories.get_doc(user_id, memory_id, include_deleted=True)
        lineage_id = doc.get("lineage_id", memory_id)
        versions = sorted(
            await self._memories.versions(user_id, lineage_id),
            key=lambda d: (d["valid_from"], d.get("version", 1)),
        )
        if not any(v["_id"] == memory_id for v in versions):
            versions.append(doc)
        entries = await self._history.for_lineage(user_id, lineage_id, [v["_id"] for v in versions])
        hydrated = await self._memories.hydrate(user_id, [doc, *versions])
        memory, version_models = hydrated[0], hydrated[1:]
        return MemoryHistory(
            memory=memory,
            source_messages=memory.provenance.messages,
            extraction=memory.provenance.extraction,
            versions=version_models,
            changes=[entry_from_doc(e) for e in entries],
        )
