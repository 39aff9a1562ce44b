"""Nudges: birthdays, and relationships going cold; each can be snoozed or opted out of."""

from __future__ import annotations

from datetime import datetime

from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, model_validator

from muninn_scheduler.schema import AwareDatetime


class NudgeSettings(BaseModel):
    enabled: bool = True
    birthdays: bool = True
    going_cold: bool = True
    job_changes: bool = True
    follow_ups: bool = True
    briefings: bool = True
    follow_up_after_days: int = Field(
        default=3, description="Days an e-mail from a contact waits for a reply before a nudge."
    )
    snoozed_until: datetime | None = None
    next_check_at: datetime | None = Field(
        default=None, description="The next daily check, at your morning contact hour."
    )


class NudgeSettingsIn(Strict):
    enabled: bool | None = None
    birthdays: bool | None = None
    going_cold: bool | None = None
    job_changes: bool | None = None
    follow_ups: bool | None = None
    briefings: bool | None = None
    follow_up_after_days: int | None = Field(default=None, ge=1, le=30)

    @model_validator(mode="after")
    def _some(self) -> NudgeSettingsIn:
        if not self.model_fields_set:
            raise ValueError(
                "give at least one of enabled, birthdays, going_cold, job_changes, follow_ups, "
                "briefings, follow_up_after_days"
            )
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class SnoozeIn(Strict):
    days: int | None = Field(default=None, ge=1, le=365)
    until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one(self) -> SnoozeIn:
        if (self.days is None) == (self.until is None):
            raise ValueError("give days or until")
        return self


class ContactNudgeIn(Strict):
    opt_out: bool | None = Field(default=None, description="Never nudge about this contact.")
    snooze_days: int | None = Field(default=None, ge=1, le=365)
    snoozed_until: AwareDatetime | None = Field(default=None, description="Null clears a snooze.")

    @model_validator(mode="after")
    def _valid(self) -> ContactNudgeIn:
        if not self.model_fields_set:
            raise ValueError("give opt_out, snooze_days or snoozed_until")
        if self.snooze_days is not None and "snoozed_until" in self.model_fields_set:
            raise ValueError("give snooze_days or snoozed_until, not both")
        if "opt_out" in self.model_fields_set and self.opt_out is None:
            raise ValueError("opt_out cannot be null")
        return self


class TrackedContact(BaseModel):
    contact_id: str
    name: str | None = None
    birthday: str | None = Field(default=None, description="MM-DD or YYYY-MM-DD")
    interaction_count: int = 0
    last_interaction_at: datetime | None = None
    usual_gap_days: float | None = Field(
        default=None, description="Median days between interactions (needs three or more)."
    )
    cold_after_days: float | None = None
    going_cold: bool = False
    opt_out: bool = False
    snoozed_until: datetime | None = None


class TrackedContactList(BaseModel):
    items: list[TrackedContact]
