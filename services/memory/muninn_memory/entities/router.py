"""/v1/entities: the people, places and things in a user's memories, and the user's
corrections of them (edit, merge, split, delete) with their history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from muninn_shared.auth import CurrentPrincipal

from muninn_memory.deps import Services
from muninn_memory.entities.models import (
    Entity,
    EntityDetail,
    EntityHistory,
    EntityMerge,
    EntityPage,
    EntityPatch,
    EntitySplit,
)
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


@router.patch(
    "/{entity_id}",
    summary="Correct an entity: name, type, aliases, roles, description, preferences",
    description="Lists replace what the entity had. A new name keeps the old one as an alias "
    "unless aliases are given too; a name left out of the aliases is no longer recognised as "
    "this entity. Every change is kept in the entity's history.",
)
async def patch_entity(
    entity_id: str, body: EntityPatch, principal: CurrentPrincipal, services: Services
) -> Entity:
    return await services.entity_corrections.edit(principal.user_id, entity_id, body)


@router.post(
    "/{entity_id}/merge",
    summary="Merge an entity into another (the same person, place or thing)",
    description="The other entity stays: it takes this one's names, roles, memories, "
    "relationships and contacts. This one then answers 404 (code entity-merged, naming the "
    "other) and its history says where it went; its names are recognised as the other.",
)
async def merge_entity(
    entity_id: str, body: EntityMerge, principal: CurrentPrincipal, services: Services
) -> Entity:
    return await services.entity_corrections.merge(principal.user_id, entity_id, body)


@router.post(
    "/{entity_id}/split",
    status_code=201,
    summary="Split a new entity off one that stood for two",
    description="The chosen memories (and aliases and roles) move to the new entity.",
)
async def split_entity(
    entity_id: str, body: EntitySplit, principal: CurrentPrincipal, services: Services
) -> Entity:
    return await services.entity_corrections.split(principal.user_id, entity_id, body)


@router.delete(
    "/{entity_id}",
    status_code=204,
    summary="Delete an entity (its memories stay, unlinked)",
    description="Messages said before the deletion do not make it again (a replay or "
    "re-sync); a mention said afterwards makes a new entity.",
)
async def delete_entity(
    entity_id: str,
    principal: CurrentPrincipal,
    services: Services,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    await services.entity_corrections.delete(principal.user_id, entity_id, reason)
    return Response(status_code=204)


@router.get(
    "/{entity_id}/history",
    summary="Every correction of an entity, also once merged or deleted",
)
async def entity_history(
    entity_id: str, principal: CurrentPrincipal, services: Services
) -> EntityHistory:
    return await services.entities.history(principal.user_id, entity_id)
