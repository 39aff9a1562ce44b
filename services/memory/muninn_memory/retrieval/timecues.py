"""What a question says about time: 'when' questions, recency, and the period it names.

Resolved against the search's ``now`` so "last week" means the week before the question was
asked. The parse is deliberately small and conservative: a period is only recognised from an
explicit date, month, year or a relative expression, and it boosts rather than filters, so a
misread never hides a memory.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from muninn_memory.retrieval.lexical import normalise

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?,?\s+(\d{{4}})\b"
)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\.?,?\s+(?:of\s+)?(\d{{4}})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR = re.compile(r"\b(?:in|during|of|since|from)\s+((?:19|20)\d{2})\b")
_AGO = re.compile(r"\b(\d+|a|an|one|two|three|four|five|six)\s+(day|week|month|year)s?\s+ago\b")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

_WHEN = re.compile(
    r"^\s*when\b|\bwhat (?:time|date|day|month|year)\b|\bwhich (?:day|month|year|week)\b|\bhow long ago\b|\bsince when\b"
)
_RECENCY = re.compile(
    r"\b(?:latest|most recent(?:ly)?|recent(?:ly)?|currently|current|nowadays|these days|lately|right now|anymore|still|last time)\b"
)

# Words that mark a memory as carrying its own time reference ("last Saturday", "in 2019").
TEMPORAL_WORDS = frozenset(
    """
    yesterday today tonight tomorrow week weekend month year ago last next recently
    monday tuesday wednesday thursday friday saturday sunday morning evening night
    """.split()  # noqa: SIM905 - a word list reads better as text
) | frozenset(MONTHS)
_YEAR_TOKEN = re.compile(r"\b(?:19|20)\d{2}\b")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class TimeCues:
    asks_when: bool = False
    wants_recent: bool = False
    period: Period | None = None


def _month_period(year: int, month: int) -> Period:
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end)


def _day_period(year: int, month: int, day: int) -> Period | None:
    try:
        start = datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None
    return Period(start, start + timedelta(days=1))


def _relative_period(text: str, now: datetime) -> Period | None:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if re.search(r"\byesterday\b", text):
        return Period(today - timedelta(days=1), today)
    if re.search(r"\btoday\b|\bthis morning\b|\btonight\b", text):
        return Period(today, today + timedelta(days=1))
    week_start = today - timedelta(days=today.weekday())
    if re.search(r"\blast week\b", text):
        return Period(week_start - timedelta(days=7), week_start)
    if re.search(r"\bthis week\b", text):
        return Period(week_start, week_start + timedelta(days=7))
    month = _month_period(today.year, today.month)
    if re.search(r"\blast month\b", text):
        previous = month.start - timedelta(days=1)
        return _month_period(previous.year, previous.month)
    if re.search(r"\bthis month\b", text):
        return month
    if re.search(r"\blast year\b", text):
        return Period(
            datetime(today.year - 1, 1, 1, tzinfo=UTC), datetime(today.year, 1, 1, tzinfo=UTC)
        )
    if re.search(r"\bthis year\b", text):
        return Period(
            datetime(today.year, 1, 1, tzinfo=UTC), datetime(today.year + 1, 1, 1, tzinfo=UTC)
        )
    ago = _AGO.search(text)
    if ago:
        raw = ago.group(1)
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[ago.group(2)] * n
        centre = today - timedelta(days=days)
        # "Three weeks ago" is approximate: a window around the point, wider for longer spans.
        slack = timedelta(days=max(1, days // 4))
        return Period(centre - slack, centre + slack + timedelta(days=1))
    return None


def explicit_period(text: str) -> Period | None:
    if m := _ISO_DATE.search(text):
        return _day_period(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _DAY_MONTH_YEAR.search(text):
        return _day_period(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))
    if m := _MONTH_DAY_YEAR.search(text):
        return _day_period(int(m.group(3)), MONTHS[m.group(1)], int(m.group(2)))
    if m := _MONTH_YEAR.search(text):
        return _month_period(int(m.group(2)), MONTHS[m.group(1)])
    if m := _YEAR.search(text):
        year = int(m.group(1))
        return Period(datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC))
    return None


def time_cues(query: str, now: datetime) -> TimeCues:
    text = normalise(query)
    period = explicit_period(text) or _relative_period(text, now)
    return TimeCues(
        asks_when=bool(_WHEN.search(text)),
        wants_recent=bool(_RECENCY.search(text)),
        period=period,
    )


def mentions_time(words: list[str]) -> bool:
    return any(w in TEMPORAL_WORDS or _YEAR_TOKEN.fullmatch(w) for w in words)
