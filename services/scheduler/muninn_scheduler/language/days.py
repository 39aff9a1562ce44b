"""Days and periods in the past: when money was spent ("yesterday", "on Monday", "3 days ago",
"on 3 November") and which period a question is about ("in November", "last week", "this
month", "in the last 30 days").

Everything is read against the person's local ``today``; weeks run Monday to Sunday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import dateparser
from muninn_shared.calendar_words import MONTHS, WEEKDAYS

from muninn_scheduler.language.numbers import NUMBER_WORDS, number_value
from muninn_scheduler.language.when import CALENDAR

Span = tuple[int, int]

_MONTH_NAMES = "|".join(sorted({*MONTHS, *(m[:3] for m in MONTHS), "sept"}, key=len, reverse=True))
_WEEKDAY_NAMES = r"(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?"

TODAY = re.compile(
    r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening|lunchtime))\b", re.IGNORECASE
)
YESTERDAY = re.compile(
    r"\b(the\s+day\s+before\s+yesterday|yesterday(?:\s+(?:morning|afternoon|evening|night))?"
    r"|last\s+night)\b",
    re.IGNORECASE,
)
AGO = re.compile(rf"\b(\d+|an?|{NUMBER_WORDS})\s+(day|week)s?\s+ago\b", re.IGNORECASE)
PAST_WEEKDAY = re.compile(
    rf"\b(?:(on|last|this|next|coming|this\s+coming)\s+)?{_WEEKDAY_NAMES}\b", re.IGNORECASE
)

MONTH_PERIOD = re.compile(
    rf"\b(?:(?:in|during|for|over|of)\s+(?:the\s+month\s+of\s+)?|(last|this)\s+)"
    rf"({_MONTH_NAMES})\.?(?:,?\s+(\d{{4}}))?\b",
    re.IGNORECASE,
)
YEAR_PERIOD = re.compile(r"\b(?:in|during|for|over|of)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
RELATIVE_PERIOD = re.compile(
    r"\b(?:(this|last|previous|past)\s+(week|month|year)|(today|yesterday))\b", re.IGNORECASE
)
ROLLING = re.compile(
    rf"\b(?:in|over|during|for)?\s*the\s+(?:last|past)\s+(\d+|{NUMBER_WORDS})\s+(day|week)s?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Day:
    day: date
    span: Span


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    DAYS = "days"  # the last n days


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    end: date
    """Inclusive."""
    label: str
    """How an answer names it: "in November 2025", "this week", "in the last 30 days"."""
    span: Span = (0, 0)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before (the month before, the week before…)."""
        if self.kind is PeriodKind.MONTH:
            start = month_start(self.start - timedelta(days=1))
            return Period(PeriodKind.MONTH, start, month_end(start), f"in {month_label(start)}")
        if self.kind is PeriodKind.YEAR:
            start = date(self.start.year - 1, 1, 1)
            return Period(PeriodKind.YEAR, start, date(start.year, 12, 31), f"in {start.year}")
        end = self.start - timedelta(days=1)
        start = end - timedelta(days=self.days - 1)
        labels = {
            PeriodKind.DAY: f"on {end.strftime('%a %d %b')}",
            PeriodKind.WEEK: f"the week of {start.strftime('%d %b')}",
        }
        return Period(self.kind, start, end, labels.get(self.kind, f"the {self.days} days before"))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def month_label(day: date) -> str:
    return day.strftime("%B %Y")


def week_of(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    return Period(PeriodKind.WEEK, start, start + timedelta(days=6), "this week")


def month_of(day: date) -> Period:
    start = month_start(day)
    return Period(PeriodKind.MONTH, start, month_end(start), "this month")


def _month_number(name: str) -> int:
    lowered = name.lower()[:3]
    return next(i for i, month in enumerate(MONTHS, 1) if month.startswith(lowered))


def _count(word: str) -> int:
    value = number_value(word)
    return int(value) if value is not None else 0


def spent_on(text: str, today: date) -> Day | None:
    """The past day ``text`` names (the day money was spent); None when it names none, or
    only a future one (then the day is not the spending's: "tickets for next Friday")."""
    if match := TODAY.search(text):
        return Day(today, match.span())
    if match := YESTERDAY.search(text):
        back = 2 if match.group(1).lower().startswith("the day before") else 1
        return Day(today - timedelta(days=back), match.span())
    if match := AGO.search(text):
        amount = _count(match.group(1))
        days = amount * (7 if match.group(2).lower() == "week" else 1)
        return Day(today - timedelta(days=days), match.span()) if 0 < days <= 3660 else None
    for match in PAST_WEEKDAY.finditer(text):
        # "sat"/"wed" alone are ordinary words; abbreviations count after "on" or "last".
        if not match.group(1) and match.group(0).lower() not in WEEKDAYS:
            continue
        prefix = " ".join((match.group(1) or "").lower().split())
        target = next(i for i, n in enumerate(WEEKDAYS) if n.startswith(match.group(2)[:3].lower()))
        if prefix in ("next", "coming", "this coming") or (
            prefix == "this" and target > today.weekday()
        ):
            return None  # "tickets for next Friday": a day ahead is not when it was spent
        back = (today.weekday() - target) % 7
        if back == 0 and prefix == "last":
            back = 7
        return Day(today - timedelta(days=back), match.span())
    if match := CALENDAR.search(text):
        parsed = dateparser.parse(
            match.group(0),
            languages=["en"],
            settings={
                "RELATIVE_BASE": datetime.combine(today, datetime.min.time()),
                "PREFER_DATES_FROM": "past",
            },
        )
        if parsed is not None and parsed.date() <= today:
            return Day(parsed.date(), match.span())
    return None


def period_in(text: str, today: date) -> Period | None:
    """The period a question about the past names; None when it names none."""
    if match := ROLLING.search(text):
        amount = _count(match.group(1))
        days = amount * (7 if match.group(2).lower() == "week" else 1)
        if not 0 < days <= 3660:
            return None
        start = today - timedelta(days=days - 1)
        return Period(PeriodKind.DAYS, start, today, f"in the last {days} days", match.span())
    if match := MONTH_PERIOD.search(text):
        month = _month_number(match.group(2))
        if match.group(3):
            year = int(match.group(3))
        else:
            # "in November" in June is the November that has begun: last year's.
            year = today.year if month <= today.month else today.year - 1
            if (match.group(1) or "").lower() == "last" and month >= today.month:
                year = today.year - 1
        start = date(year, month, 1)
        return Period(
            PeriodKind.MONTH, start, month_end(start), f"in {month_label(start)}", match.span()
        )
    if match := RELATIVE_PERIOD.search(text):
        return _relative(match, today)
    if match := YEAR_PERIOD.search(text):
        year = int(match.group(1))
        return Period(
            PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31), f"in {year}", match.span()
        )
    return None


def _relative(match: re.Match[str], today: date) -> Period:
    span = match.span()
    if match.group(3):
        if match.group(3).lower() == "today":
            return Period(PeriodKind.DAY, today, today, "today", span)
        yesterday = today - timedelta(days=1)
        return Period(PeriodKind.DAY, yesterday, yesterday, "yesterday", span)
    which, unit = match.group(1).lower(), match.group(2).lower()
    past = which != "this"
    if unit == "week":
        week = week_of(today)
        if not past:
            return Period(PeriodKind.WEEK, week.start, week.end, "this week", span)
        start = week.start - timedelta(days=7)
        return Period(PeriodKind.WEEK, start, start + timedelta(days=6), "last week", span)
    if unit == "month":
        current = month_of(today)
        if not past:
            return Period(PeriodKind.MONTH, current.start, current.end, "this month", span)
        start = month_start(current.start - timedelta(days=1))
        return Period(PeriodKind.MONTH, start, month_end(start), "last month", span)
    year = today.year - (1 if past else 0)
    label = "last year" if past else "this year"
    return Period(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31), label, span)
