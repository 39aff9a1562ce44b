"""Settings of the integrations service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.settings import DEFAULT_PORTS, ServiceSettings


class IntegrationsSettings(ServiceSettings):
    service_name: str = "integrations"
    port: int = DEFAULT_PORTS["integrations"]
