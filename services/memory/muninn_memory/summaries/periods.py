"""Calendar periods (UTC): ISO weeks starting on Monday, calendar months, quarters and years.

Weeks and months are summarised from their memories; a quarter is built from its three
months and a year from its four quarters (:data:`PARTS`), so a long period is read from a
few summaries instead of thousands of memories.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from muninn_memory.summaries.models import Period

PARTS: dict[Period, Period] = {"quarter": "month", "year": "quarter"}
"""What a period made of shorter ones is built from."""


def _first_of_month(year: int, month: int) -> date:
    """The first day of ``month`` (which may run past 12 into the next years)."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def bounds(period: Period, day: date) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of the period containing ``day``."""
    if period == "week":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    elif period == "month":
        start = day.replace(day=1)
        end = _first_of_month(day.year, day.month + 1)
    elif period == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        end = _first_of_month(day.year, first_month + 3)
    else:
        start = date(day.year, 1, 1)
        end = date(day.year + 1, 1, 1)
    return datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC)


def last_completed(period: Period, now: datetime) -> tuple[datetime, datetime]:
    current_start, _ = bounds(period, now.astimezone(UTC).date())
    return bounds(period, (current_start - timedelta(days=1)).date())


def parts(period: Period, start: datetime) -> tuple[Period, list[tuple[datetime, datetime]]]:
    """The shorter period a quarter or year is built from, and each of its bounds in order."""
    part = PARTS[period]
    _, end = bounds(period, start.date())
    found: list[tuple[datetime, datetime]] = []
    at = start
    while at < end:
        found.append(bounds(part, at.date()))
        at = found[-1][1]
    return part, found


def label(period: Period, start: datetime, end: datetime) -> str:
    if period == "month":
        return start.strftime("%B %Y")
    if period == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if period == "year":
        return f"The year {start.year}"
    last = end - timedelta(days=1)
    return f"Week of {start:%d %b %Y} to {last:%d %b %Y}"
