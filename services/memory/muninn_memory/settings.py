"""Settings of the memory service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.settings import DEFAULT_PORTS, ServiceSettings


class MemorySettings(ServiceSettings):
    service_name: str = "memory"
    port: int = DEFAULT_PORTS["memory"]
