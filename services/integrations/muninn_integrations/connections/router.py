"""/v1/integrations: what can be connected, the user's connections, re-checks and disconnection."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from muninn_shared.auth import CurrentPrincipal

from muninn_integrations.connections.models import (
    Connection,
    ConnectionPage,
    ConnectionPatch,
    CredentialsConnect,
    ProviderList,
)
from muninn_integrations.deps import Services

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])

ConnectionId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/providers", summary="The kinds of accounts this instance can connect")
async def providers(principal: CurrentPrincipal, services: Services) -> ProviderList:
    return services.connections.providers()


@router.post(
    "/connections",
    status_code=status.HTTP_201_CREATED,
    summary="Connect an account with a user name and an app password (or a public feed)",
)
async def connect(
    body: CredentialsConnect, principal: CurrentPrincipal, services: Services
) -> Connection:
    return await services.connections.connect(principal.user_id, body)


@router.get("/connections", summary="Your connections, newest first")
async def list_connections(
    principal: CurrentPrincipal,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ConnectionPage:
    return await services.connections.page(principal.user_id, limit=limit, cursor=cursor)


@router.get("/connections/{connection_id}", summary="One connection")
async def get_connection(
    connection_id: ConnectionId, principal: CurrentPrincipal, services: Services
) -> Connection:
    return await services.connections.get(principal.user_id, connection_id)


@router.patch("/connections/{connection_id}", summary="Rename, pause or change how often it syncs")
async def update_connection(
    connection_id: ConnectionId,
    body: ConnectionPatch,
    principal: CurrentPrincipal,
    services: Services,
) -> Connection:
    return await services.connections.update(principal.user_id, connection_id, body)


@router.post(
    "/connections/{connection_id}/test",
    summary="Reach the server again with the stored credentials",
)
async def test_connection(
    connection_id: ConnectionId, principal: CurrentPrincipal, services: Services
) -> Connection:
    return await services.connections.recheck(principal.user_id, connection_id)


@router.delete(
    "/connections/{connection_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Disconnect: the stored secret is destroyed; purge=true also removes synced data",
)
async def disconnect(
    connection_id: ConnectionId,
    principal: CurrentPrincipal,
    services: Services,
    purge: bool = False,
) -> Response:
    await services.connections.disconnect(principal.user_id, connection_id, purge=purge)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
