"""Dates in plain language, resolved against the time the message was written.

"Tomorrow" in a message from 8 May 2023 means 9 May 2023, not the day it was ingested: this is
what lets historical conversations keep their meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from muninn_shared.calendar_words import COUNTS

Direction = Literal["future", "past", "any"]

MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: index
    for index, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
NUMBERS = {**COUNTS, "eleven": 11, "twelve": 12, "a couple of": 2, "a few": 3, "several": 3}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# Abbreviations such as "sat", "sun" or "wed" are ordinary words too often to be dates.
_WEEKDAY = "|".join(sorted((w for w in WEEKDAYS if len(w) > 4), key=len, reverse=True))
_FULL_MONTH = "|".join(
    sorted((m for m in MONTHS if len(m) > 3 or m == "may"), key=len, reverse=True)
)
_NUMBER = r"\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True))
_UNIT = r"day|week|month|year|weekend"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    (
        "month_day",
        re.compile(
            rf"\b(?:on\s+)?({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I
        ),
    ),
    (
        "day_month",
        re.compile(
            rf"\b(?:on\s+)?(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?(?:,?\s+(\d{{4}}))?\b",
            re.I,
        ),
    ),
    ("slash", re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")),
    ("day_after_tomorrow", re.compile(r"\bthe day after tomorrow\b", re.I)),
    ("day_before_yesterday", re.compile(r"\bthe day before yesterday\b", re.I)),
    ("tomorrow", re.compile(r"\btomorrow\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b|\blast night\b", re.I)),
    ("today", re.compile(r"\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b", re.I)),
    ("relative_in", re.compile(rf"\bin\s+({_NUMBER})\s+({_UNIT})s?\b", re.I)),
    ("relative_ago", re.compile(rf"\b({_NUMBER})\s+({_UNIT})s?\s+ago\b", re.I)),
    ("weekday", re.compile(rf"\b(?:(next|this|last|on|coming)\s+)?({_WEEKDAY})\b", re.I)),
    ("unit", re.compile(r"\b(next|last|this|coming)\s+(week|weekend|month|year)\b", re.I)),
    (
        "month",
        re.compile(rf"\b(?:in|next|last|this|since)\s+({_FULL_MONTH})\b(?:\s+(\d{{4}}))?", re.I),
    ),
    ("ordinal", re.compile(r"\bon the (\d{1,2})(?:st|nd|rd|th)\b", re.I)),
    ("year", re.compile(r"\b(?:in|since|back in)\s+((?:19|20)\d{2})\b", re.I)),
]

_TIME = re.compile(r"\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b", re.I)


@dataclass(frozen=True)
class DateMention:
    at: datetime
    text: str
    granularity: Literal["day", "week", "month", "year"]


def _number(token: str) -> int:
    token = token.lower()
    return int(token) if token.isdigit() else NUMBERS.get(token, 1)


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    return moment.replace(year=year, month=month, day=1)


def _safe(year: int, month: int, day: int, ref: datetime) -> datetime | None:
    try:
        return ref.replace(year=year, month=month, day=day)
    except ValueError:
        return None


def _day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _resolve(
    kind: str, match: re.Match[str], ref: datetime, direction: Direction
) -> DateMention | None:
    day = _day_start(ref)
    text = match.group(0)
    groups = match.groups()
    if kind == "iso":
        found = _safe(int(groups[0]), int(groups[1]), int(groups[2]), day)
        return DateMention(found, text, "day") if found else None
    if kind in ("month_day", "day_month"):
        month_name, day_number = (
            (groups[0], groups[1]) if kind == "month_day" else (groups[1], groups[0])
        )
        month = MONTHS[month_name.lower().rstrip(".")]
        year = int(groups[2]) if groups[2] else day.year
        found = _safe(year, month, int(day_number), day)
        if found is None:
            return None
        if not groups[2]:
            found = _nearest_year(found, day, direction)
        return DateMention(found, text, "day")
    if kind == "slash":
        first, second, year = int(groups[0]), int(groups[1]), int(groups[2])
        # Day-first unless that is impossible: most of the world writes 05/06 for 5 June.
        found = _safe(year, second, first, day) or _safe(year, first, second, day)
        return DateMention(found, text, "day") if found else None
    fixed = {
        "day_after_tomorrow": 2,
        "day_before_yesterday": -2,
        "tomorrow": 1,
        "yesterday": -1,
        "today": 0,
    }
    if kind in fixed:
        return DateMention(day + timedelta(days=fixed[kind]), text, "day")
    if kind in ("relative_in", "relative_ago"):
        amount = _number(groups[0]) * (1 if kind == "relative_in" else -1)
        unit = groups[1].lower()
        if unit == "day":
            return DateMention(day + timedelta(days=amount), text, "day")
        if unit in ("week", "weekend"):
            return DateMention(day + timedelta(weeks=amount), text, "week")
        if unit == "month":
            return DateMention(_add_months(day, amount), text, "month")
        return DateMention(_safe(day.year + amount, day.month, 1, day) or day, text, "year")
    if kind == "weekday":
        qualifier = (groups[0] or "").lower()
        target = WEEKDAYS[groups[1].lower()]
        delta = target - day.weekday()
        if qualifier == "last" or (qualifier in ("", "on") and direction == "past"):
            delta = delta - 7 if delta >= 0 else delta
            if qualifier == "last" and delta > -1:
                delta -= 7
        elif qualifier == "next":
            delta = delta + 7 if delta <= 0 else delta
        else:
            delta = delta + 7 if delta < 0 else delta
        return DateMention(day + timedelta(days=delta), text, "day")
    if kind == "unit":
        qualifier, unit = groups[0].lower(), groups[1].lower()
        step = {"next": 1, "coming": 1, "last": -1, "this": 0}[qualifier]
        if unit == "week":
            monday = day - timedelta(days=day.weekday())
            return DateMention(monday + timedelta(weeks=step), text, "week")
        if unit == "weekend":
            if step < 0:
                back = (day.weekday() - 5) % 7 or 7
                return DateMention(day - timedelta(days=back), text, "week")
            saturday = day + timedelta(days=(5 - day.weekday()) % 7)
            if step > 0 and day.weekday() >= 4:
                saturday += timedelta(days=7)
            return DateMention(saturday, text, "week")
        if unit == "month":
            return DateMention(_add_months(day, step), text, "month")
        return DateMention(_safe(day.year + step, 1, 1, day) or day, text, "year")
    if kind == "month":
        if groups[0] == "may" or (groups[0].lower() == "may" and text.lower().startswith("this")):
            return None  # "this may be…" is not a month
        month = MONTHS[groups[0].lower()]
        qualifier = text.split()[0].lower()
        year = int(groups[1]) if groups[1] else day.year
        found = _safe(year, month, 1, day) or day
        if not groups[1]:
            wanted: Direction = (
                "past"
                if qualifier in ("last", "since")
                else "future"
                if qualifier == "next"
                else direction
            )
            found = _nearest_year(found, day.replace(day=1), wanted)
        return DateMention(found, text, "month")
    if kind == "ordinal":
        found = _safe(day.year, day.month, int(groups[0]), day)
        if found is None:
            return None
        if direction == "future" and found < day:
            found = _safe(*_next_month_ymd(day), int(groups[0]), day) or found
        return DateMention(found, text, "day")
    if kind == "year":
        return DateMention(_safe(int(groups[0]), 1, 1, day) or day, text, "year")
    return None


def _next_month_ymd(day: datetime) -> tuple[int, int]:
    following = _add_months(day, 1)
    return following.year, following.month


def _nearest_year(found: datetime, ref: datetime, direction: Direction) -> datetime:
    if direction == "future" and found < ref:
        return found.replace(year=found.year + 1)
    if direction == "past" and found > ref:
        return found.replace(year=found.year - 1)
    return found


def find_date(text: str, ref: datetime, direction: Direction = "any") -> DateMention | None:
    """The first date expression in ``text``, resolved against ``ref`` (timezone kept)."""
    best: tuple[int, DateMention] | None = None
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            mention = _resolve(kind, match, ref, direction)
            if mention is None:
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), mention)
            break
    if best is None:
        return None
    mention = best[1]
    clock = _TIME.search(text)
    if clock and mention.granularity == "day":
        hour = int(clock.group(1)) % 12 + (12 if clock.group(3).lower() == "pm" else 0)
        mention = DateMention(
            mention.at.replace(hour=hour, minute=int(clock.group(2) or 0)), mention.text, "day"
        )
    return mention
