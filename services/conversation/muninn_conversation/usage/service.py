"""Usage accounting and the limits checked before any provider is called.

A message counts when its generation is admitted (so a burst cannot slip past the daily
limit while replies are still streaming); tokens and cost are added when the reply ends.

Every model call made for a user is kept once as a record (``usage_calls``): this service's
chat generations, and the calls the memory, scheduler and integrations services announce
(``<service>.model_call.recorded``). Records are priced here, by the one price table
(``MUNINN_LLM_PRICES`` over the providers' list prices); a model without a known price keeps
a null cost. The report adds them up per day, provider, model and feature, and a month's
spend — which the spend cap is checked against — includes what every feature cost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from muninn_shared.events.payloads import ModelCallRecorded
from muninn_shared.problems import ProblemError, not_found
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.usage.models import (
    LimitsUpdate,
    UsageCall,
    UsageCallPage,
    UsageDay,
    UsageLimits,
    UsageReport,
    UsageTotals,
)
from muninn_conversation.usage.store import CallStore, UsageStore

UNRESOLVED = "pending"
CHAT = "chat"
MAX_DAYS = 366

Pricer = Callable[[str, str, int, int], Decimal | None]
"""(provider, model, input tokens, output tokens) -> USD, or None when the price is unknown."""


def call_from_doc(doc: dict[str, Any]) -> UsageCall:
    return UsageCall.model_validate({**doc, "id": doc["_id"]})


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _seconds_until(day: date, now: datetime) -> int:
    return max(1, int((datetime.combine(day, time.min, tzinfo=UTC) - now).total_seconds()))


def _tighter(server: float | None, own: float | None) -> float | None:
    if server is None:
        return own
    if own is None:
        return server
    return min(server, own)


class UsageService:
    def __init__(
        self,
        store: UsageStore,
        *,
        messages_per_day: int | None,
        spend_per_month_usd: float | None,
        calls: CallStore | None = None,
        price: Pricer | None = None,
    ) -> None:
        self._store = store
        self._messages_per_day = messages_per_day
        self._spend_per_month = spend_per_month_usd
        self._calls = calls
        self._price = price

    async def limits(self, user_id: str, now: datetime | None = None) -> UsageLimits:
        now = now or datetime.now(UTC)
        today = now.date()
        caps = await self._store.caps(user_id)
        per_day = _tighter(self._messages_per_day, caps.get("messages_per_day"))
        spend = _tighter(self._spend_per_month, caps.get("spend_per_month_usd"))
        day_totals = await self._store.totals(user_id, today, today)
        month_totals = await self._store.totals(user_id, _month_start(today), today)
        month_spend = month_totals["cost_usd"] + await self._other_features_cost(
            user_id, _month_start(today), today
        )
        return UsageLimits(
            messages_per_day=int(per_day) if per_day is not None else None,
            spend_per_month_usd=spend,
            messages_today=day_totals["messages"],
            spend_this_month_usd=round(month_spend, 6),
            server_messages_per_day=self._messages_per_day,
            server_spend_per_month_usd=self._spend_per_month,
        )

    async def update_caps(self, user_id: str, update: LimitsUpdate) -> UsageLimits:
        changes = {name: getattr(update, name) for name in update.model_fields_set}
        await self._store.set_caps(user_id, changes)
        return await self.limits(user_id)

    async def admit(self, user_id: str, now: datetime | None = None) -> None:
        """Raise 429 when a new reply would exceed the user's limits; else count it."""
        now = now or datetime.now(UTC)
        limits = await self.limits(user_id, now)
        today = now.date()
        if limits.messages_per_day is not None and limits.messages_today >= limits.messages_per_day:
            wait = _seconds_until(today + timedelta(days=1), now)
            raise ProblemError(
                429,
                f"You have used your {limits.messages_per_day} messages for today; the limit resets at midnight UTC.",
                code="message-limit-reached",
                title="Usage limit reached",
                headers={"Retry-After": str(wait)},
            )
        if (
            limits.spend_per_month_usd is not None
            and limits.spend_this_month_usd >= limits.spend_per_month_usd
        ):
            wait = _seconds_until(_next_month(today), now)
            raise ProblemError(
                429,
                f"This month's spend (${limits.spend_this_month_usd:.2f}) reached your limit of "
                f"${limits.spend_per_month_usd:.2f}; it resets on the 1st (UTC).",
                code="spend-limit-reached",
                title="Usage limit reached",
                headers={"Retry-After": str(wait)},
            )
        await self._store.add(user_id, today, UNRESOLVED, UNRESOLVED, messages=1)

    async def record_reply(self, message: dict[str, Any]) -> None:
        """Move the admitted message onto its provider/model and add its tokens and cost."""
        started = message.get("created_at") or datetime.now(UTC)
        day = started.date() if isinstance(started, datetime) else datetime.now(UTC).date()
        user_id = message["user_id"]
        provider = message.get("provider") or UNRESOLVED
        model = message.get("model") or UNRESOLVED
        usage = message.get("usage") or {}
        if provider != UNRESOLVED:
            await self._store.add(user_id, day, UNRESOLVED, UNRESOLVED, messages=-1)
        await self._store.add(
            user_id,
            day,
            provider,
            model,
            messages=1 if provider != UNRESOLVED else 0,
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            cost_usd=float(usage.get("cost_usd") or 0.0),
        )

    async def report(self, user_id: str, start: date, end: date) -> UsageReport:
        check_range(start, end)
        rows: dict[tuple[str, str, str, str], UsageDay] = {}
        # Chat: messages, tokens and cost as the replies counted them (they go back further
        # than the call records); the records add how many calls, and how many failed.
        for d in await self._store.days(user_id, start, end):
            if not (d.get("messages") or d.get("input_tokens")):
                continue
            rows[(d["day"], d["provider"], d["model"], CHAT)] = UsageDay(
                day=date.fromisoformat(d["day"]),
                provider=d["provider"],
                model=d["model"],
                feature=CHAT,
                messages=d.get("messages", 0),
                input_tokens=d.get("input_tokens", 0),
                output_tokens=d.get("output_tokens", 0),
                cost_usd=round(d.get("cost_usd", 0.0), 6),
            )
        for g in await self._calls_per_day(user_id, start, end):
            key = (g["day"], g["provider"], g["model"], g["feature"])
            counted = {
                "calls": g["calls"],
                "failed_calls": g["failed_calls"],
                "unpriced_calls": g["unpriced_calls"],
            }
            if key in rows:
                rows[key] = rows[key].model_copy(update=counted)
                continue
            rows[key] = UsageDay(
                day=date.fromisoformat(g["day"]),
                provider=g["provider"],
                model=g["model"],
                feature=g["feature"],
                input_tokens=g["input_tokens"],
                output_tokens=g["output_tokens"],
                cost_usd=round(g["cost_usd"], 6),
                **counted,
            )
        days = [rows[key] for key in sorted(rows)]
        totals = UsageTotals(
            messages=sum(d.messages for d in days),
            calls=sum(d.calls for d in days),
            failed_calls=sum(d.failed_calls for d in days),
            unpriced_calls=sum(d.unpriced_calls for d in days),
            input_tokens=sum(d.input_tokens for d in days),
            output_tokens=sum(d.output_tokens for d in days),
            cost_usd=round(sum(d.cost_usd for d in days), 6),
        )
        return UsageReport(start=start, end=end, days=days, totals=totals)

    # -- model calls -------------------------------------------------------------------------

    async def record_call(
        self, call: ModelCallRecorded, session: AsyncClientSession | None = None
    ) -> bool:
        """Keep one model call, priced; False when it was kept already (a redelivery)."""
        if self._calls is None:
            return False
        cost = (
            self._price(call.provider, call.model, call.prompt_tokens, call.completion_tokens)
            if self._price is not None
            else None
        )
        called_at = call.called_at.astimezone(UTC)
        doc = {
            "_id": call.call_id,
            **call.model_dump(exclude={"call_id"}),
            "called_at": called_at,
            "day": called_at.date().isoformat(),
            "cost_usd": float(cost) if cost is not None else None,
            "recorded_at": datetime.now(UTC),
        }
        return await self._calls.insert(doc, session)

    async def calls(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        feature: str | None = None,
        provider: str | None = None,
        success: bool | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> UsageCallPage:
        if self._calls is None:
            return UsageCallPage(items=[])
        query: dict[str, Any] = {"user_id": user_id}
        for name, value in (("feature", feature), ("provider", provider), ("success", success)):
            if value is not None:
                query[name] = value
        moments: dict[str, datetime] = {}
        if start is not None:
            moments["$gte"] = datetime.combine(start, time.min, tzinfo=UTC)
        if end is not None:
            moments["$lt"] = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
        if start is not None and end is not None:
            check_range(start, end)
        if moments:
            query["called_at"] = moments
        docs, next_cursor = await self._calls.page(query, limit=limit, cursor=cursor)
        return UsageCallPage(items=[call_from_doc(d) for d in docs], next_cursor=next_cursor)

    async def call(self, user_id: str, call_id: str) -> UsageCall:
        doc = await self._calls.get(user_id, call_id) if self._calls is not None else None
        if doc is None:
            raise not_found("Model call")
        return call_from_doc(doc)

    async def _calls_per_day(self, user_id: str, start: date, end: date) -> list[dict[str, Any]]:
        return await self._calls.per_day(user_id, start, end) if self._calls is not None else []

    async def _other_features_cost(self, user_id: str, start: date, end: date) -> float:
        """What the calls of every feature but chat (counted in the daily rows) cost."""
        rows = await self._calls_per_day(user_id, start, end)
        return float(sum(r["cost_usd"] for r in rows if r["feature"] != CHAT))


def check_range(start: date, end: date) -> None:
    if end < start:
        raise ProblemError(422, "'end' must not be before 'start'.", code="invalid-range")
    if (end - start).days > MAX_DAYS:
        raise ProblemError(
            422, f"Ask for at most {MAX_DAYS} days at a time.", code="range-too-long"
        )
