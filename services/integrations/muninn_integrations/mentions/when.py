"""When something said in chat happened, or takes effect, from the words around it.

Days are counted from the message's own time in UTC: the integrations service does not
keep its users' time zones (identity announces them, but only memory and the scheduler keep
profiles), so "yesterday" said at 00:30 local time east of Greenwich may name the day
before. Every pattern is a bounded alternation of literal words: linear in the text.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from muninn_shared.calendar_words import MONTHS, WEEKDAYS

_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_DAYS = "|".join(WEEKDAYS)
_MONTHS = "|".join(m for m in MONTHS if m != "may")  # "may" is a verb far more often

_PAST = re.compile(
    r"\b(?:"
    r"(?P<today>today|tonight|this (?:morning|afternoon|evening)|earlier today)"
    r"|(?P<day_before>the day before yesterday)"
    r"|(?P<yesterday>yesterday|last night)"
    rf"|(?:(?:last|on|this past) )?(?P<weekday>{_DAYS})"
    r"|(?P<last_week>last week)"
    r"|(?P<ago>\d{1,2}|a|one|two|three|four|five|six|seven) (?P<unit>days?|weeks?) ago"
    r")\b",
    re.IGNORECASE,
)

_EFFECTIVE = re.compile(
    r"\b(?:"
    r"(?P<today>today|now|this week)"
    r"|(?P<tomorrow>tomorrow)"
    r"|(?P<next_week>next week)"
    r"|(?P<next_month>next month)"
    r"|(?P<last_month>last month)"
    r"|(?P<last_week>last week)"
    r"|(?P<yesterday>yesterday)"
    r"|(?:in|from|starting|this|next) (?P<month>" + _MONTHS + r"|may)"
    rf"|(?:on |this |next |from |starting )?(?P<weekday>{_DAYS})"
    r"|in (?P<in>\d{1,2}|a|one|two|three|four|five|six|seven) (?P<unit>days?|weeks?|months?)"
    r")\b",
    re.IGNORECASE,
)


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBERS[text.lower()]


def _noon(day: date, like: datetime) -> datetime:
    return datetime.combine(day, time(12), tzinfo=like.tzinfo)


def when_it_happened(texts: list[str], now: datetime) -> datetime:
    """The moment a past meeting or call took place: the first day phrase in ``texts``
    (searched in order), at noon; ``now`` for "today" or when none is said."""
    for text in texts:
        found = _PAST.search(text)
        if found is None:
            continue
        today = now.date()
        if found["today"]:
            return now
        if found["day_before"]:
            return _noon(today - timedelta(days=2), now)
        if found["yesterday"]:
            return _noon(today - timedelta(days=1), now)
        if found["weekday"]:
            wanted = WEEKDAYS.index(found["weekday"].lower())
            back = (today.weekday() - wanted) % 7 or 7  # the last one before today
            return _noon(today - timedelta(days=back), now)
        if found["last_week"]:
            return _noon(today - timedelta(days=7), now)
        count = _count(found["ago"])
        days = count * 7 if found["unit"].lower().startswith("week") else count
        return _noon(today - timedelta(days=min(days, 365)), now)
    return now


def _first_of_month(day: date, months_ahead: int) -> date:
    index = day.year * 12 + day.month - 1 + months_ahead
    return date(index // 12, index % 12 + 1, 1)


def effective_day(texts: list[str], today: date, *, past: bool = False) -> date:
    """The day a job change takes effect: the first date phrase in ``texts`` (searched in
    order); "next month" is the first of next month, a month name its first day, a weekday
    that day (the next ones, or for a change told in the past tense, the last ones);
    ``today`` when none is said."""
    for text in texts:
        found = _EFFECTIVE.search(text)
        if found is None:
            continue
        if found["today"]:
            return today
        if found["tomorrow"]:
            return today + timedelta(days=1)
        if found["next_week"]:
            return today + timedelta(days=7 - today.weekday())
        if found["next_month"]:
            return _first_of_month(today, 1)
        if found["last_month"]:
            return _first_of_month(today, -1)
        if found["last_week"]:
            return today - timedelta(days=7)
        if found["yesterday"]:
            return today - timedelta(days=1)
        if found["month"]:
            month = MONTHS.index(found["month"].lower()) + 1
            if past:
                return _first_of_month(today, -((today.month - month) % 12))
            ahead = (month - today.month) % 12
            return today if ahead == 0 else _first_of_month(today, ahead)
        if found["weekday"]:
            wanted = WEEKDAYS.index(found["weekday"].lower())
            if past:
                return today - timedelta(days=(today.weekday() - wanted) % 7 or 7)
            return today + timedelta(days=(wanted - today.weekday()) % 7 or 7)
        count = _count(found["in"])
        unit = found["unit"].lower()
        if unit.startswith("month"):
            return _first_of_month(today, min(count, 24))
        days = count * 7 if unit.startswith("week") else count
        return today + timedelta(days=min(days, 730))
    return today
