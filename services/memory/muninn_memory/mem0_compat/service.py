"""mem0's operations on Muninn's memory service: the same records, ingestion and search.

mem0's ``user_id``, ``agent_id``, ``app_id`` and ``run_id`` are identifiers the app chooses
inside the signed-in Muninn account: they are stored as each memory's ``scope`` and every
read is narrowed by them, always within the account (the memory service's every query is
already scoped to the account; nothing here can name another).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from muninn_shared.problems import ProblemError, not_found

from muninn_memory.history.service import HistoryService
from muninn_memory.ingestion.models import JobStatus, MemoryCreate, MessageIn
from muninn_memory.ingestion.service import IngestionService
from muninn_memory.mem0_compat.filters import invalid, scope_equals, scope_of, scoped_condition
from muninn_memory.mem0_compat.models import (
    ENTITY_FIELDS,
    MAX_OFFSET,
    Mem0AddRequest,
    Mem0AddResponse,
    Mem0HistoryItem,
    Mem0Memory,
    Mem0MemoryEvent,
    Mem0MemoryListPage,
    Mem0SearchHit,
    Mem0SearchRequest,
    Mem0SearchResponse,
    Mem0UpdateRequest,
)
from muninn_memory.memories.models import BulkDeleteRequest, Memory, MemoryPatch
from muninn_memory.memories.models import SearchRequest as MuninnSearch
from muninn_memory.memories.search import MemorySearch
from muninn_memory.memories.service import MemoryService

Doc = dict[str, Any]

EVENTS = {"add": "ADD", "update": "UPDATE", "delete": "DELETE"}
HISTORY_EVENTS = {
    "created": "ADD",
    "edited": "UPDATE",
    "updated": "UPDATE",
    "superseded": "UPDATE",
    "restored": "UPDATE",
    "reinforced": "UPDATE",
    "deleted": "DELETE",
    "expired": "DELETE",
}


def mem0_memory(memory: Memory) -> Mem0Memory:
    return Mem0Memory(
        id=memory.id,
        memory=memory.content,
        user_id=memory.scope.get("user_id"),
        agent_id=memory.scope.get("agent_id"),
        app_id=memory.scope.get("app_id"),
        run_id=memory.scope.get("run_id"),
        metadata=memory.metadata,
        categories=[memory.type.value],
        expiration_date=memory.expires_at.date() if memory.expires_at else None,
        created_at=memory.created_at,
        updated_at=memory.updated_at,
    )


def _end_of(day: date | None) -> datetime | None:
    """mem0 expires a memory after its expiration date: at the end of that day (UTC)."""
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


@dataclass(kw_only=True, eq=False)
class Mem0Compat:
    memories: MemoryService
    search_service: MemorySearch
    ingestion: IngestionService
    histories: HistoryService
    add_wait_seconds: float = 10.0

    async def add(self, user_id: str, request: Mem0AddRequest) -> Mem0AddResponse:
        given = dict(request.filters or {})
        unknown = set(given) - set(ENTITY_FIELDS)
        if unknown:
            raise invalid(f"add() takes only {', '.join(ENTITY_FIELDS)} in filters.")
        for field in ENTITY_FIELDS:
            if getattr(request, field):
                given[field] = getattr(request, field)
        scope = scope_of(given)
        if not scope:
            raise invalid("Give at least one of user_id, agent_id, app_id or run_id.")
        if "*" in scope.values():
            raise invalid("A memory's identifiers are values, not the wildcard '*'.")
        said_at = (
            datetime.fromtimestamp(request.timestamp, UTC)
            if request.timestamp is not None
            else None
        )
        body = MemoryCreate(
            messages=[
                MessageIn(role=m.role, content=m.content, created_at=said_at)
                for m in request.messages
            ],
            metadata=request.metadata or {},
            expires_at=_end_of(request.expiration_date),
            infer=request.infer,
        )
        job = await self.ingestion.submit(user_id, body, scope=scope)
        job = await self.ingestion.wait(job, timeout=self.add_wait_seconds)
        status = job["status"]
        results = [
            Mem0MemoryEvent(
                id=op["memory_id"] or op.get("target_id") or "",
                event=EVENTS[op["op"]],  # type: ignore[arg-type]
                memory=op.get("content"),
                data={"memory": op["content"]} if op.get("content") else {},
            )
            for op in (job.get("result") or {}).get("operations", [])
            if op["op"] in EVENTS and (op.get("memory_id") or op.get("target_id"))
        ]
        if status == JobStatus.DONE.value:
            return Mem0AddResponse(
                message="Memories stored.", status="SUCCEEDED", event_id=job["_id"], results=results
            )
        if status == JobStatus.FAILED.value:
            return Mem0AddResponse(
                message=str(job.get("error") or "The messages could not be stored."),
                status="FAILED",
                event_id=job["_id"],
                results=[],
            )
        return Mem0AddResponse(
            message="Memory processing is queued; it will be searchable shortly.",
            status="PENDING",
            event_id=job["_id"],
            results=[],
        )

    async def search(self, user_id: str, request: Mem0SearchRequest) -> Mem0SearchResponse:
        where = scoped_condition(request.filters)
        found = await self.search_service.search(
            user_id,
            MuninnSearch(query=request.query, limit=request.top_k, sources=["memories"]),
            where=where,
        )
        hits = [
            Mem0SearchHit(**mem0_memory(r.memory).model_dump(), score=r.score)
            for r in found.results
            if r.memory is not None and (request.threshold is None or r.score >= request.threshold)
        ]
        return Mem0SearchResponse(results=hits)

    async def page(
        self, user_id: str, filters: Doc, *, page: int, page_size: int, path: str
    ) -> Mem0MemoryListPage:
        offset = (page - 1) * page_size
        if offset > MAX_OFFSET:
            raise ProblemError(
                400,
                f"Pages reach the first {MAX_OFFSET} memories; narrow the filters.",
                code="page-out-of-range",
            )
        memories, count = await self.memories.window(
            user_id, scoped_condition(filters), offset=offset, limit=page_size
        )
        more = offset + len(memories) < count
        return Mem0MemoryListPage(
            count=count,
            next=f"{path}?page={page + 1}&page_size={page_size}" if more else None,
            previous=f"{path}?page={page - 1}&page_size={page_size}" if page > 1 else None,
            results=[mem0_memory(m) for m in memories],
        )

    async def get(self, user_id: str, memory_id: str) -> Mem0Memory:
        return mem0_memory(await self._scoped(user_id, memory_id))

    async def _scoped(self, user_id: str, memory_id: str) -> Memory:
        """A memory written through this API: the account's own memories (from its
        conversations and integrations) are not mem0's to read or change."""
        memory = await self.memories.get(user_id, memory_id)
        if not memory.scope:
            raise not_found("Memory")
        return memory

    async def update(self, user_id: str, memory_id: str, request: Mem0UpdateRequest) -> Mem0Memory:
        changes: Doc = {}
        if request.text is not None:
            changes["content"] = request.text
        if request.metadata is not None:
            changes["metadata"] = request.metadata
        if "expiration_date" in request.model_fields_set:
            changes["expires_at"] = _end_of(request.expiration_date)
        if not changes:
            raise invalid("Give text, metadata or expiration_date to change.")
        await self._scoped(user_id, memory_id)
        patch = MemoryPatch(**changes, reason="updated through the mem0-compatible API")
        return mem0_memory(await self.memories.patch(user_id, memory_id, patch))

    async def delete(self, user_id: str, memory_id: str) -> None:
        await self._scoped(user_id, memory_id)
        await self.memories.delete(
            user_id, memory_id, purge=False, reason="deleted through the mem0-compatible API"
        )

    async def delete_all(self, user_id: str, identifiers: dict[str, str | None]) -> int:
        result = await self.memories.bulk_delete(
            user_id, BulkDeleteRequest(), where=scope_equals(scope_of(identifiers))
        )
        return result.deleted

    async def history(self, user_id: str, memory_id: str) -> list[Mem0HistoryItem]:
        found = await self.histories.of(user_id, memory_id)
        scope = found.memory.scope
        if not scope:
            raise not_found("Memory")
        items: list[Mem0HistoryItem] = []
        for change in found.changes:
            before, after = change.before or {}, change.after or {}
            event = HISTORY_EVENTS[change.operation]
            items.append(
                Mem0HistoryItem(
                    id=change.id,
                    memory_id=change.memory_id,
                    input=[{"role": m.role, "content": m.excerpt} for m in change.source_messages],
                    old_memory=_text(before.get("content")),
                    new_memory=_text(after.get("content")) if event != "DELETE" else None,
                    user_id=scope.get("user_id"),
                    event=event,  # type: ignore[arg-type]
                    metadata=found.memory.metadata,
                    created_at=change.at,
                    updated_at=change.at,
                )
            )
        return items


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
