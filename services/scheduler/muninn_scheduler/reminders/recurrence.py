"""RFC 5545 recurrence evaluated in the person's local wall-clock time.

Occurrences are computed on naive local datetimes and only then placed in the timezone, so
"every Tuesday at 09:00" stays at 09:00 local across DST changes instead of drifting by an
hour as it would if the rule ran in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

MAX_RULE_LENGTH = 500


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
    return parsed


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
