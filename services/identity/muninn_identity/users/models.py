"""The user, their full preferences (assistant, notifications, privacy, appearance) and presence."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from muninn_shared.contexts import Context
from muninn_shared.money import CurrencyCode
from muninn_shared.patches import require_change
from muninn_shared.strict import Strict
from pydantic import (
    AfterValidator,
    BaseModel,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)


def normalize_email(email: str) -> str:
    """The form an account's email is stored and looked up in (``email_normalized``)."""
    return email.strip().lower()


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _valid_timezone(value: str) -> str:
    if value in ("UTC", "Etc/UTC"):
        return value
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA time zone (e.g. 'Europe/Lisbon')") from None
    if value not in available_timezones():
        raise ValueError(f"'{value}' is not an IANA time zone (e.g. 'Europe/Lisbon')")
    return value


TimeZoneName = Annotated[str, AfterValidator(_valid_timezone)]


def _valid_language(value: str) -> str:
    if not _LANGUAGE.match(value):
        raise ValueError("must be a BCP 47 language tag such as 'en' or 'pt-BR'")
    return value


LanguageTag = Annotated[str, Field(max_length=35), AfterValidator(_valid_language)]


class ResponseStyle(StrEnum):
    CONCISE = "concise"
    DETAILED = "detailed"
    CASUAL = "casual"


class Theme(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


class SubscriptionTier(StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class QuietHours(Strict):
    enabled: bool = False
    start: str = Field(default="22:00", description="Local time HH:MM when quiet hours begin.")
    end: str = Field(
        default="08:00", description="Local time HH:MM when they end (may be next day)."
    )

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("must be a 24-hour time HH:MM, e.g. '22:00'")
        return value


class NotificationPreferences(Strict):
    push_notifications: bool = True
    email_follow_ups: bool = False
    proactive_messages: bool = True
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    event_reminder_minutes: int | None = Field(
        default=30,
        ge=0,
        le=10080,
        description="Remind this many minutes before an event in a connected calendar; "
        "null turns calendar reminders off.",
    )


class PrivacyPreferences(Strict):
    share_data_for_improvement: bool = False
    long_term_memory: bool = True
    cross_context_learning: bool = True
    data_retention_days: int = Field(default=0, ge=0, le=36500, description="0 keeps data forever.")


class PreferredContactTimes(Strict):
    morning: int | None = Field(default=9, ge=5, le=11, description="Hour of the day, e.g. 9.")
    afternoon: int | None = Field(default=14, ge=12, le=17)
    evening: int | None = Field(default=18, ge=17, le=23)


class Location(Strict):
    city: str = Field(min_length=1, max_length=120)
    state: str = Field(default="", max_length=120)
    country: str = Field(min_length=2, max_length=120)
    timezone: TimeZoneName | None = None


class Preferences(Strict):
    default_context: Context = Context.PERSONAL
    ai_provider: str = Field(
        default="offline", min_length=1, max_length=40, pattern=r"^[a-z0-9_.-]+$"
    )
    ai_model: str | None = Field(default=None, max_length=120)
    response_style: ResponseStyle = ResponseStyle.CONCISE
    voice_enabled: bool = False
    voice_provider: str = Field(default="browser", max_length=40)
    voice_speed: float = Field(default=1.0, ge=0.5, le=2.0)
    notifications: NotificationPreferences = Field(default_factory=NotificationPreferences)
    privacy: PrivacyPreferences = Field(default_factory=PrivacyPreferences)
    theme: Theme = Theme.SYSTEM
    language: LanguageTag = "en"
    timezone: TimeZoneName = "UTC"
    currency: CurrencyCode | None = Field(
        default=None,
        description="ISO 4217 code of the currency an amount said without one is in "
        "(expenses from conversation); unset: the assistant asks.",
    )
    preferred_contact_times: PreferredContactTimes = Field(default_factory=PreferredContactTimes)
    location: Location | None = None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class User(BaseModel):
    id: str
    email: EmailStr
    name: str | None = None
    avatar_url: str | None = None
    assistant_name: str | None = None
    preferences: Preferences
    subscription_tier: SubscriptionTier = SubscriptionTier.FREE
    subscription_status: str = "active"
    onboarding_completed: bool = False
    status: str = "active"
    created_at: datetime
    updated_at: datetime
    last_active_at: datetime
    last_login_at: datetime | None = None


class UserPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    avatar_url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://")
    assistant_name: str | None = Field(default=None, min_length=1, max_length=60)
    onboarding_completed: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> UserPatch:
        require_change(self)
        # name, avatar and assistant name can be cleared with null; the onboarding flag cannot.
        if "onboarding_completed" in self.model_fields_set and self.onboarding_completed is None:
            raise ValueError("onboarding_completed must be true or false, not null")
        return self


class Presence(BaseModel):
    is_online: bool
    last_seen_at: datetime
    current_conversation_id: str | None = None


class PresenceUpdate(Strict):
    is_online: bool
    current_conversation_id: str | None = Field(default=None, max_length=64)
