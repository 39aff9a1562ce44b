"""/v1/me: profile, preferences and presence of the signed-in user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from muninn_identity.deps import ActiveUser, ClientInfo, Services
from muninn_identity.users.models import Preferences, Presence, PresenceUpdate, User, UserPatch

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", summary="The signed-in user")
async def get_me(user: ActiveUser, services: Services) -> User:
    return await services.users.get(user.user_id)


@router.patch("", summary="Change profile fields")
async def patch_me(
    patch: UserPatch, user: ActiveUser, services: Services, client: ClientInfo
) -> User:
    return await services.users.update_profile(user.user_id, patch, client)


@router.get("/preferences", summary="The full preferences object")
async def get_preferences(user: ActiveUser, services: Services) -> Preferences:
    return (await services.users.get(user.user_id)).preferences


@router.patch(
    "/preferences",
    summary="Change preferences (JSON Merge Patch, RFC 7396)",
    description='Send only what changes, e.g. `{"notifications": {"quiet_hours": {"enabled": true}}}`. '
    "The result is validated as a whole; an invalid result changes nothing.",
)
async def patch_preferences(
    user: ActiveUser,
    services: Services,
    client: ClientInfo,
    patch: dict[str, Any] = Body(
        ..., examples=[{"timezone": "Europe/Lisbon", "response_style": "detailed"}]
    ),
) -> Preferences:
    return await services.users.update_preferences(user.user_id, patch, client)


@router.get("/presence", summary="Online status")
async def get_presence(user: ActiveUser, services: Services) -> Presence:
    return await services.users.presence(user.user_id)


@router.put("/presence", summary="Report online status (heartbeat)")
async def put_presence(update: PresenceUpdate, user: ActiveUser, services: Services) -> Presence:
    return await services.users.set_presence(user.user_id, update)
