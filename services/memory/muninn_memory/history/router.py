"""GET /v1/memories/{id}/history."""

from __future__ import annotations

from fastapi import APIRouter
from muninn_shared.auth import CurrentPrincipal

from muninn_memory.deps import Services
from muninn_memory.history.models import MemoryHistory

router = APIRouter(prefix="/v1/memories", tags=["memories"])


@router.get(
    "/{memory_id}/history",
    summary="Why a memory exists and every change to it",
)
async def memory_history(
    memory_id: str, principal: CurrentPrincipal, services: Services
) -> MemoryHistory:
    return await services.history.of(principal.user_id, memory_id)
