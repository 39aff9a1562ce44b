"""Settings of the conversation service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from muninn_shared.settings import DEFAULT_PORTS, ServiceSettings


class ConversationSettings(ServiceSettings):
    service_name: str = "conversation"
    port: int = DEFAULT_PORTS["conversation"]
