"""/v1/reminders: one-shot and recurring reminders in your timezone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.contexts import Context
from muninn_shared.http.owned import add_owned_item_routes

from muninn_scheduler.deps import Services
from muninn_scheduler.reminders.models import (
    Reminder,
    ReminderIn,
    ReminderPage,
    ReminderPatch,
    ReminderStatus,
    Snooze,
)
from muninn_scheduler.reminders.service import ReminderService
from muninn_scheduler.schema import Paging

router = APIRouter(prefix="/v1/reminders", tags=["reminders"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a reminder")
async def create(body: ReminderIn, principal: CurrentPrincipal, services: Services) -> Reminder:
    return await services.reminders.create(principal.user_id, body)


@router.get("", summary="Your reminders, newest first")
async def list_reminders(
    principal: CurrentPrincipal,
    services: Services,
    paging: Paging,
    status: ReminderStatus | None = None,
    context: Context | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
) -> ReminderPage:
    return await services.reminders.page(
        principal.user_id, paging, status=status, context=context, tag=tag
    )


def _reminders(services: Services) -> ReminderService:
    return services.reminders


add_owned_item_routes(
    router,
    _reminders,
    id_name="reminder_id",
    model=Reminder,
    patch_model=ReminderPatch,
    get_summary="One reminder with its next occurrences",
    patch_summary="Change a reminder (time changes reschedule it)",
    delete_summary="Delete a reminder",
    patch_name="update",
)


@router.post("/{reminder_id}/complete", summary="Mark done (ends a recurring series)")
async def complete(reminder_id: str, principal: CurrentPrincipal, services: Services) -> Reminder:
    return await services.reminders.complete(principal.user_id, reminder_id)


@router.post("/{reminder_id}/snooze", summary="Remind me again later")
async def snooze(
    reminder_id: str, body: Snooze, principal: CurrentPrincipal, services: Services
) -> Reminder:
    return await services.reminders.snooze(principal.user_id, reminder_id, body)
