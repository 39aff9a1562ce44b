"""Which LLM providers this deployment talks to (``MUNINN_LLM_*`` environment variables).

The offline responder is always there, so a fresh install answers without any key. OpenAI
and Anthropic appear once they have a key (or a non-default base URL, for proxies and
gateways that need none). Any number of OpenAI-compatible servers (Ollama, vLLM, LM Studio,
llama.cpp, Azure's v1 endpoint …) are declared as a JSON list in ``MUNINN_LLM_PROVIDERS``::

    MUNINN_LLM_PROVIDERS='[{"name": "ollama", "base_url": "http://127.0.0.1:11434/v1",
                            "default_model": "llama3.1:8b", "prices": {"*": {"input": 0, "output": 0}}}]'
"""

from __future__ import annotations

from typing import Literal

from muninn_shared.strict import Strict
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from muninn_conversation.providers.pricing import ModelPrice, default_prices, merged_prices

OFFLINE = "offline"
OFFLINE_MODEL = "muninn-offline-1"
OPENAI_BASE_URL = "https://api.openai.com/v1"
ANTHROPIC_BASE_URL = "https://api.anthropic.com"

ProviderKind = Literal["offline", "openai", "anthropic", "openai_compatible", "custom"]
_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,39}$"


def _blank_to_none(value: object) -> object:
    # An exported-but-empty variable (MUNINN_LLM_OPENAI_API_KEY=) means "no key", not "empty key".
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _clean_url(url: str) -> str:
    return url.strip().rstrip("/")


class ProviderConfig(BaseModel):
    """One registered provider, as the adapters and the price table see it."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: ProviderKind
    base_url: str | None = None
    api_key: SecretStr | None = None
    default_model: str
    models: list[str] = Field(default_factory=list)
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    anthropic_version: str | None = None
    max_output_tokens: int | None = Field(
        default=None,
        description="Sent when the request sets no limit and the API requires one (Anthropic).",
    )

    @property
    def advertised(self) -> list[str]:
        """Models listed for this provider, the default first."""
        return [self.default_model, *(m for m in self.models if m != self.default_model)]


class CompatibleProvider(Strict):
    """An OpenAI-compatible server declared in ``MUNINN_LLM_PROVIDERS``."""

    name: str = Field(
        pattern=_NAME_PATTERN, description="Lower-case; used in 'provider/model' ids, so no '/'."
    )
    base_url: str = Field(
        description="Up to and including the version segment, e.g. http://127.0.0.1:11434/v1."
    )
    api_key: SecretStr | None = None
    default_model: str = Field(min_length=1)
    models: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra request headers (e.g. Azure's api-key)."
    )
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict, description="Keyed by model or '*'."
    )

    _blank_key = field_validator("api_key", mode="before")(_blank_to_none)

    @field_validator("name")
    @classmethod
    def _not_offline(cls, value: str) -> str:
        if value == OFFLINE:
            raise ValueError("'offline' is the built-in responder's name")
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http(s) URL")
        return _clean_url(value)


class ProvidersSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MUNINN_LLM_", extra="ignore", env_file=None)

    default_provider: str = Field(
        default=OFFLINE,
        description="Used when neither the conversation nor the user picks one (unknown → offline).",
    )
    request_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Longest wait for the provider's answer, and between two streamed chunks.",
    )
    connect_timeout_seconds: float = Field(default=10.0, gt=0)
    max_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Retries of 429/5xx/connect failures before the first token.",
    )
    retry_base_seconds: float = Field(
        default=0.5, ge=0, description="First backoff; doubles per retry, with jitter."
    )
    retry_max_seconds: float = Field(
        default=20.0,
        ge=0,
        description="Longest single wait; a longer Retry-After fails fast instead.",
    )

    openai_base_url: str = OPENAI_BASE_URL
    openai_api_key: SecretStr | None = None
    openai_default_model: str = "gpt-4o-mini"
    openai_models: list[str] = Field(
        default_factory=lambda: ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1"]
    )

    anthropic_base_url: str = ANTHROPIC_BASE_URL
    anthropic_api_key: SecretStr | None = None
    anthropic_default_model: str = "claude-sonnet-4-5"
    anthropic_models: list[str] = Field(
        default_factory=lambda: ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5"]
    )
    anthropic_version: str = "2023-06-01"
    anthropic_max_tokens: int = Field(default=4096, ge=1)

    providers: list[CompatibleProvider] = Field(default_factory=list)
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict,
        description="Overrides, keyed 'model', 'provider/model' or 'provider/*': {\"input\": usd, \"output\": usd} per million tokens.",
    )

    _blank_keys = field_validator("openai_api_key", "anthropic_api_key", mode="before")(
        _blank_to_none
    )

    @field_validator("openai_base_url", "anthropic_base_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        if not value.strip().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return _clean_url(value)

    @field_validator("default_provider")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower() or OFFLINE

    @field_validator("providers")
    @classmethod
    def _unique(cls, value: list[CompatibleProvider]) -> list[CompatibleProvider]:
        names = [p.name for p in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"provider names must be unique; repeated: {', '.join(duplicates)}")
        return value


def provider_configs(settings: ProvidersSettings) -> list[ProviderConfig]:
    """The providers to register, in listing order. A declared provider replaces a built-in namesake."""

    def prices(
        name: str, kind: str, own: dict[str, ModelPrice] | None = None
    ) -> dict[str, ModelPrice]:
        return merged_prices(name, default_prices(kind), own or {}, settings.prices)

    configs = [
        ProviderConfig(
            name=OFFLINE,
            kind="offline",
            default_model=OFFLINE_MODEL,
            models=[OFFLINE_MODEL],
            prices=prices(OFFLINE, "offline"),
        )
    ]
    if settings.openai_api_key is not None or settings.openai_base_url != OPENAI_BASE_URL:
        configs.append(
            ProviderConfig(
                name="openai",
                kind="openai",
                base_url=settings.openai_base_url,
                api_key=settings.openai_api_key,
                default_model=settings.openai_default_model,
                models=settings.openai_models,
                prices=prices("openai", "openai"),
            )
        )
    if settings.anthropic_api_key is not None or settings.anthropic_base_url != ANTHROPIC_BASE_URL:
        configs.append(
            ProviderConfig(
                name="anthropic",
                kind="anthropic",
                base_url=settings.anthropic_base_url,
                api_key=settings.anthropic_api_key,
                default_model=settings.anthropic_default_model,
                models=settings.anthropic_models,
                prices=prices("anthropic", "anthropic"),
                anthropic_version=settings.anthropic_version,
                max_output_tokens=settings.anthropic_max_tokens,
            )
        )
    for extra in settings.providers:
        configs = [c for c in configs if c.name != extra.name]
        configs.append(
            ProviderConfig(
                name=extra.name,
                kind="openai_compatible",
                base_url=extra.base_url,
                api_key=extra.api_key,
                default_model=extra.default_model,
                models=extra.models,
                headers=extra.headers,
                prices=prices(extra.name, "openai_compatible", extra.prices),
            )
        )
    return configs
