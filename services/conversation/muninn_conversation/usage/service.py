"""Usage accounting and the limits checked before any provider is called.

A message counts when its generation is admitted (so a burst cannot slip past the daily
limit while replies are still streaming); tokens and cost are added when the reply ends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from muninn_shared.problems import ProblemError

from muninn_conversation.usage.models import (
    LimitsUpdate,
    UsageDay,
    UsageLimits,
    UsageReport,
    UsageTotals,
)
from muninn_conversation.usage.store import UsageStore

UNRESOLVED = "pending"


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
    ) -> None:
        self._store = store
        self._messages_per_day = messages_per_day
        self._spend_per_month = spend_per_month_usd

    async def limits(self, user_id: str, now: datetime | None = None) -> UsageLimits:
        now = now or datetime.now(UTC)
        today = now.date()
        caps = await self._store.caps(user_id)
        per_day = _tighter(self._messages_per_day, caps.get("messages_per_day"))
        spend = _tighter(self._spend_per_month, caps.get("spend_per_month_usd"))
        day_totals = await self._store.totals(user_id, today, today)
        month_totals = await self._store.totals(user_id, _month_start(today), today)
        return UsageLimits(
            messages_per_day=int(per_day) if per_day is not None else None,
            spend_per_month_usd=spend,
            messages_today=day_totals["messages"],
            spend_this_month_usd=round(month_totals["cost_usd"], 6),
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
        if end < start:
            raise ProblemError(422, "'end' must not be before 'start'.", code="invalid-range")
        if (end - start).days > 366:
            raise ProblemError(422, "Ask for at most 366 days at a time.", code="range-too-long")
        docs = [
            d
            for d in await self._store.days(user_id, start, end)
            if d.get("messages") or d.get("input_tokens")
        ]
        days = [
            UsageDay(
                day=date.fromisoformat(d["day"]),
                provider=d["provider"],
                model=d["model"],
                messages=d.get("messages", 0),
                input_tokens=d.get("input_tokens", 0),
                output_tokens=d.get("output_tokens", 0),
                cost_usd=round(d.get("cost_usd", 0.0), 6),
            )
            for d in docs
        ]
        totals = UsageTotals(
            messages=sum(d.messages for d in days),
            input_tokens=sum(d.input_tokens for d in days),
            output_tokens=sum(d.output_tokens for d in days),
            cost_usd=round(sum(d.cost_usd for d in days), 6),
        )
        return UsageReport(start=start, end=end, days=days, totals=totals)
