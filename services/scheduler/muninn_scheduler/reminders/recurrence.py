"""RFC 5545 recurrence evaluated in the person's local wall-clock time.

Occurrences are computed on naive local datetimes and only then placed in the timezone, so
"every Tuesday at 09:00" stays at 09:00 local across DST changes instead of drifting by an
hour as it would if the rule ran in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from muninn_shared.rrule_parts import PERIOD_SECONDS, rule_interval, rule_parts

MAX_RULE_LENGTH = 500
# A rule denser than this is no reminder a person wants, and each firing walks the rule from
# its start in the event loop (a month of FREQ=SECONDLY: seconds per firing, every second).
MIN_GAP_SECONDS = 15 * 60
# A rule that never occurs (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) is walked by dateutil to the
# year 9999 (seconds) each time its next occurrence is asked for: it is refused when it is
# made, once, instead of being stored. Its first occurrences also show a burst that an
# average hides (BYMINUTE=0,1,2… within one hour).
TRIAL_OCCURRENCES = 50
# The parts finer than each frequency: each value another time within a period (coarser
# ones only limit, as BYHOUR does for FREQ=HOURLY).
FINER_PARTS = {
    "SECONDLY": (),
    "MINUTELY": ("BYSECOND",),
    "HOURLY": ("BYMINUTE", "BYSECOND"),
}
ALL_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")


class RecurrenceError(ValueError):
    pass


def parse_rule(rule: str, start_local: datetime) -> rrule:
    """Validate an RRULE (with or without the ``RRULE:`` prefix) against its local start."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or len(text) > MAX_RULE_LENGTH or "\n" in text:
        raise RecurrenceError("give one RRULE line, e.g. 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU'")
    if "DTSTART" in text.upper():
        raise RecurrenceError("the start comes from the reminder's time, not from DTSTART")
    try:
        parsed = rrulestr(text, dtstart=start_local.replace(tzinfo=None))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"not a valid RRULE: {exc}") from None
    if not isinstance(parsed, rrule):
        raise RecurrenceError("give a single RRULE, not a set")
    if average_gap_seconds(text) < MIN_GAP_SECONDS:
        raise RecurrenceError(too_dense())
    _try_out(parsed)
    return parsed


def too_dense() -> str:
    return f"a reminder repeats at most every {MIN_GAP_SECONDS // 60} minutes"


def _try_out(parsed: rrule) -> None:
    """The rule occurs, and never twice within ``MIN_GAP_SECONDS`` among its first
    ``TRIAL_OCCURRENCES``."""
    moments = list(islice(parsed, TRIAL_OCCURRENCES))
    if not moments:
        raise RecurrenceError("the rule gives no occurrence")
    if any(
        (later - earlier).total_seconds() < MIN_GAP_SECONDS for earlier, later in pairwise(moments)
    ):
        raise RecurrenceError(too_dense())


def average_gap_seconds(rule: str) -> float:
    """About how far apart the rule's occurrences are: its period times its interval, over
    the times it names within a period (``BYHOUR=8,12`` is two a day)."""
    parts = rule_parts(rule)
    freq = parts.get("FREQ", "")
    period = PERIOD_SECONDS.get(freq, PERIOD_SECONDS["DAILY"])
    interval = rule_interval(parts)
    per_period = 1
    for name in FINER_PARTS.get(freq, ALL_TIME_PARTS):
        if parts.get(name):
            per_period *= len(parts[name].split(","))
    return period * interval / per_period


def localize(naive_local: datetime, zone: ZoneInfo) -> datetime:
    """Place a local wall-clock time in its zone; a time skipped by DST moves forward."""
    aware = naive_local.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive_local:  # in the spring-forward gap
        aware = (naive_local.replace(tzinfo=zone).astimezone(UTC)).astimezone(zone)
    return aware


def next_occurrence(
    rule: str, start_local: datetime, zone: ZoneInfo, after: datetime
) -> datetime | None:
    """The first occurrence strictly after ``after`` (aware), as an aware UTC datetime."""
    parsed = parse_rule(rule, start_local)
    after_local = after.astimezone(zone).replace(tzinfo=None)
    candidate = parsed.after(after_local, inc=False)
    while candidate is not None:
        aware = localize(candidate, zone).astimezone(UTC)
        if aware > after:
            return aware
        candidate = parsed.after(candidate, inc=False)
    return None


def upcoming(
    rule: str, start_local: datetime, zone: ZoneInfo, after: datetime, count: int
) -> list[datetime]:
    found: list[datetime] = []
    cursor = after
    while len(found) < count:
        nxt = next_occurrence(rule, start_local, zone, cursor)
        if nxt is None:
            break
        found.append(nxt)
        cursor = nxt
    return found
