"""/v1/notifications: the inbox, and the channels notifications travel through."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.auth import CurrentPrincipal

from muninn_scheduler.deps import Services
from muninn_scheduler.notifications.models import (
    ChannelSettings,
    ChannelSettingsIn,
    EmailConfirmation,
    Notification,
    NotificationPage,
    NotificationStatus,
    StatusChange,
)
from muninn_scheduler.schema import Paging

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


@router.get("", summary="Delivered notifications, newest first")
async def list_notifications(
    principal: CurrentPrincipal,
    services: Services,
    paging: Paging,
    status: NotificationStatus | None = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
) -> NotificationPage:
    return await services.notifications.page(principal.user_id, paging, status=status, kind=kind)


@router.get("/scheduled", summary="Notifications waiting (quiet hours, rate limit)")
async def scheduled(principal: CurrentPrincipal, services: Services) -> list[Notification]:
    return await services.notifications.scheduled(principal.user_id)


@router.get("/channels", summary="How notifications reach you")
async def get_channels(principal: CurrentPrincipal, services: Services) -> ChannelSettings:
    return services.notifications.masked(
        await services.notifications.channel_settings(principal.user_id)
    )


@router.put("/channels", summary="Set channels (the webhook secret is shown once)")
async def put_channels(
    body: ChannelSettingsIn, principal: CurrentPrincipal, services: Services
) -> ChannelSettings:
    return await services.notifications.update_channel_settings(principal.user_id, body)


@router.post(
    "/channels/email/confirm", summary="Confirm the e-mail address with the token sent to it"
)
async def confirm_email(
    body: EmailConfirmation, principal: CurrentPrincipal, services: Services
) -> ChannelSettings:
    return await services.notifications.confirm_email(principal.user_id, body.token)


@router.get("/{notification_id}", summary="One notification, with per-channel delivery state")
async def get_notification(
    notification_id: str, principal: CurrentPrincipal, services: Services
) -> Notification:
    return await services.notifications.get(principal.user_id, notification_id)


@router.patch("/{notification_id}", summary="Mark read, dismissed or acted upon")
async def change_status(
    notification_id: str, body: StatusChange, principal: CurrentPrincipal, services: Services
) -> Notification:
    return await services.notifications.change_status(
        principal.user_id, notification_id, body.status
    )
