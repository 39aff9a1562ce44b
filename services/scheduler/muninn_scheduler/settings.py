"""Settings of the scheduler service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.outbound import OutboundSettings
from muninn_shared.settings import DEFAULT_PORTS
from pydantic import Field, SecretStr


class SchedulerSettings(OutboundSettings):
    service_name: str = "scheduler"
    port: int = DEFAULT_PORTS["scheduler"]

    timer_lease_seconds: float = Field(
        default=30.0, ge=1, description="A replica that dies mid-fire loses its timers after this."
    )
    timer_batch_size: int = Field(default=200, ge=1, le=5000)
    timer_poll_interval_seconds: float = Field(default=0.5, gt=0)
    timer_max_attempts: int = Field(default=5, ge=1)
    timer_retry_base_seconds: float = Field(default=5.0, ge=0)

    delivery_max_attempts: int = Field(
        default=6, ge=1, description="Webhook/e-mail attempts before dead-lettering."
    )
    delivery_retry_base_seconds: float = Field(default=30.0, ge=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    smtp_host: str | None = Field(default=None, description="Unset disables the e-mail channel.")
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_use_tls: bool = False
    smtp_start_tls: bool | None = None
    smtp_sender: str = "Muninn <muninn@localhost>"
    email_confirmation_url: str | None = Field(
        default=None,
        description="Link sent to confirm a new e-mail address, with {token} where the token "
        "goes (your app posts it to /v1/notifications/channels/email/confirm); unset = the "
        "e-mail carries the token itself.",
    )
    email_confirmation_ttl_hours: int = Field(default=24, ge=1, le=24 * 14)

    # Optional LLM extraction of plans, reviews, expenses and list requests (OpenAI-compatible
    # /chat/completions);
    # the offline rule-based extractors are used when unset or when the model fails.
    scheduler_llm_base_url: str | None = None
    scheduler_llm_api_key: SecretStr | None = None
    scheduler_llm_model: str | None = None
    scheduler_llm_timeout_seconds: float = Field(default=20.0, gt=0)

    plans_from_conversation: bool = Field(
        default=True,
        description="Create reminders, experiences and expenses, change lists and answer "
        "spending and list questions from what users write.",
    )
    undo_window_minutes: int = Field(
        default=24 * 60, ge=1, description="How long replying 'undo' cancels the last plan."
    )
    follow_up_delay_minutes: int = Field(
        default=60, ge=0, description="Default wait after an experience ends before asking."
    )
    review_reply_window_hours: int = Field(
        default=72, ge=1, description="How long a reply to a follow-up counts as the review."
    )
    nudge_hour: int = Field(
        default=9, ge=0, le=23, description="Local hour of the daily birthday/going-cold check."
    )
    going_cold_min_days: int = Field(default=14, ge=1)
    going_cold_factor: float = Field(
        default=2.0, gt=1, description="Cold when silent for this many usual gaps."
    )

    # Patterns learned from what the user does (muninn_scheduler.patterns).
    patterns_learn_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often users with new activity are learned again."
    )
    patterns_min_evidence: int = Field(
        default=5, ge=2, description="Observations a pattern needs before it is reported."
    )
    patterns_min_confidence: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Confidence the active-hours pattern needs before notifications wait for it.",
    )
    patterns_activity_days: int = Field(
        default=400,
        ge=7,
        le=3660,
        description="How long observations are kept (long enough to see a season come back).",
    )
    patterns_max_wait_hours: int = Field(
        default=24,
        ge=1,
        le=72,
        description="The longest a notification that can wait waits for a learned hour.",
    )
    patterns_memories: int = Field(
        default=100, ge=10, le=200, description="Memories an LLM reads to find behaviour patterns."
    )
