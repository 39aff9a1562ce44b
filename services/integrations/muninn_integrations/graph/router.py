"""/v1/people (the user's circle, ties, paths, clusters) and
/v1/contacts/{id}/relationships (one contact's links, typed by hand).

``/v1/people/search`` belongs to the memory service; it is not defined here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from muninn_integrations.deps import ID_PATTERN, CurrentCaller, PathId
from muninn_integrations.graph.models import (
    ClusterList,
    CompanyContacts,
    ConnectionPath,
    LinkTypeBody,
    Neighbourhood,
    Relationship,
    RelationshipList,
    TieList,
)

router = APIRouter(prefix="/v1/people", tags=["people"])
relationships_router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

Strength = Annotated[float, Query(ge=0, le=1, description="Only links at least this strong")]


@router.get("/graph", summary="A contact's circle: who they know, up to three links away")
async def graph(
    caller: CurrentCaller,
    contact_id: Annotated[str, Query(min_length=1, max_length=64, pattern=ID_PATTERN)],
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
    min_strength: Strength = 0.0,
    limit: Annotated[int, Query(ge=1, le=200, description="Most contacts returned")] = 50,
) -> Neighbourhood:
    return await caller.services.graph.neighbourhood(
        caller.user_id, contact_id, depth=depth, min_strength=min_strength, limit=limit
    )


@router.get(
    "/path",
    summary="How you are connected to someone: the strongest chain of up to four links",
    responses={404: {"description": "An unknown contact, or no path"}},
)
async def path(
    caller: CurrentCaller,
    to: Annotated[str, Query(min_length=1, max_length=64, pattern=ID_PATTERN)],
    origin: Annotated[
        str | None,
        Query(
            alias="from",
            min_length=1,
            max_length=64,
            pattern=ID_PATTERN,
            description="A contact to start from; you when absent",
        ),
    ] = None,
) -> ConnectionPath:
    return await caller.services.graph.path(caller.user_id, to, origin)


@router.get("/ties", summary="The strongest ties among your contacts")
async def ties(
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TieList:
    return await caller.services.graph.ties(caller.user_id, limit)


@router.get("/at-company", summary="Who you know at a company, closest first")
async def at_company(
    caller: CurrentCaller,
    company: Annotated[
        str,
        Query(
            min_length=1,
            max_length=255,
            pattern=r"\S",
            description="A company's name, or its e-mail domain (acme.com)",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CompanyContacts:
    return await caller.services.graph.at_company(caller.user_id, company, limit)


@router.get("/clusters", summary="Groups of your contacts who know each other, largest first")
async def clusters(
    caller: CurrentCaller,
    min_strength: Strength = 0.2,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> ClusterList:
    return await caller.services.graph.clusters(caller.user_id, min_strength, limit)


@relationships_router.get(
    "/{contact_id}/relationships", summary="Whom a contact knows, strongest link first"
)
async def relationships(
    contact_id: PathId,
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RelationshipList:
    return await caller.services.graph.relationships(caller.user_id, contact_id, limit)


@relationships_router.put(
    "/{contact_id}/relationships/{other_id}",
    summary="Say what two contacts are to each other (kept over what is inferred)",
)
async def set_relationship(
    contact_id: PathId,
    other_id: PathId,
    body: LinkTypeBody,
    caller: CurrentCaller,
) -> Relationship:
    return await caller.services.graph.set_type(caller.user_id, contact_id, other_id, body.type)


@relationships_router.delete(
    "/{contact_id}/relationships/{other_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Undo a type you set: a link only you made goes, an inferred one goes back to its "
    "inferred type; an inferred link itself cannot be deleted (409)",
)
async def delete_relationship(
    contact_id: PathId, other_id: PathId, caller: CurrentCaller
) -> Response:
    await caller.services.graph.clear_type(caller.user_id, contact_id, other_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
