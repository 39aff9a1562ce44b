"""GET /v1/entities and /v1/entities/{id}: the people, places and things in a user's memories."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.auth import CurrentPrincipal

from muninn_memory.deps import Services
from muninn_memory.entities.models import EntityDetail, EntityPage
from muninn_memory.entities.recognize import EntityType

router = APIRouter(prefix="/v1/entities", tags=["entities"])


@router.get("", summary="List entities, most recently mentioned first")
async def list_entities(
    principal: CurrentPrincipal,
    services: Services,
    type: Annotated[
        EntityType | None,
        Query(description="person, place, organization, project, event, product, service"),
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Name or alias prefix.")] = None,
    role: Annotated[
        str | None,
        Query(max_length=50, description="What the entity is to the user, e.g. 'dentist'."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> EntityPage:
    return await services.entities.page(
        principal.user_id, type_=type, query=q, role=role, cursor=cursor, limit=limit
    )


@router.get(
    "/{entity_id}",
    summary="An entity with its relationships and memories",
)
async def get_entity(
    entity_id: str,
    principal: CurrentPrincipal,
    services: Services,
    memory_limit: Annotated[int, Query(ge=0, le=500)] = 50,
) -> EntityDetail:
    await services.entities.get(principal.user_id, entity_id)
    memories = (
        await services.memories.for_entity(principal.user_id, entity_id, limit=memory_limit)
        if memory_limit
        else []
    )
    return await services.entities.detail(principal.user_id, entity_id, memories)
