"""Daily usage per user, provider and model, users' own caps, and every model call made for
a user (chat replies and the other services' recorded calls)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

USAGE = "usage_daily"
LIMITS = "usage_limits"
CALLS = "usage_calls"

Doc = dict[str, Any]


def _day_key(day: date) -> str:
    return day.isoformat()


class UsageStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._usage = db[USAGE]
        self._limits = db[LIMITS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._usage,
            [
                ("user_id", ASCENDING),
                ("day", ASCENDING),
                ("provider", ASCENDING),
                ("model", ASCENDING),
            ],
            unique=True,
        )

    async def add(
        self,
        user_id: str,
        day: date,
        provider: str,
        model: str,
        *,
        messages: int = 0,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cost_usd: float = 0.0,
    ) -> None:
        await self._usage.update_one(
            {"user_id": user_id, "day": _day_key(day), "provider": provider, "model": model},
            {
                "$inc": {
                    "messages": messages,
                    "input_tokens": input_tokens,
                    "output_tokens": output_tokens,
                    "cost_usd": cost_usd,
                },
                "$set": {"updated_at": datetime.now(UTC)},
            },
            upsert=True,
        )

    async def days(self, user_id: str, start: date, end: date) -> list[Doc]:
        # Days as an explicit list: ranges are at most a year, and an $in on the indexed key
        # behaves the same on every MongoDB-protocol server (string $gte/$lte did not).
        days = [_day_key(start + timedelta(days=n)) for n in range((end - start).days + 1)]
        cursor = self._usage.find({"user_id": user_id, "day": {"$in": days}}).sort(
            [("day", ASCENDING), ("provider", ASCENDING), ("model", ASCENDING)]
        )
        return [doc async for doc in cursor]

    async def totals(self, user_id: str, start: date, end: date) -> Doc:
        totals: Doc = {"messages": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}
        for doc in await self.days(user_id, start, end):
            for key in totals:
                totals[key] += doc.get(key, 0)
        return totals

    async def caps(self, user_id: str) -> Doc:
        return await self._limits.find_one({"_id": user_id}) or {}

    async def set_caps(self, user_id: str, changes: Doc) -> None:
        await self._limits.update_one(
            {"_id": user_id},
            {"$set": {**changes, "user_id": user_id, "updated_at": datetime.now(UTC)}},
            upsert=True,
        )


class CallStore:
    """One document per model call made for a user (``_id`` = the call's id)."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._calls = db[CALLS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._calls,
            [("user_id", ASCENDING), ("called_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._calls, [("user_id", ASCENDING), ("day", ASCENDING)])

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> bool:
        """False when a call of this id is kept already (a redelivered record). An upsert
        that only inserts: a duplicate key would abort the consumer's transaction."""
        result = await self._calls.update_one(
            {"_id": doc["_id"]},
            {"$setOnInsert": {k: v for k, v in doc.items() if k != "_id"}},
            upsert=True,
            session=session,
        )
        return result.upserted_id is not None

    async def page(
        self, query: Doc, *, limit: int, cursor: str | None
    ) -> tuple[list[Doc], str | None]:
        return await fetch_page(
            self._calls, query, limit=limit, cursor=cursor, convert=dict, field="called_at"
        )

    async def get(self, user_id: str, call_id: str) -> Doc | None:
        return await self._calls.find_one({"_id": call_id, "user_id": user_id})

    async def per_day(self, user_id: str, start: date, end: date) -> list[Doc]:
        """Calls, failures, tokens and cost per day, provider, model and feature."""
        days = [_day_key(start + timedelta(days=n)) for n in range((end - start).days + 1)]
        pipeline: list[Doc] = [
            {"$match": {"user_id": user_id, "day": {"$in": days}}},
            {
                "$group": {
                    "_id": {
                        "day": "$day",
                        "provider": "$provider",
                        "model": "$model",
                        "feature": "$feature",
                    },
                    "calls": {"$sum": 1},
                    "failed_calls": {"$sum": {"$cond": ["$success", 0, 1]}},
                    "unpriced_calls": {"$sum": {"$cond": [{"$eq": ["$cost_usd", None]}, 1, 0]}},
                    "input_tokens": {"$sum": "$prompt_tokens"},
                    "output_tokens": {"$sum": "$completion_tokens"},
                    "cost_usd": {"$sum": {"$ifNull": ["$cost_usd", 0]}},
                }
            },
        ]
        return [{**row.pop("_id"), **row} async for row in await self._calls.aggregate(pipeline)]
