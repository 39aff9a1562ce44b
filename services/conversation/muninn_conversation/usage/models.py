"""Usage records, limits and the summaries the API returns."""

from __future__ import annotations

from datetime import date, datetime

from muninn_shared.pagination import CursorPage
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, model_validator


class UsageDay(BaseModel):
    """One day's use of one model for one feature."""

    day: date
    provider: str
    model: str
    feature: str = Field(
        default="chat",
        description="What the calls were for: chat, memory_extraction, memory_indexing, "
        "memory_search, memory_summary, scheduler_plans, scheduler_reviews, briefings, patterns…",
    )
    messages: int = Field(default=0, description="Chat messages answered (chat only).")
    calls: int = Field(default=0, description="Model calls recorded (failed ones included).")
    failed_calls: int = 0
    unpriced_calls: int = Field(
        default=0, description="Calls whose model has no known price: not in cost_usd."
    )
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class UsageTotals(BaseModel):
    messages: int = 0
    calls: int = 0
    failed_calls: int = 0
    unpriced_calls: int = Field(
        default=0, description="Calls whose model has no known price: not in cost_usd."
    )
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class UsageCall(BaseModel):
    """One call to a model provider made for you: a chat reply, a memory extraction, an
    embedding request, the scheduler reading a message…"""

    id: str
    service: str = Field(description="The Muninn service that made the call.")
    provider: str = Field(
        description="openai, anthropic, a configured provider's name, or a "
        "self-hosted server's host."
    )
    endpoint: str = Field(description="chat/completions or embeddings.")
    model: str
    feature: str
    context: str | None = Field(default=None, description="work, personal, family… when known.")
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    tokens_reported: bool = Field(
        description="False when the provider did not report the tokens (they were counted as "
        "about a quarter of the characters, or not at all)."
    )
    cost_usd: float | None = Field(
        description="USD from the price table; null when the model's price is unknown (never "
        "guessed)."
    )
    latency_ms: int
    success: bool
    error_code: str | None = None
    called_at: datetime


class UsageCallPage(CursorPage[UsageCall]):
    pass


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
