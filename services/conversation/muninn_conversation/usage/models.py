"""Usage records, limits and the summaries the API returns."""

from __future__ import annotations

from datetime import date

from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, model_validator


class UsageDay(BaseModel):
    day: date
    provider: str
    model: str
    messages: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class UsageTotals(BaseModel):
    messages: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class UsageReport(BaseModel):
    start: date
    end: date
    days: list[UsageDay]
    totals: UsageTotals


class UsageLimits(BaseModel):
    """What applies to this user now: the server's ceiling, lowered by the user's own caps."""

    messages_per_day: int | None = Field(description="None means unlimited.")
    spend_per_month_usd: float | None = Field(description="None means unlimited.")
    messages_today: int
    spend_this_month_usd: float
    server_messages_per_day: int | None
    server_spend_per_month_usd: float | None


class LimitsUpdate(Strict):
    """A user's own caps; they can only tighten the server's limits, never lift them."""

    messages_per_day: int | None = Field(default=None, ge=1, le=1_000_000)
    spend_per_month_usd: float | None = Field(default=None, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _not_empty(self) -> LimitsUpdate:
        if not self.model_fields_set:
            raise ValueError(
                "give messages_per_day and/or spend_per_month_usd (null removes a cap)"
            )
        return self
