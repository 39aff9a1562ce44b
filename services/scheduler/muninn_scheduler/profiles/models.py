"""What the scheduler knows of a person: timezone, quiet hours, when to reach them."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field


class QuietHours(BaseModel):
    enabled: bool = False
    start: str = "22:00"
    end: str = "08:00"

    def bounds(self) -> tuple[time, time]:
        return time.fromisoformat(self.start), time.fromisoformat(self.end)


class ContactTimes(BaseModel):
    morning: int | None = 9
    afternoon: int | None = 14
    evening: int | None = 18

    def hours(self) -> list[int]:
        return sorted(h for h in (self.morning, self.afternoon, self.evening) if h is not None)


class NotificationSwitches(BaseModel):
    push_notifications: bool = True
    email_follow_ups: bool = False
    proactive_messages: bool = True


class Profile(BaseModel):
    """Kept current from ``identity.user.*`` events; defaults until the first one arrives."""

    user_id: str
    timezone: str = "UTC"
    currency: str | None = Field(
        default=None, description="ISO 4217 code of amounts said without a currency."
    )
    email: str | None = None
    display_name: str | None = None
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    preferred_contact_times: ContactTimes = Field(default_factory=ContactTimes)
    notifications: NotificationSwitches = Field(default_factory=NotificationSwitches)
    event_reminder_minutes: int | None = Field(
        default=30, description="Remind this long before a synced calendar event; None: never."
    )

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")
