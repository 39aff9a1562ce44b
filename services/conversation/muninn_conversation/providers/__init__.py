"""LLM providers: the port (models), its adapters (offline, OpenAI-compatible, Anthropic), the registry.

The rest of the service only sees :class:`ChatProvider` and :class:`ProviderRegistry`; which
vendor answers is configuration (``MUNINN_LLM_*``), never code.
"""

from muninn_conversation.providers.config import ProviderConfig, ProvidersSettings
from muninn_conversation.providers.models import (
    ChatMessage,
    ChatProvider,
    Completion,
    GenerationRequest,
    ProviderError,
    RecalledMemory,
    TextDelta,
    Usage,
    UserContext,
)
from muninn_conversation.providers.registry import ProviderRegistry, cost_usd

__all__ = [
    "ChatMessage",
    "ChatProvider",
    "Completion",
    "GenerationRequest",
    "ProviderConfig",
    "ProviderError",
    "ProviderRegistry",
    "ProvidersSettings",
    "RecalledMemory",
    "TextDelta",
    "Usage",
    "UserContext",
    "cost_usd",
]
