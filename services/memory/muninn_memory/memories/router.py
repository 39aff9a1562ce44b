"""Management and search of memories: /v1/memories…"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.scopes import READS

from muninn_memory.deps import Services
from muninn_memory.memories.models import (
    BulkDeleteRequest,
    BulkDeleteResult,
    ImportanceRange,
    Memory,
    MemoryExport,
    MemoryFilters,
    MemoryPage,
    MemoryPatch,
    MemorySource,
    MemoryStatus,
    MemoryType,
    SearchRequest,
    SearchResponse,
    TimeRange,
)
from muninn_memory.relations.models import MemoryDetail
from muninn_memory.retrieval.timing import recording

router = APIRouter(prefix="/v1/memories", tags=["memories"])

StatusFilter = Literal["active", "superseded", "deleted", "all"]


@router.post(
    "/search",
    summary="Hybrid search over the caller's memories and documents",
    openapi_extra=READS,
)
async def search_memories(
    body: SearchRequest, principal: CurrentPrincipal, services: Services, response: Response
) -> SearchResponse:
    with recording() as timings:
        found = await services.search.search(principal.user_id, body)
    # Where the time went (embed, index, rank, records, hydrate), for operators and bench/.
    response.headers["Server-Timing"] = timings.header()
    return found


@router.get("", summary="List memories, newest first, with filters")
async def list_memories(
    principal: CurrentPrincipal,
    services: Services,
    type: Annotated[list[MemoryType] | None, Query()] = None,
    context: Annotated[str | None, Query(max_length=64)] = None,
    min_importance: Annotated[int | None, Query(ge=1, le=10)] = None,
    max_importance: Annotated[int | None, Query(ge=1, le=10)] = None,
    after: Annotated[datetime | None, Query(description="occurred_at at or after")] = None,
    before: Annotated[datetime | None, Query(description="occurred_at before")] = None,
    entity: Annotated[list[str] | None, Query(description="Entity id or name; repeatable.")] = None,
    source: MemorySource | None = None,
    tag: Annotated[list[str] | None, Query(description="Repeatable.")] = None,
    tag_match: Annotated[
        Literal["all", "any"], Query(description="Every listed tag, or any of them.")
    ] = "all",
    contact_id: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    ] = None,
    status: StatusFilter = "active",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> MemoryPage:
    filters = MemoryFilters(
        types=type or [],
        context=context,
        importance=ImportanceRange(min=min_importance, max=max_importance)
        if min_importance or max_importance
        else None,
        time=TimeRange(after=after, before=before) if after or before else None,
        entities=entity or [],
        source=source,
        tags=tag or [],
        tag_match=tag_match,
        contact_id=contact_id,
    )
    statuses = [s.value for s in MemoryStatus] if status == "all" else [status]
    return await services.memories.page(
        principal.user_id, filters, statuses=statuses, cursor=cursor, limit=limit
    )


@router.get(
    "/export",
    summary="Every memory, version, change, entity, document and summary of the caller",
)
async def export_memories(principal: CurrentPrincipal, services: Services) -> MemoryExport:
    export = await services.memories.export(principal.user_id)
    export.documents = await services.documents.all(principal.user_id)
    export.summaries = await services.summaries.all(principal.user_id)
    export.entity_changes = await services.entities.all_changes(principal.user_id)
    export.relations = await services.relations.all(principal.user_id)
    return export


@router.post("/bulk-delete", summary="Delete the memories matching a filter")
async def bulk_delete(
    body: BulkDeleteRequest, principal: CurrentPrincipal, services: Services
) -> BulkDeleteResult:
    return await services.memories.bulk_delete(principal.user_id, body)


@router.get("/{memory_id}", summary="One memory, with its strongest relations")
async def get_memory(
    memory_id: str, principal: CurrentPrincipal, services: Services
) -> MemoryDetail:
    memory = await services.memories.get(principal.user_id, memory_id)
    relations = await services.relations.of(principal.user_id, memory_id)
    return MemoryDetail(**memory.model_dump(), relations=relations)


@router.patch(
    "/{memory_id}",
    summary="Edit a memory (the change is kept in its history)",
)
async def patch_memory(
    memory_id: str, body: MemoryPatch, principal: CurrentPrincipal, services: Services
) -> Memory:
    return await services.memories.patch(principal.user_id, memory_id, body)


@router.delete(
    "/{memory_id}", status_code=204, summary="Delete a memory (purge=true also erases its history)"
)
async def delete_memory(
    memory_id: str,
    principal: CurrentPrincipal,
    services: Services,
    purge: bool = False,
) -> Response:
    await services.memories.delete(principal.user_id, memory_id, purge=purge)
    return Response(status_code=204)
