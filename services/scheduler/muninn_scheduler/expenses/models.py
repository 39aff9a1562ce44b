"""Expenses (seed 001, ``EXPENSES``): a description, an amount in its own currency, a
category, the day it was spent in the user's time zone, and metadata.

Money is exact: a ``Decimal`` here, ``Decimal128`` in MongoDB, a string in JSON ("45.00")
— never a float. Totals are per currency: nothing is converted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from muninn_shared.money import Amount, CurrencyCode
from muninn_shared.pagination import CursorPage
from muninn_shared.patches import refuse_null, require_change
from muninn_shared.strict import Strict
from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, model_validator

MAX_METADATA_KEYS = 20
MAX_METADATA_CHARS = 4000

CategoryId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="A category id: one of GET /v1/expenses/categories, or one of your own.",
    ),
]
Keyword = Annotated[str, Field(min_length=1, max_length=60)]
MoneyText = Annotated[Decimal, PlainSerializer(lambda d: str(d), return_type=str)]
"""An amount as it goes out: a decimal string ("45.00")."""


def _small_metadata(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_METADATA_KEYS:
        raise ValueError(f"at most {MAX_METADATA_KEYS} keys")
    if len(str(value)) > MAX_METADATA_CHARS:
        raise ValueError(f"at most {MAX_METADATA_CHARS} characters in all")
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_small_metadata)]


class ExpenseIn(Strict):
    description: str = Field(min_length=1, max_length=500)
    amount: Amount = Field(description='A positive decimal as a string, e.g. "45.00".')
    currency: CurrencyCode | None = Field(
        default=None, description="ISO 4217 code; default: your preferences' currency."
    )
    category: CategoryId | None = Field(
        default=None, description="Default: found from the description and merchant."
    )
    date: dt.date | None = Field(
        default=None, description="The day it was spent; default: today in your time zone."
    )
    merchant: str | None = Field(default=None, max_length=200)
    metadata: Metadata = Field(default_factory=dict)


class ExpensePatch(Strict):
    description: str | None = Field(default=None, min_length=1, max_length=500)
    amount: Amount | None = None
    currency: CurrencyCode | None = None
    category: CategoryId | None = None
    date: dt.date | None = None
    merchant: str | None = Field(default=None, max_length=200)
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _valid(self) -> ExpensePatch:
        require_change(self)
        refuse_null(self, "description", "amount", "currency", "category", "date", "metadata")
        return self


class ExpenseSource(BaseModel):
    """Where an expense came from: the API, or a message in a conversation."""

    kind: Literal["api", "conversation"] = "api"
    conversation_id: str | None = None
    message_id: str | None = None
    text: str | None = None
    extractor: str | None = Field(default=None, description="rules or llm")


class Expense(BaseModel):
    id: str
    description: str
    amount: MoneyText
    currency: str
    category: str
    date: dt.date
    merchant: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    timezone: str = Field(description="The time zone the date was read in.")
    source: ExpenseSource = Field(default_factory=ExpenseSource)
    created_at: dt.datetime
    updated_at: dt.datetime


class ExpensePage(CursorPage[Expense]):
    pass


class SummaryPeriod(StrEnum):
    WEEK = "week"
    MONTH = "month"


class Trend(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    NEW = "new"
    """Nothing in the previous period."""


class Total(BaseModel):
    """Spending in one currency (and one category, in a category's row), this period and the
    one before."""

    category: str | None = None
    currency: str
    amount: MoneyText
    count: int
    previous_amount: MoneyText
    previous_count: int
    change: MoneyText = Field(description="amount - previous_amount")
    change_percent: MoneyText | None = Field(
        default=None, description="Against the previous period; null when it had nothing."
    )
    trend: Trend


class ExpenseSummary(BaseModel):
    period: SummaryPeriod
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    timezone: str
    totals: list[Total] = Field(description="Per currency: amounts are never converted.")
    categories: list[Total] = Field(description="Per category and currency, largest first.")


class Category(BaseModel):
    id: str
    name: str
    keywords: list[str] = Field(description="Built-in keywords that file an expense here.")
    your_keywords: list[str] = Field(
        default_factory=list, description="Yours, checked before the built-in ones."
    )
    custom: bool = Field(default=False, description="A category of your own.")


class CategoryRules(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    keywords: list[Keyword] = Field(max_length=100)
