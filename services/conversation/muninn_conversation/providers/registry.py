"""The providers this process can use, and which one answers a given conversation.

Resolution never fails: the conversation's choice wins, then the user's preference, then the
server default, and a level naming a provider that is not configured here simply yields to
the next one — ending, at worst, at the offline responder, which is always registered.
"""

from __future__ import annotations

from decimal import Decimal

from muninn_shared.logging import get_logger

from muninn_conversation.providers.anthropic import AnthropicProvider
from muninn_conversation.providers.config import (
    OFFLINE,
    ProviderConfig,
    ProvidersSettings,
    provider_configs,
)
from muninn_conversation.providers.models import ChatProvider
from muninn_conversation.providers.offline import OfflineProvider
from muninn_conversation.providers.openai_compat import OpenAICompatibleProvider
from muninn_conversation.providers.pricing import (
    ModelPrice,
    cost_usd,
    default_prices,
    merged_prices,
    tokens_cost,
)
from muninn_conversation.providers.retry import RetryPolicy
from muninn_conversation.providers.transport import StreamingHttpProvider

__all__ = ["ProviderRegistry", "build_provider", "cost_usd"]

log = get_logger(__name__)

# Names users (and older clients) use for the same providers.
ALIASES = {"claude": "anthropic", "chatgpt": "openai", "gpt": "openai"}


def build_provider(
    config: ProviderConfig, settings: ProvidersSettings, retry: RetryPolicy
) -> ChatProvider:
    if config.kind == "offline":
        return OfflineProvider(config.name, config.advertised)
    adapter: type[StreamingHttpProvider]
    if config.kind == "anthropic":
        adapter = AnthropicProvider
    elif config.kind in ("openai", "openai_compatible"):
        adapter = OpenAICompatibleProvider
    else:
        raise ValueError(f"no adapter for provider kind {config.kind!r}")
    return adapter(
        config,
        timeout_seconds=settings.request_timeout_seconds,
        connect_timeout_seconds=settings.connect_timeout_seconds,
        retry=retry,
    )


class ProviderRegistry:
    def __init__(self, config: ProvidersSettings, *, retry: RetryPolicy | None = None) -> None:
        self.settings = config
        policy = retry or RetryPolicy(
            max_retries=config.max_retries,
            base_seconds=config.retry_base_seconds,
            max_seconds=config.retry_max_seconds,
        )
        self._providers: dict[str, ChatProvider] = {}
        self._configs: dict[str, ProviderConfig] = {}
        for provider_config in provider_configs(config):
            self.register(build_provider(provider_config, config, policy), provider_config)
        if self._canonical(config.default_provider) not in self._providers:
            log.warning(
                "default LLM provider is not configured; using the offline responder",
                default_provider=config.default_provider,
                configured=self.names(),
            )

    @classmethod
    def from_env(cls) -> ProviderRegistry:
        return cls(ProvidersSettings())

    def register(self, provider: ChatProvider, config: ProviderConfig | None = None) -> None:
        """Add (or replace) a provider; without a config, its first model is its default and it has no prices."""
        if config is None:
            models = list(provider.models)
            config = ProviderConfig(
                name=provider.name,
                kind="custom",
                default_model=models[0] if models else "default",
                models=models,
            )
        self._providers[provider.name] = provider
        self._configs[provider.name] = config

    # -- lookups ---------------------------------------------------------------------------------

    def _canonical(self, name: str | None) -> str | None:
        if not name or not name.strip():
            return None
        raw = name.strip()
        for key in (raw, raw.lower(), ALIASES.get(raw.lower(), "")):
            if key in self._providers:
                return key
        return None

    def get(self, name: str) -> ChatProvider | None:
        key = self._canonical(name)
        return self._providers[key] if key else None

    def names(self) -> list[str]:
        return list(self._providers)

    @property
    def default_provider(self) -> str:
        return self._canonical(self.settings.default_provider) or OFFLINE

    def config_for(self, name: str) -> ProviderConfig:
        key = self._canonical(name)
        if key is not None:
            return self._configs[key]
        # Pricing a reply from a provider that has since gone must not break the reply: no prices.
        return ProviderConfig(name=name, kind="custom", default_model="default")

    def prices_for(self, provider: str) -> dict[str, ModelPrice]:
        """The price table of a provider as another service names it (muninn_shared.model_calls:
        ``openai``, ``anthropic``, or a self-hosted server's host): a registered provider's own
        table, else the list prices of OpenAI's and Anthropic's APIs, with ``MUNINN_LLM_PRICES``
        applied either way; a self-hosted model is priced only when the operator says how."""
        key = self._canonical(provider)
        if key is not None:
            return dict(self._configs[key].prices)
        kind = provider if provider in ("openai", "anthropic") else "openai_compatible"
        return merged_prices(provider, default_prices(kind), {}, self.settings.prices)

    def call_cost(
        self, provider: str, model: str, input_tokens: int, output_tokens: int
    ) -> Decimal | None:
        """A recorded model call's cost in USD, None when the model's price is unknown."""
        return tokens_cost(self.prices_for(provider), model, input_tokens, output_tokens)

    def all_models(self) -> list[tuple[str, str]]:
        return [
            (name, model) for name, config in self._configs.items() for model in config.advertised
        ]

    # -- resolution ------------------------------------------------------------------------------

    def resolve(
        self,
        *,
        conversation_provider: str | None,
        conversation_model: str | None,
        preferred_provider: str | None,
        preferred_model: str | None,
    ) -> tuple[ChatProvider, str]:
        """The provider and model to use: conversation settings → user preference → server default."""
        for provider, model in (
            (conversation_provider, conversation_model),
            (preferred_provider, preferred_model),
            (self.default_provider, None),
        ):
            chosen = self._choose(provider, model)
            if chosen is not None:
                return chosen
        offline = self._configs[OFFLINE]
        return self._providers[OFFLINE], offline.default_model

    def _choose(self, provider: str | None, model: str | None) -> tuple[ChatProvider, str] | None:
        provider = provider.strip() if provider and provider.strip() else None
        model = model.strip() if model and model.strip() else None
        name = self._canonical(provider)
        if provider is None and model is not None and "/" in model:
            # "anthropic/claude-haiku-4-5" names both, as in GET /v1/models.
            prefix, _, rest = model.partition("/")
            if self._canonical(prefix) is not None:
                name, model = self._canonical(prefix), rest.strip() or None
        if name is None:
            if provider is not None or model is None:
                return (
                    None  # an unknown provider (or nothing) at this level: the next level decides
                )
            return self._advertising(model)
        config = self._configs[name]
        if model is None or (config.kind == "offline" and model not in config.advertised):
            model = config.default_model
        return self._providers[name], model

    def _advertising(self, model: str) -> tuple[ChatProvider, str] | None:
        for name, config in self._configs.items():
            if model in config.advertised:
                return self._providers[name], model
        return None

    async def aclose(self) -> None:
        for provider in self._providers.values():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()
