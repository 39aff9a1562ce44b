"""/v1/integrations: what can be connected, the user's connections, re-checks and disconnection."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_integrations.connections.models import (
    Connection,
    ConnectionPage,
    ConnectionPatch,
    CredentialsConnect,
    ProviderList,
)
from muninn_integrations.deps import CurrentCaller, PathId

router = APIRouter(prefix="/v1/integrations", tags=["integrations"])


@router.get("/providers", summary="The kinds of accounts this instance can connect")
async def providers(caller: CurrentCaller) -> ProviderList:
    return caller.services.connections.providers()


@router.post(
    "/connections",
    status_code=status.HTTP_201_CREATED,
    summary="Connect an account with a user name and an app password (or a public feed)",
)
async def connect(body: CredentialsConnect, caller: CurrentCaller) -> Connection:
    return await caller.services.connections.connect(caller.user_id, body)


@router.get("/connections", summary="Your connections, newest first")
async def list_connections(
    caller: CurrentCaller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
) -> ConnectionPage:
    return await caller.services.connections.page(caller.user_id, limit=limit, cursor=cursor)


@router.get("/connections/{connection_id}", summary="One connection")
async def get_connection(connection_id: PathId, caller: CurrentCaller) -> Connection:
    return await caller.services.connections.get(caller.user_id, connection_id)


@router.patch("/connections/{connection_id}", summary="Rename, pause or change how often it syncs")
async def update_connection(
    connection_id: PathId,
    body: ConnectionPatch,
    caller: CurrentCaller,
) -> Connection:
    return await caller.services.connections.update(caller.user_id, connection_id, body)


@router.post(
    "/connections/{connection_id}/test",
    summary="Reach the server again with the stored credentials",
)
async def test_connection(connection_id: PathId, caller: CurrentCaller) -> Connection:
    return await caller.services.connections.recheck(caller.user_id, connection_id)


@router.delete(
    "/connections/{connection_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Disconnect: the stored secret is destroyed; purge=true also removes synced data",
)
async def disconnect(
    connection_id: PathId,
    caller: CurrentCaller,
    purge: bool = False,
) -> Response:
    await caller.services.connections.disconnect(caller.user_id, connection_id, purge=purge)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
