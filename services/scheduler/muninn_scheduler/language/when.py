"""Finding *when* in a sentence ("tomorrow at 6pm", "next Tuesday at 3", "in 20 minutes").

Everything is read as local wall-clock time relative to a local "now"; the caller places the
result in the person's timezone. Relative days, weekdays and clock times are matched by
rules (predictable, testable); calendar dates written out ("June 20th", "3 July 2026") are
handed to ``dateparser``, which reads those well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import dateparser
from muninn_shared.calendar_words import COUNTS, WEEKDAYS

NUMBERS: dict[str, float] = {**COUNTS, "fifteen": 15, "twenty": 20, "thirty": 30, "half an": 0.5}
PARTS_OF_DAY = {"morning": 9, "afternoon": 15, "evening": 18, "tonight": 20, "night": 20}
DEFAULT_HOUR = 9

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NUMBER = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|half an)"
)

RELATIVE = re.compile(rf"\bin\s+({_NUMBER})\s+(minute|min|hour|hr|day|week)s?\b", re.IGNORECASE)
DAY_WORDS = re.compile(
    r"\b(the\s+day\s+after\s+tomorrow|tomorrow|tmrw|today|tonight)\b", re.IGNORECASE
)
WEEKDAY = re.compile(
    r"\b(?:(next|this|coming|on)\s+)?(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
    r"(?:day|sday|nesday|rsday|urday)?\b",
    re.IGNORECASE,
)
CALENDAR = re.compile(
    rf"\b(?:on\s+)?(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)
CLOCK_MERIDIEM = re.compile(
    r"\b(?:at\s+|@\s*|around\s+|by\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?=\W|$)",
    re.IGNORECASE,
)
CLOCK_24H = re.compile(r"\b(?:at\s+|@\s*|around\s+|by\s+)?([01]?\d|2[0-3]):([0-5]\d)\b")
CLOCK_BARE = re.compile(
    r"\b(?:at|@|around|by)\s+(\d{1,2})(?:\s*o'?clock)?\b(?!\s*(?:min|hour|day|week|%|/|:|\.\d))",
    re.IGNORECASE,
)
NOON = re.compile(r"\b(?:at\s+)?(noon|midday|midnight)\b", re.IGNORECASE)
PART_OF_DAY = re.compile(
    r"\b(?:(?:this|in\s+the|tomorrow)\s+)?(morning|afternoon|evening|night)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class When:
    local: datetime
    """The moment, as naive local wall-clock time."""
    spans: list[tuple[int, int]] = field(default_factory=list)
    """Where in the text the time expression was (so it can be cut out of a title)."""
    has_time: bool = True


def _number(word: str) -> float:
    return float(word) if word.isdigit() else NUMBERS[word.lower()]


def _hour_from_bare(hour: int, evening: bool) -> int:
    """'at 6' means 18:00 to most people; 'at 9' means 09:00 unless it is about the evening."""
    if hour == 12 or hour > 12:
        return hour % 24
    if evening or 1 <= hour <= 6:
        return hour + 12
    return hour


def _calendar_date(text: str, now: datetime) -> date | None:
    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={"RELATIVE_BASE": now, "PREFER_DATES_FROM": "future"},
    )
    return None if parsed is None else parsed.date()


def find_when(text: str, now: datetime, *, evening: bool = False) -> When | None:
    """The first time expression in ``text`` read against local ``now``; None when there is none.

    Only the future is planned: an expression resolving to the past yields None. ``evening``
    says the sentence is about an evening thing (dinner), so a bare "at 8" means 20:00.
    """
    spans: list[tuple[int, int]] = []
    relative = RELATIVE.search(text)
    if relative:
        amount = _number(relative.group(1))
        unit = relative.group(2).lower()
        minutes = {"minute": 1, "min": 1, "hour": 60, "hr": 60, "day": 1440, "week": 10080}[unit]
        moment = now + timedelta(minutes=amount * minutes)
        if unit in ("day", "week"):
            clock = _clock(text, spans, evening=False)
            moment = datetime.combine(moment.date(), clock or now.time().replace(microsecond=0))
        spans.append(relative.span())
        return When(local=moment.replace(second=0, microsecond=0), spans=spans)

    day, tonight = _day(text, now, spans)
    part = PART_OF_DAY.search(text)
    evening = evening or tonight or bool(part and part.group(1).lower() in ("evening", "night"))
    clock = _clock(text, spans, evening=evening)
    if part is not None:
        spans.append(part.span())
        if clock is None:
            clock = time(PARTS_OF_DAY[part.group(1).lower()])
    if day is None and clock is None:
        return None
    has_time = clock is not None
    if day is None:
        assert clock is not None
        day = now.date() if datetime.combine(now.date(), clock) > now else now.date() + timedelta(1)
    if clock is None:
        clock = time(20 if evening else DEFAULT_HOUR)
    moment = datetime.combine(day, clock)
    if moment <= now and has_time and clock.hour < 12 and day == now.date():
        later = moment + timedelta(hours=12)
        moment = later if later > now else moment
    if moment <= now:
        return None
    return When(local=moment, spans=sorted(spans), has_time=has_time)


def _day(text: str, now: datetime, spans: list[tuple[int, int]]) -> tuple[date | None, bool]:
    """The day named in ``text`` and whether it was 'tonight'."""
    words = DAY_WORDS.search(text)
    if words:
        spans.append(words.span())
        word = words.group(1).lower()
        if word.startswith("the day after"):
            return now.date() + timedelta(days=2), False
        if word in ("tomorrow", "tmrw"):
            return now.date() + timedelta(days=1), False
        return now.date(), word == "tonight"
    weekday = next(
        # "sat"/"wed" alone are ordinary words; abbreviations count after "on", "next", …
        (m for m in WEEKDAY.finditer(text) if m.group(1) or m.group(0).lower() in WEEKDAYS),
        None,
    )
    if weekday:
        spans.append(weekday.span())
        prefix = (weekday.group(1) or "").lower()
        target = next(
            i for i, name in enumerate(WEEKDAYS) if name.startswith(weekday.group(2)[:3].lower())
        )
        ahead = (target - now.weekday()) % 7
        if ahead == 0 and prefix in ("next", "coming", ""):
            ahead = 7
        return now.date() + timedelta(days=ahead), False
    calendar = CALENDAR.search(text)
    if calendar:
        found = _calendar_date(calendar.group(0), now)
        if found is not None:
            spans.append(calendar.span())
            return found, False
    return None, False


def _clock(text: str, spans: list[tuple[int, int]], *, evening: bool) -> time | None:
    meridiem = CLOCK_MERIDIEM.search(text)
    if meridiem:
        hour, minute = int(meridiem.group(1)), int(meridiem.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None
        pm = meridiem.group(3).lower().startswith("p")
        spans.append(meridiem.span())
        return time((hour % 12) + (12 if pm else 0), minute)
    noon = NOON.search(text)
    if noon:
        spans.append(noon.span())
        return time(0 if noon.group(1).lower() == "midnight" else 12)
    clock = CLOCK_24H.search(text)
    if clock:
        spans.append(clock.span())
        hour, minute = int(clock.group(1)), int(clock.group(2))
        return time(_hour_from_bare(hour, evening) if hour < 13 and evening else hour, minute)
    bare = CLOCK_BARE.search(text)
    if bare:
        hour = int(bare.group(1))
        if hour > 23:
            return None
        spans.append(bare.span())
        return time(_hour_from_bare(hour, evening))
    return None


def cut(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without the given spans (the time expression), whitespace tidied."""
    pieces: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start >= last:
            pieces.append(text[last:start])
            last = end
    pieces.append(text[last:])
    return re.sub(r"\s{2,}", " ", " ".join(p.strip() for p in pieces if p.strip())).strip()
