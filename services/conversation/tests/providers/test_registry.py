"""Which providers are registered, and which one answers: conversation → user → server default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from muninn_conversation.providers.anthropic import AnthropicProvider
from muninn_conversation.providers.config import ProvidersSettings
from muninn_conversation.providers.models import (
    Completion,
    GenerationRequest,
    StreamEvent,
    TextDelta,
    Usage,
)
from muninn_conversation.providers.offline import OfflineProvider
from muninn_conversation.providers.openai_compat import OpenAICompatibleProvider
from muninn_conversation.providers.registry import ProviderRegistry
from pydantic import SecretStr, ValidationError

OFFLINE = ("offline", "muninn-offline-1")
OLLAMA = {
    "name": "ollama",
    "base_url": "http://127.0.0.1:11434/v1/",
    "default_model": "llama3.1:8b",
    "models": ["qwen2.5:7b"],
}


@pytest.fixture
async def full() -> AsyncIterator[ProviderRegistry]:
    registry = ProviderRegistry(
        ProvidersSettings(
            openai_api_key=SecretStr("sk-test"),
            anthropic_api_key=SecretStr("sk-ant-test"),
            providers=[OLLAMA],  # type: ignore[list-item]
        )
    )
    yield registry
    await registry.aclose()


def resolve(registry: ProviderRegistry, **levels: str | None) -> tuple[str, str]:
    arguments: dict[str, str | None] = {
        "conversation_provider": None,
        "conversation_model": None,
        "preferred_provider": None,
        "preferred_model": None,
    }
    arguments.update(levels)
    provider, model = registry.resolve(**arguments)  # type: ignore[arg-type]
    return provider.name, model


async def test_a_fresh_install_has_only_the_offline_responder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "MUNINN_LLM_OPENAI_API_KEY",
        "MUNINN_LLM_ANTHROPIC_API_KEY",
        "MUNINN_LLM_PROVIDERS",
        "MUNINN_LLM_DEFAULT_PROVIDER",
    ):
        monkeypatch.delenv(name, raising=False)
    registry = ProviderRegistry.from_env()
    assert registry.names() == ["offline"]
    assert registry.all_models() == [("offline", "muninn-offline-1")]
    assert resolve(registry, preferred_provider="openai", preferred_model="gpt-4o") == OFFLINE
    await registry.aclose()


async def test_keys_or_custom_urls_register_the_vendors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNINN_LLM_OPENAI_API_KEY", "")  # exported but empty: still no key
    monkeypatch.setenv("MUNINN_LLM_ANTHROPIC_BASE_URL", "http://gateway.internal/anthropic/")
    monkeypatch.setenv(
        "MUNINN_LLM_PROVIDERS",
        '[{"name": "vllm", "base_url": "http://gpu:8000/v1", "default_model": "qwen"}]',
    )
    registry = ProviderRegistry.from_env()
    try:
        assert registry.names() == ["offline", "anthropic", "vllm"]
        assert isinstance(registry.get("anthropic"), AnthropicProvider)
        assert isinstance(registry.get("vllm"), OpenAICompatibleProvider)
        assert registry.config_for("anthropic").base_url == "http://gateway.internal/anthropic"
        assert registry.config_for("anthropic").api_key is None
    finally:
        await registry.aclose()


async def test_every_adapter_is_built(full: ProviderRegistry) -> None:
    assert full.names() == ["offline", "openai", "anthropic", "ollama"]
    assert isinstance(full.get("offline"), OfflineProvider)
    assert isinstance(full.get("openai"), OpenAICompatibleProvider)
    assert isinstance(full.get("anthropic"), AnthropicProvider)
    assert full.config_for("ollama").base_url == "http://127.0.0.1:11434/v1"
    assert full.get("nope") is None


async def test_all_models_lists_each_providers_default_first(full: ProviderRegistry) -> None:
    models = full.all_models()
    assert ("offline", "muninn-offline-1") in models
    assert models[1] == ("openai", "gpt-4o-mini")
    assert ("anthropic", "claude-sonnet-4-5") in models
    assert [m for p, m in models if p == "ollama"] == ["llama3.1:8b", "qwen2.5:7b"]


@pytest.mark.parametrize(
    ("levels", "answers"),
    [
        pytest.param(
            {
                "conversation_provider": "anthropic",
                "conversation_model": "claude-haiku-4-5",
                "preferred_provider": "openai",
                "preferred_model": "gpt-4o",
            },
            ("anthropic", "claude-haiku-4-5"),
            id="conversation settings win over the user preference",
        ),
        pytest.param(
            {
                "conversation_provider": "anthropic",
                "preferred_provider": "openai",
                "preferred_model": "gpt-4o",
            },
            ("anthropic", "claude-sonnet-4-5"),
            id="a level without model uses that provider's default",
        ),
        pytest.param(
            {"preferred_provider": "openai", "preferred_model": "gpt-4.1"},
            ("openai", "gpt-4.1"),
            id="the user preference wins over the server default",
        ),
        pytest.param({}, OFFLINE, id="no level set: the server default"),
        pytest.param(
            {
                "conversation_provider": "mistral",
                "conversation_model": "large",
                "preferred_provider": "ollama",
            },
            ("ollama", "llama3.1:8b"),
            id="an unknown conversation provider falls through to the user's",
        ),
        pytest.param(
            {"conversation_provider": "mistral", "preferred_provider": "gemini"},
            OFFLINE,
            id="unknown providers at every level fall through to the server default",
        ),
        pytest.param(
            {"preferred_provider": "Claude"},
            ("anthropic", "claude-sonnet-4-5"),
            id="an alias names a provider",
        ),
        pytest.param(
            {
                "conversation_provider": " ",
                "conversation_model": "",
                "preferred_provider": "OpenAI",
            },
            ("openai", "gpt-4o-mini"),
            id="blank values are unset and case does not matter",
        ),
        pytest.param(
            {"conversation_model": "qwen2.5:7b", "preferred_provider": "openai"},
            ("ollama", "qwen2.5:7b"),
            id="a model alone picks the provider that serves it",
        ),
        pytest.param(
            {"conversation_model": "anthropic/claude-opus-4-5"},
            ("anthropic", "claude-opus-4-5"),
            id="a model prefixed with its provider",
        ),
        pytest.param(
            {"conversation_model": "unheard-of", "preferred_provider": "anthropic"},
            ("anthropic", "claude-sonnet-4-5"),
            id="a model no provider serves leaves the provider's default",
        ),
        pytest.param(
            {"conversation_provider": "offline", "conversation_model": "gpt-4o"},
            OFFLINE,
            id="offline ignores a foreign model",
        ),
    ],
)
async def test_which_provider_and_model_answer(
    full: ProviderRegistry, levels: dict[str, str], answers: tuple[str, str]
) -> None:
    """Conversation settings, then the user's preference, then the server default."""
    assert resolve(full, **levels) == answers


async def test_an_unconfigured_server_default_means_offline() -> None:
    registry = ProviderRegistry(ProvidersSettings(default_provider="anthropic"))
    assert registry.default_provider == "offline"
    assert resolve(registry) == OFFLINE


async def test_the_server_default_applies_when_configured() -> None:
    registry = ProviderRegistry(ProvidersSettings(default_provider="ollama", providers=[OLLAMA]))  # type: ignore[list-item]
    try:
        assert resolve(registry, preferred_provider="unknown") == ("ollama", "llama3.1:8b")
    finally:
        await registry.aclose()


def test_bad_provider_declarations_fail_at_startup() -> None:
    with pytest.raises(ValidationError):
        ProvidersSettings(
            providers=[{"name": "offline", "base_url": "http://x", "default_model": "m"}]
        )  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        ProvidersSettings(providers=[{"name": "a/b", "base_url": "http://x", "default_model": "m"}])  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        ProvidersSettings(providers=[{"name": "x", "base_url": "ftp://x", "default_model": "m"}])  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        ProvidersSettings(openai_base_url="api.openai.com/v1")
    with pytest.raises(ValidationError):
        ProvidersSettings(providers=[OLLAMA, OLLAMA])  # type: ignore[list-item]


class EchoProvider:
    """What a test double of the port looks like: name, models, an async-generator stream."""

    name = "echo"
    models = ["echo-1"]

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        yield TextDelta(text=request.messages[-1].content)
        yield Completion(
            finish_reason="stop",
            usage=Usage(input_tokens=1, output_tokens=1, estimated=False),
            model="echo-1",
            provider="echo",
        )


async def test_custom_providers_can_be_registered(full: ProviderRegistry) -> None:
    full.register(EchoProvider())
    assert resolve(full, conversation_provider="echo") == ("echo", "echo-1")
    assert full.config_for("echo").kind == "custom"
    assert ("echo", "echo-1") in full.all_models()


def test_config_for_a_vanished_provider_has_no_prices(full: ProviderRegistry) -> None:
    config: Any = full.config_for("retired")
    assert config.name == "retired"
    assert config.prices == {}
