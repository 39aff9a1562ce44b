"""Notifications and the channels they travel through (in-app, webhook, confirmed e-mail)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from muninn_shared.pagination import CursorPage
from muninn_shared.strict import Strict
from pydantic import AnyHttpUrl, BaseModel, EmailStr, Field


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class NotificationStatus(StrEnum):
    SCHEDULED = "scheduled"  # deferred (quiet hours, rate limit) or not yet due
    UNREAD = "unread"
    READ = "read"
    DISMISSED = "dismissed"
    ACTED_UPON = "acted_upon"


class ChannelName(StrEnum):
    IN_APP = "in_app"
    WEBHOOK = "webhook"
    EMAIL = "email"


class ChannelStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


class ChannelState(BaseModel):
    status: ChannelStatus = ChannelStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    delivered_at: datetime | None = None


class Notification(BaseModel):
    id: str
    kind: str = Field(description="reminder, follow_up, birthday, going_cold, task_due, …")
    title: str
    body: str
    priority: Priority
    status: NotificationStatus
    deliver_at: datetime
    delivered_at: datetime | None = None
    deferred_reason: str | None = Field(
        default=None,
        description="quiet_hours, rate_limit, or learned_hours (it waits for the hours you "
        "usually answer at)",
    )
    flexible: bool = Field(
        default=False,
        description="Not tied to a moment you chose (a nudge, a follow-up question): it may "
        "wait for the hours you usually answer at, unless urgent or high priority.",
    )
    channels: dict[ChannelName, ChannelState] = Field(default_factory=dict)
    ref_kind: str | None = None
    ref_id: str | None = None
    conversation_id: str | None = None
    created_at: datetime
    read_at: datetime | None = None
    acted_at: datetime | None = None


class NotificationPage(CursorPage[Notification]):
    unread_count: int


class StatusChange(Strict):
    status: NotificationStatus = Field(
        description="read, dismissed or acted_upon (unread to mark it again)"
    )


class WebhookSettings(Strict):
    url: AnyHttpUrl
    enabled: bool = True


class EmailSettings(Strict):
    address: EmailStr
    enabled: bool = True


class ChannelSettingsIn(Strict):
    in_app: bool = True
    webhook: WebhookSettings | None = None
    email: EmailSettings | None = None
    max_per_hour: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Beyond this, notifications wait (urgent ones excepted).",
    )
    rotate_webhook_secret: bool = False


class ChannelSettings(BaseModel):
    in_app: bool = True
    webhook: WebhookSettings | None = None
    webhook_secret: str | None = Field(
        default=None,
        description="Shown in full only when it is created or rotated; sign checks use it.",
    )
    email: EmailSettings | None = None
    email_confirmed: bool = Field(
        default=False,
        description="Nothing is e-mailed to an address until its owner follows the "
        "confirmation link sent to it.",
    )
    max_per_hour: int = 10


class EmailConfirmation(Strict):
    token: str = Field(min_length=1, max_length=200)
