"""/v1/memories/{id}/relations: a memory's typed relations to other memories of the user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from muninn_shared.auth import CurrentPrincipal

from muninn_memory.deps import Services
from muninn_memory.relations.models import MemoryRelation, MemoryRelations, RelationCreate
from muninn_memory.relations.types import TYPES_DESCRIPTION, RelationType

router = APIRouter(prefix="/v1/memories", tags=["memories"])


@router.get(
    "/{memory_id}/relations",
    summary="A memory's relations: inferred and made by the user, strongest first",
)
async def list_relations(
    memory_id: str,
    principal: CurrentPrincipal,
    services: Services,
    type: Annotated[list[RelationType] | None, Query(description=TYPES_DESCRIPTION)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> MemoryRelations:
    items = await services.relations.of(principal.user_id, memory_id, limit=limit, types=type)
    return MemoryRelations(memory_id=memory_id, items=items)


@router.post(
    "/{memory_id}/relations",
    status_code=201,
    summary="Relate a memory to another one",
)
async def add_relation(
    memory_id: str, body: RelationCreate, principal: CurrentPrincipal, services: Services
) -> MemoryRelation:
    return await services.relations.add(principal.user_id, memory_id, body)


@router.delete(
    "/{memory_id}/relations/{relation_id}",
    status_code=204,
    summary="Remove a relation (an inferred one is no longer inferred)",
)
async def remove_relation(
    memory_id: str, relation_id: str, principal: CurrentPrincipal, services: Services
) -> Response:
    await services.relations.remove(principal.user_id, memory_id, relation_id)
    return Response(status_code=204)
