"""Calendar periods (UTC): ISO weeks starting on Monday, and calendar months."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from muninn_memory.summaries.models import Period


def bounds(period: Period, day: date) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of the period containing ``day``."""
    if period == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    else:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    return datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)


def last_completed(period: Period, now: datetime) -> tuple[datetime, datetime]:
    current_start, _ = bounds(period, now.astimezone(UTC).date())
    return bounds(period, (current_start - timedelta(days=1)).date())


def label(period: Period, start: datetime, end: datetime) -> str:
    if period == "month":
        return start.strftime("%B %Y")
    last = end - timedelta(days=1)
    return f"Week of {start:%d %b %Y} to {last:%d %b %Y}"
