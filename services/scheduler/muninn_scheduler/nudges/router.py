"""/v1/notifications/nudges: birthday and going-cold nudges — settings, snooze, opt-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from muninn_shared.auth import CurrentPrincipal

from muninn_scheduler.deps import Services
from muninn_scheduler.nudges.models import (
    ContactNudgeIn,
    NudgeSettings,
    NudgeSettingsIn,
    SnoozeIn,
    TrackedContact,
    TrackedContactList,
)

router = APIRouter(prefix="/v1/notifications/nudges", tags=["nudges"])

ContactId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("", summary="Your nudge settings")
async def get_settings(principal: CurrentPrincipal, services: Services) -> NudgeSettings:
    return await services.nudges.settings(principal.user_id)


@router.patch("", summary="Turn nudges (or one kind) on or off")
async def update_settings(
    body: NudgeSettingsIn, principal: CurrentPrincipal, services: Services
) -> NudgeSettings:
    return await services.nudges.update_settings(principal.user_id, body)


@router.post("/snooze", summary="Pause all nudges for a while")
async def snooze(body: SnoozeIn, principal: CurrentPrincipal, services: Services) -> NudgeSettings:
    return await services.nudges.snooze(principal.user_id, body)


@router.delete("/snooze", summary="Resume nudges now")
async def unsnooze(principal: CurrentPrincipal, services: Services) -> NudgeSettings:
    return await services.nudges.snooze(principal.user_id, None)


@router.get("/contacts", summary="Contacts we watch: birthday, usual rhythm, going cold?")
async def contacts(
    principal: CurrentPrincipal, services: Services, going_cold: bool | None = None
) -> TrackedContactList:
    return await services.nudges.contacts(principal.user_id, going_cold)


@router.patch("/contacts/{contact_id}", summary="Opt a contact out of nudges, or snooze them")
async def update_contact(
    contact_id: ContactId, body: ContactNudgeIn, principal: CurrentPrincipal, services: Services
) -> TrackedContact:
    return await services.nudges.update_contact(principal.user_id, contact_id, body)
