"""Recurring events expanded into occurrences for a time range (RRULE, RDATE, EXDATE,
overridden occurrences, time zones), with ``recurring-ical-events``.

A rule can be unbounded or absurdly dense (``FREQ=SECONDLY``), so expansion stops after
``limit`` occurrences whatever the range. The expansion walks a rule from its first start,
so a dense rule that began long ago costs minutes of a worker thread before the range is
even reached (a `FREQ=SECONDLY` event a month old: ~9 s here): a rule that would take more
than ``MAX_RULE_STEPS`` steps to reach the range's start is refused (``RuleTooDenseError``)
before anything is expanded. Within the range, ``limit`` bounds the walk.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import recurring_ical_events
from muninn_shared.rrule_parts import PERIOD_SECONDS, rule_interval, rule_parts

from muninn_integrations.calendar.ical import event_from_component, parse_calendar
from muninn_integrations.calendar.models import CalendarEvent, MalformedCalendarError
from muninn_integrations.calendar.serialize import event_to_ical

DEFAULT_LIMIT = 1_000
MAX_RULE_STEPS = 100_000  # ~0.3 s of walking here
EXPANDING_PARTS = ("BYSECOND", "BYMINUTE", "BYHOUR")  # each value a step within a period


class RuleTooDenseError(MalformedCalendarError):
    """A recurrence rule too dense to walk from its first start to the range asked for."""


def rule_steps(rule: str, first_start: datetime, end: datetime) -> float:
    """About how many steps expanding ``rule`` from ``first_start`` up to ``end`` takes."""
    parts = rule_parts(rule)
    period = PERIOD_SECONDS.get(parts.get("FREQ", ""))
    if period is None:
        return 0.0  # not a rule the expansion reads either
    interval = rule_interval(parts)
    steps = max(0.0, (end - first_start).total_seconds()) / (period * interval)
    expanding = [name for name in EXPANDING_PARTS if name in parts]
    for name in expanding:
        steps *= max(1, len(parts[name].split(",")))
    count = parts.get("COUNT", "")
    if count.isdigit() and not expanding:
        steps = min(steps, float(count))
    return steps


def _refuse_dense_rules(
    calendar: Any, start: datetime, uid: str | None, default_tz: tzinfo
) -> None:
    """Every RRULE of the events to expand (a VEVENT may carry several) is walkable to
    ``start``."""
    for component in calendar.walk("VEVENT"):
        if uid is not None and str(component.get("UID")) != uid:
            continue
        rules = component.get("RRULE")
        if rules is None:
            continue
        first = _first_start(component, default_tz)
        if first is None:
            continue
        for rule in rules if isinstance(rules, list) else [rules]:
            text = rule.to_ical().decode() if hasattr(rule, "to_ical") else str(rule)
            if rule_steps(text, first, start) > MAX_RULE_STEPS:
                raise RuleTooDenseError("the recurrence rule is too dense to expand")


def _first_start(component: Any, default_tz: tzinfo) -> datetime | None:
    try:
        value = component.decoded("DTSTART")
    except (KeyError, ValueError):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=default_tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=default_tz)
    return None


def expand(
    events: Iterable[CalendarEvent],
    start: datetime,
    end: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    default_tz: tzinfo = UTC,
) -> list[CalendarEvent]:
    """The occurrences of ``events`` overlapping [start, end), sorted by start, at most
    ``limit``. Each occurrence carries its ``recurrence_id`` when it belongs to a series."""
    occurrences: list[CalendarEvent] = []
    for event in events:
        if len(occurrences) >= limit:
            break
        occurrences.extend(
            expand_event(event, start, end, limit=limit - len(occurrences), default_tz=default_tz)
        )
    return sorted(occurrences, key=lambda occurrence: occurrence.start)


def expand_event(
    event: CalendarEvent,
    start: datetime,
    end: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    default_tz: tzinfo = UTC,
) -> list[CalendarEvent]:
    if not event.recurring and not event.overrides:
        return [event] if event.start < end and _ends_after(event, start) else []
    text = event.ical or event_to_ical(event)
    return expand_ical(text, start, end, limit=limit, default_tz=default_tz, uid=event.uid)


def expand_ical(
    text: str,
    start: datetime,
    end: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    default_tz: tzinfo = UTC,
    uid: str | None = None,
) -> list[CalendarEvent]:
    """The occurrences in an iCalendar text (optionally of one ``uid``) overlapping the range."""
    calendar = parse_calendar(text)
    _refuse_dense_rules(calendar, start, uid, default_tz)
    query = recurring_ical_events.of(calendar, components=["VEVENT"])
    found: list[CalendarEvent] = []
    try:
        for component in query.after(start):
            if len(found) >= limit:
                break
            if uid is not None and str(component.get("UID")) != uid:
                continue
            occurrence = event_from_component(component, default_tz=default_tz)
            if occurrence.start >= end:
                break
            if _ends_after(occurrence, start):
                found.append(occurrence)
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedCalendarError(
            f"recurrence cannot be expanded ({type(exc).__name__})"
        ) from None
    return found


def _ends_after(event: CalendarEvent, moment: datetime) -> bool:
    return event.end > moment or (event.end == event.start and event.start >= moment)
