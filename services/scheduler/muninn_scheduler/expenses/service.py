"""Expenses: record, list with filters, change, delete; totals per currency and category with
the trend against the previous period; the categories and a user's own keywords for them.

An amount is kept in the currency it was spent in. Without a currency the user's default
(their preferences) applies; without one of those the expense is refused with a problem
saying so, rather than guessed. An amount with more decimals than its currency has (0.5
JPY) is refused too: rounding it away would change what the user said.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from muninn_shared.money import in_minor_units
from muninn_shared.problems import ProblemError, not_found
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.expenses.categories import (
    OTHER,
    SEED_CATEGORIES,
    SEEDS,
    categorise,
    category_named,
    display_name,
)
from muninn_scheduler.expenses.models import (
    Category,
    CategoryRules,
    Expense,
    ExpenseIn,
    ExpensePage,
    ExpensePatch,
    ExpenseSource,
    ExpenseSummary,
    SummaryPeriod,
    Total,
    Trend,
)
from muninn_scheduler.expenses.store import (
    CategoryRuleStore,
    ExpenseStore,
    amount_of,
    day_value,
    days_from,
    expense_from_doc,
    money_value,
)
from muninn_scheduler.language.days import Period, PeriodKind, month_of, week_of
from muninn_scheduler.profiles.service import ProfileService
from muninn_scheduler.schema import PageQuery

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ExpenseFilters:
    start: date | None = None
    end: date | None = None
    category: str | None = None
    currency: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    q: str | None = None


@dataclass(frozen=True)
class Spent:
    """What was spent in one period, per currency: (amount, count)."""

    by_currency: dict[str, tuple[Decimal, int]]

    @property
    def count(self) -> int:
        return sum(n for _, n in self.by_currency.values())


def _sums(docs: Iterable[Mapping[str, Any]], key: str | None = None) -> dict[Any, list[Any]]:
    """[amount, count] per currency, or per (key, currency)."""
    sums: dict[Any, list[Any]] = defaultdict(lambda: [Decimal(0), 0])
    for doc in docs:
        group = doc["currency"] if key is None else (doc.get(key) or OTHER, doc["currency"])
        sums[group][0] += amount_of(doc)
        sums[group][1] += 1
    return sums


def _total(
    category: str | None, currency: str, now: list[Any] | None, before: list[Any] | None
) -> Total:
    amount, count = now or (Decimal(0), 0)
    previous, previous_count = before or (Decimal(0), 0)
    change = amount - previous
    percent = None if not previous else (change * HUNDRED / previous).quantize(Decimal("0.1"))
    if not previous:
        trend = Trend.NEW
    else:
        trend = Trend.UP if change > 0 else Trend.DOWN if change < 0 else Trend.SAME
    return Total(
        category=category,
        currency=currency,
        amount=amount,
        count=count,
        previous_amount=previous,
        previous_count=previous_count,
        change=change,
        change_percent=percent,
        trend=trend,
    )


class ExpenseService:
    def __init__(
        self,
        store: ExpenseStore,
        rules: CategoryRuleStore,
        profiles: ProfileService,
        clock: Clock,
    ) -> None:
        self._store = store
        self._rules = rules
        self._profiles = profiles
        self._clock = clock

    # -- writing -----------------------------------------------------------------------------

    async def create(
        self,
        user_id: str,
        body: ExpenseIn,
        *,
        source: ExpenseSource | None = None,
        session: AsyncClientSession | None = None,
    ) -> Expense:
        profile = await self._profiles.get(user_id, session)
        currency = body.currency or profile.currency
        if currency is None:
            raise ProblemError(
                422,
                "Say which currency the amount is in, or set a default currency in your "
                'preferences (PATCH /v1/me/preferences with {"currency": "EUR"}).',
                code="currency-required",
            )
        amount = _exact(body.amount, currency)
        now = self._clock.now()
        category = body.category or await self.categorise(
            user_id, f"{body.description} {body.merchant or ''}", session
        )
        doc: dict[str, Any] = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "description": body.description,
            "amount": money_value(amount),
            "currency": currency,
            "category": category,
            "date": day_value(body.date or now.astimezone(profile.zone()).date()),
            "merchant": body.merchant,
            "metadata": body.metadata,
            "timezone": profile.timezone,
            "source": (source or ExpenseSource()).model_dump(),
            "created_at": now,
            "updated_at": now,
        }
        await self._store.insert(doc, session)
        return expense_from_doc(doc)

    async def update(self, user_id: str, expense_id: str, body: ExpensePatch) -> Expense:
        doc = await self._store.owned(user_id, expense_id)
        changes: dict[str, Any] = {}
        for name in ("description", "category", "merchant", "metadata", "currency"):
            if name in body.model_fields_set:
                changes[name] = getattr(body, name)
        currency: str = body.currency or doc["currency"]
        if "amount" in body.model_fields_set or "currency" in changes:
            amount = body.amount if body.amount is not None else amount_of(doc)
            changes["amount"] = money_value(_exact(amount, currency))
        if body.date is not None:
            changes["date"] = day_value(body.date)
        changes["updated_at"] = self._clock.now()
        updated = await self._store.update(expense_id, changes)
        if updated is None:
            raise not_found("Expense")
        return expense_from_doc(updated)

    async def delete(
        self, user_id: str, expense_id: str, session: AsyncClientSession | None = None
    ) -> None:
        await self._store.owned(user_id, expense_id, session)
        await self._store.delete(expense_id, session)

    # -- reading -----------------------------------------------------------------------------

    async def get(self, user_id: str, expense_id: str) -> Expense:
        return expense_from_doc(await self._store.owned(user_id, expense_id))

    async def page(self, user_id: str, paging: PageQuery, filters: ExpenseFilters) -> ExpensePage:
        if filters.start and filters.end and filters.start > filters.end:
            raise ProblemError(422, "'from' is after 'to'.", code="invalid-range")
        if filters.min_amount and filters.max_amount and filters.min_amount > filters.max_amount:
            raise ProblemError(422, "min_amount is above max_amount.", code="invalid-range")
        query: dict[str, Any] = {"user_id": user_id, **days_from(filters.start, filters.end)}
        amounts: dict[str, Any] = {}
        if filters.min_amount is not None:
            amounts["$gte"] = money_value(filters.min_amount)
        if filters.max_amount is not None:
            amounts["$lte"] = money_value(filters.max_amount)
        if amounts:
            query["amount"] = amounts
        if filters.category:
            query["category"] = filters.category
        if filters.currency:
            query["currency"] = filters.currency
        if filters.q:
            query.update(_text_query(filters.q))
        items, cursor = await self._store.page_by_day(query, paging, expense_from_doc)
        return ExpensePage(items=items, next_cursor=cursor)

    async def spent(
        self,
        user_id: str,
        start: date,
        end: date,
        *,
        category: str | None = None,
        text: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> Spent:
        """Totals per currency from ``start`` to ``end``, of one category or matching ``text``."""
        extra: dict[str, Any] = {}
        if category is not None:
            extra["category"] = category
        if text:
            extra.update(_text_query(text))
        docs = await self._store.in_days(user_id, start, end, extra, session)
        return Spent({c: (a, n) for c, (a, n) in _sums(docs).items()})

    async def summary(
        self, user_id: str, period: SummaryPeriod, day: date | None
    ) -> ExpenseSummary:
        profile = await self._profiles.get(user_id)
        anchor = day or self._clock.now().astimezone(profile.zone()).date()
        current = week_of(anchor) if period is SummaryPeriod.WEEK else month_of(anchor)
        before = current.previous()
        docs = await self._store.in_days(user_id, before.start, current.end)
        now_docs = [d for d in docs if d["date"] >= day_value(current.start)]
        then_docs = [d for d in docs if d["date"] < day_value(current.start)]
        now_totals, then_totals = _sums(now_docs), _sums(then_docs)
        totals = [
            _total(None, currency, now_totals.get(currency), then_totals.get(currency))
            for currency in sorted(now_totals.keys() | then_totals.keys())
        ]
        now_cats, then_cats = _sums(now_docs, "category"), _sums(then_docs, "category")
        categories = [
            _total(category, currency, now_cats.get(key), then_cats.get(key))
            for key in now_cats.keys() | then_cats.keys()
            for category, currency in [key]
        ]
        categories.sort(key=lambda t: (t.currency, -t.amount, -t.previous_amount, t.category or ""))
        return ExpenseSummary(
            period=period,
            start=current.start,
            end=current.end,
            previous_start=before.start,
            previous_end=before.end,
            timezone=profile.timezone,
            totals=totals,
            categories=categories,
        )

    # -- categories ---------------------------------------------------------------------------

    async def _own(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> tuple[dict[str, list[str]], dict[str, str]]:
        doc = await self._rules.get(user_id, session)
        return dict(doc.get("keywords") or {}), dict(doc.get("names") or {})

    async def categorise(
        self, user_id: str, text: str, session: AsyncClientSession | None = None
    ) -> str:
        own, _ = await self._own(user_id, session)
        return categorise(text, own)

    async def category_named(
        self, user_id: str, phrase: str, session: AsyncClientSession | None = None
    ) -> str | None:
        own, _ = await self._own(user_id, session)
        return category_named(phrase, own)

    async def category_names(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> dict[str, str]:
        _, names = await self._own(user_id, session)
        return names

    async def categories(self, user_id: str) -> list[Category]:
        own, names = await self._own(user_id)
        listed = [
            Category(
                id=seed.id,
                name=names.get(seed.id, seed.name),
                keywords=list(seed.keywords),
                your_keywords=own.get(seed.id, []),
            )
            for seed in SEED_CATEGORIES
        ]
        listed += [
            Category(
                id=category,
                name=display_name(category, names),
                keywords=[],
                your_keywords=keywords,
                custom=True,
            )
            for category, keywords in sorted(own.items())
            if category not in SEEDS
        ]
        return listed

    async def set_category(self, user_id: str, category: str, body: CategoryRules) -> Category:
        keywords = sorted({k.strip().lower() for k in body.keywords if k.strip()})
        await self._rules.set_category(user_id, category, keywords, body.name, self._clock.now())
        return next(c for c in await self.categories(user_id) if c.id == category)

    async def drop_category(self, user_id: str, category: str) -> None:
        if not await self._rules.drop_category(user_id, category, self._clock.now()):
            raise not_found("Category keywords")

    # -- for conversation -----------------------------------------------------------------------

    async def totals_for(
        self,
        user_id: str,
        period: Period,
        topic: str | None,
        session: AsyncClientSession | None = None,
    ) -> tuple[Spent, Spent | None, str | None]:
        """What a spending question asks: (this period, the one before when it is a calendar
        period, the category the topic named); a topic naming no category matches the text."""
        category = await self.category_named(user_id, topic, session) if topic else None
        text = topic if topic and category is None else None
        now = await self.spent(
            user_id, period.start, period.end, category=category, text=text, session=session
        )
        before = None
        if period.kind in (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.YEAR):
            previous = period.previous()
            before = await self.spent(
                user_id, previous.start, previous.end, category=category, text=text, session=session
            )
        return now, before, category


def _exact(amount: Decimal, currency: str) -> Decimal:
    try:
        return in_minor_units(amount, currency)
    except ValueError as exc:
        raise ProblemError(422, f"The amount is not valid: {exc}.", code="invalid-amount") from None


def _text_query(text: str) -> dict[str, Any]:
    pattern = {"$regex": re.escape(text.strip()[:100]), "$options": "i"}
    return {"$or": [{"description": pattern}, {"merchant": pattern}]}
