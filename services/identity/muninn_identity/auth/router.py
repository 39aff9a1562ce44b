"""/v1/auth: register, login, refresh, logout."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from muninn_identity.auth.models import (
    Credentials,
    LogoutRequest,
    RefreshRequest,
    Registration,
    Session,
    TokenPair,
)
from muninn_identity.deps import ClientInfo, Services

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account",
)
async def register(body: Registration, services: Services, client: ClientInfo) -> Session:
    return await services.auth.register(body, client)


@router.post("/login", summary="Sign in with email and password")
async def login(body: Credentials, services: Services, client: ClientInfo) -> Session:
    return await services.auth.login(body, client)


@router.post(
    "/refresh",
    summary="Exchange a refresh token for new tokens (rotation)",
    description="Each refresh token works once. Reusing one revokes the whole session.",
)
async def refresh(body: RefreshRequest, services: Services, client: ClientInfo) -> TokenPair:
    return await services.auth.refresh(body.refresh_token, client)


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End the session of a refresh token"
)
async def logout(body: LogoutRequest, services: Services, client: ClientInfo) -> Response:
    await services.auth.logout(body.refresh_token, client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
