"""Expenses in MongoDB: amounts as Decimal128, the day as midnight UTC of the local date (so
ranges and cursors compare dates); and each user's own category keywords."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from bson.decimal128 import Decimal128
from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.documents import Index, UserDocuments, record_from
from muninn_scheduler.expenses.models import Expense
from muninn_scheduler.schema import PageQuery

EXPENSES = "expenses"
EXPENSE_CATEGORIES = "expense_categories"
BY_DAY: Index = [("user_id", ASCENDING), ("date", DESCENDING), ("_id", DESCENDING)]
BY_CATEGORY: Index = [("user_id", ASCENDING), ("category", ASCENDING), ("date", DESCENDING)]
MAX_SUMMED = 20_000  # a period's expenses summed at once; more is not one person's spending

T = TypeVar("T")


def day_value(day: date) -> datetime:
    """How a day is stored: midnight UTC of that calendar date (the date is already local)."""
    return datetime.combine(day, time(), tzinfo=UTC)


def days_from(start: date | None, end: date | None) -> Document:
    """A ``date`` filter for the days from ``start`` to ``end``, both included.

    Written with strict bounds around them (after the midnight before ``start``, before the
    one after ``end``): every stored day is a midnight, so it means the same, and strict
    bounds are read right by every server — the packaged one misses the value equal to an
    inclusive bound when walking the descending day index."""
    bounds: Document = {}
    if start is not None:
        bounds["$gt"] = day_value(start - timedelta(days=1))
    if end is not None:
        bounds["$lt"] = day_value(end + timedelta(days=1))
    return {"date": bounds} if bounds else {}


def money_value(amount: Decimal) -> Decimal128:
    return Decimal128(amount)


def amount_of(doc: Mapping[str, Any]) -> Decimal:
    value = doc["amount"]
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(str(value))


def expense_from_doc(doc: Mapping[str, Any]) -> Expense:
    return record_from(Expense, doc, amount=amount_of(doc), date=doc["date"].date())


class ExpenseStore(UserDocuments):
    collection = EXPENSES
    what = "Expense"

    async def ensure_indexes(self) -> None:
        for keys in (BY_DAY, BY_CATEGORY):
            await ensure_index(self._collection, keys)

    async def page_by_day(
        self, query: Document, paging: PageQuery, convert: Callable[[Mapping[str, Any]], T]
    ) -> tuple[list[T], str | None]:
        """One page of what ``query`` matches, latest day first."""
        return await fetch_page(
            self._collection,
            query,
            limit=paging.limit,
            cursor=paging.cursor,
            convert=convert,
            field="date",
        )

    async def in_days(
        self,
        user_id: str,
        start: date,
        end: date,
        extra: Document | None = None,
        session: AsyncClientSession | None = None,
    ) -> list[Document]:
        """The user's expenses from ``start`` to ``end`` (inclusive), for totals."""
        query = {"user_id": user_id, **days_from(start, end), **(extra or {})}
        projection = {"amount": 1, "currency": 1, "category": 1, "date": 1}
        cursor = self._collection.find(query, projection, session=session)
        return await cursor.to_list(MAX_SUMMED)


class CategoryRuleStore:
    """One document per user (``_id`` = user id): ``keywords`` and ``names`` by category."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._rules = db[EXPENSE_CATEGORIES]

    async def ensure_indexes(self) -> None:
        """Keyed by user id: the ``_id`` index is all it needs."""

    async def get(self, user_id: str, session: AsyncClientSession | None = None) -> Document:
        doc = await self._rules.find_one({"_id": user_id}, session=session)
        return doc or {"_id": user_id, "user_id": user_id, "keywords": {}, "names": {}}

    async def set_category(
        self,
        user_id: str,
        category: str,
        keywords: list[str],
        name: str | None,
        at: datetime,
    ) -> None:
        changes: Document = {"user_id": user_id, f"keywords.{category}": keywords, "updated_at": at}
        update: Document = {"$set": changes}
        if name is not None:
            changes[f"names.{category}"] = name
        else:
            update["$unset"] = {f"names.{category}": ""}
        await self._rules.update_one({"_id": user_id}, update, upsert=True)

    async def drop_category(self, user_id: str, category: str, at: datetime) -> bool:
        result = await self._rules.update_one(
            {"_id": user_id, f"keywords.{category}": {"$exists": True}},
            {
                "$unset": {f"keywords.{category}": "", f"names.{category}": ""},
                "$set": {"updated_at": at},
            },
        )
        return result.modified_count > 0
