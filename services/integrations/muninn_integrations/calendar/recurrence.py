"""Recurring events expanded into occurrences for a time range (RRULE, RDATE, EXDATE,
overridden occurrences, time zones), with ``recurring-ical-events``.

A rule can be unbounded or absurdly dense (``FREQ=SECONDLY``), so expansion stops after
``limit`` occurrences whatever the range.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo

import recurring_ical_events

from muninn_integrations.calendar.ical import event_from_component, parse_calendar
from muninn_integrations.calendar.models import CalendarEvent, MalformedCalendarError
from muninn_integrations.calendar.serialize import event_to_ical

DEFAULT_LIMIT = 1_000


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
