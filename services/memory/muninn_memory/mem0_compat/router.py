"""mem0's hosted API under ``/mem0``: an app sets ``host="https://<muninn>/mem0"`` and its
``MemoryClient`` calls these paths (trailing slashes included, as the client sends them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.scopes import READS

from muninn_memory.deps import Services
from muninn_memory.mem0_compat.models import (
    DEFAULT_PROJECT,
    MAX_PAGE_SIZE,
    EntityId,
    Mem0AddRequest,
    Mem0AddResponse,
    Mem0HistoryItem,
    Mem0ListRequest,
    Mem0Memory,
    Mem0MemoryListPage,
    Mem0Notice,
    Mem0Ping,
    Mem0SearchRequest,
    Mem0SearchResponse,
    Mem0UpdateRequest,
)

router = APIRouter(prefix="/mem0", tags=["mem0-compatible"])


@router.get("/v1/ping/", summary="Check the key (mem0's client calls it when it starts)")
async def ping(principal: CurrentPrincipal) -> Mem0Ping:
    # The client insists on an organisation and a project: the account is the one, and an
    # account has one project.
    return Mem0Ping(org_id=principal.user_id, project_id=DEFAULT_PROJECT)


@router.post(
    "/v3/memories/add/",
    summary="Remember messages for a mem0 user, agent, app or run (answers once stored)",
)
async def add_memories(
    body: Mem0AddRequest, principal: CurrentPrincipal, services: Services
) -> Mem0AddResponse:
    return await services.mem0.add(principal.user_id, body)


@router.post("/v3/memories/search/", summary="Search memories in mem0's shape", openapi_extra=READS)
@router.post(
    "/v2/memories/search/", summary="Search memories (mem0 client 1.x)", openapi_extra=READS
)
async def search_memories(
    body: Mem0SearchRequest, principal: CurrentPrincipal, services: Services
) -> Mem0SearchResponse:
    return await services.mem0.search(principal.user_id, body)


@router.post(
    "/v3/memories/", summary="List memories matching filters, in pages", openapi_extra=READS
)
@router.post("/v2/memories/", summary="List memories (mem0 client 1.x)", openapi_extra=READS)
async def list_memories(
    body: Mem0ListRequest,
    request: Request,
    principal: CurrentPrincipal,
    services: Services,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Mem0MemoryListPage:
    return await services.mem0.page(
        principal.user_id, body.filters, page=page, page_size=page_size, path=request.url.path
    )


@router.get("/v1/memories/{memory_id}/", summary="One memory in mem0's shape")
async def get_memory(memory_id: str, principal: CurrentPrincipal, services: Services) -> Mem0Memory:
    return await services.mem0.get(principal.user_id, memory_id)


@router.put("/v1/memories/{memory_id}/", summary="Change a memory's text, metadata or expiry")
async def update_memory(
    memory_id: str, body: Mem0UpdateRequest, principal: CurrentPrincipal, services: Services
) -> Mem0Memory:
    return await services.mem0.update(principal.user_id, memory_id, body)


@router.delete("/v1/memories/{memory_id}/", summary="Delete a memory (kept in its history)")
async def delete_memory(
    memory_id: str, principal: CurrentPrincipal, services: Services
) -> Mem0Notice:
    await services.mem0.delete(principal.user_id, memory_id)
    return Mem0Notice(message="Memory deleted successfully!")


@router.delete("/v1/memories/", summary="Delete every memory of a mem0 user, agent, app or run")
async def delete_memories(
    principal: CurrentPrincipal,
    services: Services,
    user_id: EntityId | None = None,
    agent_id: EntityId | None = None,
    app_id: EntityId | None = None,
    run_id: EntityId | None = None,
) -> Mem0Notice:
    deleted = await services.mem0.delete_all(
        principal.user_id,
        {"user_id": user_id, "agent_id": agent_id, "app_id": app_id, "run_id": run_id},
    )
    return Mem0Notice(message=f"Memories deleted successfully! ({deleted})")


@router.get("/v1/memories/{memory_id}/history/", summary="Every change of a memory, mem0's shape")
async def memory_history(
    memory_id: str, principal: CurrentPrincipal, services: Services
) -> list[Mem0HistoryItem]:
    return await services.mem0.history(principal.user_id, memory_id)
