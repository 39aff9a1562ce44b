"""Settings of the byod service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.settings import DEFAULT_PORTS, ServiceSettings


class ByodSettings(ServiceSettings):
    service_name: str = "byod"
    port: int = DEFAULT_PORTS["byod"]
