"""Settings of the conversation service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.settings import DEFAULT_PORTS, ServiceSettings
from pydantic import Field


class ConversationSettings(ServiceSettings):
    service_name: str = "conversation"
    port: int = DEFAULT_PORTS["conversation"]
    memory_recall_timeout_seconds: float = Field(
        default=1.5, gt=0, description="Replies never wait longer for memory."
    )
    memory_recall_limit: int = Field(default=6, ge=0, le=50)
    generation_lease_seconds: float = Field(
        default=30.0,
        ge=2,
        description="A reply whose process stops renewing this is marked as an error.",
    )
    generation_save_interval_seconds: float = Field(
        default=0.25, gt=0, description="How often streamed text is saved."
    )
    generation_sweep_interval_seconds: float = Field(default=10.0, gt=0)
    typing_indicator_ttl_seconds: float = Field(
        default=8.0, gt=0, le=120, description="A typing indicator not renewed within this lapses."
    )
    usage_messages_per_day: int | None = Field(
        default=2000, ge=1, description="Replies per user per UTC day; unset for unlimited."
    )
    usage_spend_per_month_usd: float | None = Field(
        default=None,
        ge=0,
        description="Provider spend per user per UTC month; unset for unlimited.",
    )
