"""Settings of the scheduler service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.settings import DEFAULT_PORTS, ServiceSettings


class SchedulerSettings(ServiceSettings):
    service_name: str = "scheduler"
    port: int = DEFAULT_PORTS["scheduler"]
