"""What a reply cost: USD per million input/output tokens, per model.

Defaults cover the well-known OpenAI and Anthropic models (list prices, standard tier);
operators override or extend them with ``MUNINN_LLM_PRICES``. A model id is matched exactly,
then by its longest known prefix on a ``-`` boundary (so dated snapshots such as
``gpt-4o-mini-2024-07-18`` or ``claude-sonnet-4-5-20250929`` price like their family), then
by the provider's ``*`` entry. No match means the cost is unknown, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from muninn_conversation.providers.models import Usage

WILDCARD = "*"
_MILLION = Decimal(1_000_000)
_CENT_FRACTION = Decimal("0.00000001")


class ModelPrice(BaseModel):
    model_config = ConfigDict(frozen=True)

    input: Decimal = Field(ge=0, description="USD per million input tokens.")
    output: Decimal = Field(ge=0, description="USD per million output tokens.")


def _p(input_usd: str, output_usd: str) -> ModelPrice:
    return ModelPrice(input=Decimal(input_usd), output=Decimal(output_usd))


OPENAI_PRICES: dict[str, ModelPrice] = {
    "gpt-5": _p("1.25", "10"),
    "gpt-5-mini": _p("0.25", "2"),
    "gpt-5-nano": _p("0.05", "0.40"),
    "gpt-4.1": _p("2", "8"),
    "gpt-4.1-mini": _p("0.40", "1.60"),
    "gpt-4.1-nano": _p("0.10", "0.40"),
    "gpt-4o": _p("2.50", "10"),
    "gpt-4o-mini": _p("0.15", "0.60"),
    "gpt-4-turbo": _p("10", "30"),
    "gpt-4": _p("30", "60"),
    "gpt-3.5-turbo": _p("0.50", "1.50"),
    "o4-mini": _p("1.10", "4.40"),
    "o3": _p("2", "8"),
    "o3-mini": _p("1.10", "4.40"),
    "o1": _p("15", "60"),
    "o1-mini": _p("1.10", "4.40"),
    # Embeddings read tokens and write none.
    "text-embedding-3-small": _p("0.02", "0"),
    "text-embedding-3-large": _p("0.13", "0"),
    "text-embedding-ada-002": _p("0.10", "0"),
}

ANTHROPIC_PRICES: dict[str, ModelPrice] = {
    "claude-opus-4-5": _p("5", "25"),
    "claude-opus-4-1": _p("15", "75"),
    "claude-opus-4": _p("15", "75"),
    "claude-sonnet-4-5": _p("3", "15"),
    "claude-sonnet-4": _p("3", "15"),
    "claude-haiku-4-5": _p("1", "5"),
    "claude-3-7-sonnet": _p("3", "15"),
    "claude-3-5-sonnet": _p("3", "15"),
    "claude-3-5-haiku": _p("0.80", "4"),
    "claude-3-opus": _p("15", "75"),
    "claude-3-haiku": _p("0.25", "1.25"),
}

FREE: dict[str, ModelPrice] = {WILDCARD: _p("0", "0")}


def default_prices(kind: str) -> dict[str, ModelPrice]:
    if kind == "openai":
        return dict(OPENAI_PRICES)
    if kind == "anthropic":
        return dict(ANTHROPIC_PRICES)
    if kind == "offline":
        return dict(FREE)
    return {}  # a self-hosted endpoint's cost is the operator's to declare


def merged_prices(
    provider: str,
    defaults: dict[str, ModelPrice],
    own: dict[str, ModelPrice],
    overrides: dict[str, ModelPrice],
) -> dict[str, ModelPrice]:
    """Defaults, then the provider's own entries, then global overrides.

    Override keys are ``model`` (any provider) or ``provider/model`` / ``provider/*`` (one
    provider); the scoped form wins over the bare one.
    """
    prices = {**defaults, **own}
    scoped: dict[str, ModelPrice] = {}
    for key, price in overrides.items():
        owner, slash, model = key.partition("/")
        if not slash:
            prices[key] = price
        elif owner == provider and model:
            scoped[model] = price
    prices.update(scoped)
    return prices


def price_for(prices: Mapping[str, ModelPrice], model: str) -> ModelPrice | None:
    if model in prices:
        return prices[model]
    family = [key for key in prices if key != WILDCARD and model.startswith(key + "-")]
    if family:
        return prices[max(family, key=len)]
    return prices.get(WILDCARD)


class Priced(Protocol):
    """What pricing needs of a provider's configuration (``ProviderConfig`` is one)."""

    @property
    def prices(self) -> Mapping[str, ModelPrice]: ...


def cost_usd(config: Priced, model: str, usage: Usage) -> Decimal | None:
    """The reply's cost in USD (8 decimal places), or None when the model has no known price."""
    return tokens_cost(config.prices, model, usage.input_tokens, usage.output_tokens)


def tokens_cost(
    prices: Mapping[str, ModelPrice], model: str, input_tokens: int, output_tokens: int
) -> Decimal | None:
    """What these tokens of ``model`` cost in USD (8 decimal places); None when its price is
    unknown."""
    price = price_for(prices, model)
    if price is None:
        return None
    total = (Decimal(input_tokens) * price.input + Decimal(output_tokens) * price.output) / _MILLION
    return total.quantize(_CENT_FRACTION)
