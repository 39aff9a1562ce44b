"""Settings of the scheduler service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.settings import DEFAULT_PORTS, ServiceSettings
from pydantic import Field, SecretStr


class SchedulerSettings(ServiceSettings):
    service_name: str = "scheduler"
    port: int = DEFAULT_PORTS["scheduler"]

    timer_lease_seconds: float = Field(
        default=30.0, ge=1, description="A replica that dies mid-fire loses its timers after this."
    )
    timer_batch_size: int = Field(default=200, ge=1, le=5000)
    timer_concurrency: int = Field(default=8, ge=1, le=256)
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
