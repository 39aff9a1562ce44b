"""What a reply cost, from the per-model price table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from muninn_conversation.providers.config import ProvidersSettings
from muninn_conversation.providers.models import Usage
from muninn_conversation.providers.registry import ProviderRegistry, cost_usd
from pydantic import SecretStr, ValidationError

USAGE = Usage(input_tokens=1_000, output_tokens=500, estimated=False)


def registry(**settings: Any) -> ProviderRegistry:
    return ProviderRegistry(
        ProvidersSettings(
            openai_api_key=SecretStr("sk"), anthropic_api_key=SecretStr("sk-ant"), **settings
        )  # type: ignore[arg-type]
    )


def test_openai_list_price() -> None:
    # 1,000 tokens at $0.15/M + 500 at $0.60/M
    assert cost_usd(registry().config_for("openai"), "gpt-4o-mini", USAGE) == Decimal("0.00045000")


def test_dated_snapshots_price_like_their_family() -> None:
    providers = registry()
    assert cost_usd(providers.config_for("openai"), "gpt-4o-mini-2024-07-18", USAGE) == Decimal(
        "0.00045000"
    )
    assert cost_usd(providers.config_for("openai"), "gpt-4o-2024-08-06", USAGE) == Decimal(
        "0.00750000"
    )
    # claude-sonnet-4-5 and not its shorter prefix claude-sonnet-4 (same price), opus 4.5 not opus 4
    assert cost_usd(
        providers.config_for("anthropic"), "claude-sonnet-4-5-20250929", USAGE
    ) == Decimal("0.01050000")
    assert cost_usd(
        providers.config_for("anthropic"), "claude-opus-4-5-20251101", USAGE
    ) == Decimal("0.01750000")
    assert cost_usd(providers.config_for("anthropic"), "claude-opus-4-20250514", USAGE) == Decimal(
        "0.05250000"
    )


def test_offline_is_free() -> None:
    assert cost_usd(registry().config_for("offline"), "muninn-offline-1", USAGE) == Decimal("0E-8")


def test_unknown_models_have_no_cost_rather_than_a_guess() -> None:
    providers = registry(
        providers=[{"name": "ollama", "base_url": "http://h/v1", "default_model": "llama3"}]
    )
    assert cost_usd(providers.config_for("openai"), "ft:gpt-9-custom", USAGE) is None
    assert cost_usd(providers.config_for("ollama"), "llama3", USAGE) is None


def test_prices_can_be_overridden_per_model_provider_and_wildcard() -> None:
    providers = registry(
        prices={
            "gpt-4o-mini": {"input": "1", "output": "2"},
            "openai/gpt-4o-mini": {"input": "0.10", "output": "0.40"},
            "claude-haiku-4-5": {"input": "2", "output": "4"},
            "ollama/*": {"input": 0, "output": 0},
        },
        providers=[
            {
                "name": "ollama",
                "base_url": "http://h/v1",
                "default_model": "llama3",
                "prices": {"llama3": {"input": "0.01", "output": "0.02"}},
            }
        ],
    )
    assert cost_usd(providers.config_for("openai"), "gpt-4o-mini", USAGE) == Decimal(
        "0.00030000"
    )  # scoped wins
    assert cost_usd(providers.config_for("anthropic"), "claude-haiku-4-5", USAGE) == Decimal(
        "0.00400000"
    )
    assert cost_usd(providers.config_for("ollama"), "llama3", USAGE) == Decimal("0.00002000")
    assert cost_usd(providers.config_for("ollama"), "mistral:7b", USAGE) == Decimal("0E-8")


def test_prices_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNINN_LLM_OPENAI_API_KEY", "sk")
    monkeypatch.setenv("MUNINN_LLM_PRICES", '{"gpt-4o": {"input": 5, "output": 20}}')
    assert cost_usd(ProviderRegistry.from_env().config_for("openai"), "gpt-4o", USAGE) == Decimal(
        "0.01500000"
    )


def test_negative_prices_are_refused() -> None:
    with pytest.raises(ValidationError):
        ProvidersSettings(prices={"gpt-4o": {"input": -1, "output": 1}})  # type: ignore[dict-item]


def test_estimated_usage_is_priced_the_same_way() -> None:
    estimated = Usage(input_tokens=1_000, output_tokens=500, estimated=True)
    assert cost_usd(registry().config_for("openai"), "gpt-4o-mini", estimated) == Decimal(
        "0.00045000"
    )


def test_other_services_calls_are_priced_by_the_same_table() -> None:
    """Recorded calls name their provider by endpoint (muninn_shared.model_calls.provider_of)."""
    configured = registry()
    # OpenAI's API, known even when conversation itself has no OpenAI key.
    unconfigured = ProviderRegistry(ProvidersSettings())
    for table in (configured, unconfigured):
        assert table.call_cost("openai", "gpt-4o-mini", 1_000, 500) == Decimal("0.00045000")
        assert table.call_cost("openai", "text-embedding-3-small", 1_000_000, 0) == Decimal(
            "0.02000000"
        )
        assert table.call_cost("anthropic", "claude-3-haiku", 1_000_000, 0) == Decimal("0.25")
    # A self-hosted server's model: priced only when the operator says how.
    assert unconfigured.call_cost("127.0.0.1", "llama3.1:8b", 1_000, 500) is None
    priced = ProviderRegistry(
        ProvidersSettings(
            prices={"127.0.0.1/*": {"input": "1", "output": "1"}}  # type: ignore[dict-item]
        )
    )
    assert priced.call_cost("127.0.0.1", "llama3.1:8b", 1_000_000, 0) == Decimal("1")
    assert priced.call_cost("10.0.0.5", "llama3.1:8b", 1_000_000, 0) is None
    # The offline responder is free, whoever asks.
    assert unconfigured.call_cost("offline", "muninn-offline-1", 5_000, 5_000) == Decimal("0")
