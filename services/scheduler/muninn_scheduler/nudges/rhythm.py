"""How often a person is usually in touch with someone, and when that has lapsed."""

from __future__ import annotations

import calendar
import itertools
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MIN_INTERACTIONS = 3


@dataclass(frozen=True)
class Rhythm:
    usual_gap: timedelta
    cold_after: timedelta


def rhythm(moments: list[datetime], *, factor: float = 2.0, min_days: float = 14) -> Rhythm | None:
    """The median gap between interactions and the silence that counts as going cold.

    The median ignores one-off bursts (a week of daily mails about a move); the minimum
    keeps a daily-chat friend from being 'cold' after two quiet days.
    """
    ordered = sorted(moments)
    if len(ordered) < MIN_INTERACTIONS:
        return None
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(ordered)]
    usual = timedelta(seconds=statistics.median(gaps))
    return Rhythm(usual_gap=usual, cold_after=max(usual * factor, timedelta(days=min_days)))


def is_birthday(month: int, day: int, today: date) -> bool:
    """29 February birthdays are celebrated on the 28th in other years."""
    if month == 2 and day == 29 and not calendar.isleap(today.year):
        return today.month == 2 and today.day == 28
    return (today.month, today.day) == (month, day)


def parse_birthday(value: object) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) from 'YYYY-MM-DD', '--MM-DD' or 'MM-DD'."""
    if not isinstance(value, str):
        return None
    text = value.strip()[:10]
    try:
        if text.startswith("--"):
            month, day = int(text[2:4]), int(text[5:7])
            year = None
        elif len(text) == 5:
            month, day = int(text[:2]), int(text[3:5])
            year = None
        else:
            parsed = date.fromisoformat(text)
            year, month, day = parsed.year, parsed.month, parsed.day
        date(2000, month, day)  # a real day (2000 is a leap year)
    except ValueError:
        return None
    return year, month, day
