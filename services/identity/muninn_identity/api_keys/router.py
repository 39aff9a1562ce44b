"""/v1/me/api-keys, and the internal exchange the gateway uses."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from muninn_shared.contracts.api_keys import ApiKeyGrant, ApiKeyVerification
from muninn_shared.http.scopes import ADMIN

from muninn_identity.api_keys.models import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
)
from muninn_identity.deps import ActiveUser, ClientInfo, Services

router = APIRouter(prefix="/v1/me/api-keys", tags=["api keys"])
internal = APIRouter(prefix="/internal/api-keys", tags=["internal"], include_in_schema=False)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key (shown once)",
    openapi_extra=ADMIN,
)
async def create_key(
    body: ApiKeyCreate, user: ActiveUser, services: Services, client: ClientInfo
) -> ApiKeyCreated:
    return await services.api_keys.create(user.user_id, body, client)


@router.get("", summary="List API keys (without secrets)")
async def list_keys(user: ActiveUser, services: Services) -> ApiKeyList:
    return ApiKeyList(items=await services.api_keys.list(user.user_id))


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key",
    openapi_extra=ADMIN,
)
async def revoke_key(
    key_id: str, user: ActiveUser, services: Services, client: ClientInfo
) -> Response:
    await services.api_keys.revoke(user.user_id, key_id, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@internal.post("/verify")
async def verify_key(body: ApiKeyVerification, services: Services) -> ApiKeyGrant:
    return await services.api_keys.verify(body.key)
