"""Reading iCalendar text into ``CalendarEvent``s: VEVENTs grouped by UID, overrides folded
into their series master, every text and list bounded, a malformed event skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar

from muninn_integrations.calendar.models import (
    MAX_ALARMS,
    MAX_ATTENDEES,
    MAX_DESCRIPTION,
    MAX_ICAL_CHARS,
    MAX_OVERRIDES,
    MAX_SHORT_TEXT,
    MAX_TITLE,
    Alarm,
    Attendee,
    CalendarEvent,
    EventStatus,
    MalformedCalendarError,
    Person,
    ResponseStatus,
)


def clip(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def parse_calendar(text: str) -> icalendar.Calendar:
    if len(text) > MAX_ICAL_CHARS:
        raise MalformedCalendarError("calendar object too large")
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError...
        raise MalformedCalendarError(f"not iCalendar ({type(exc).__name__})") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise MalformedCalendarError("not a VCALENDAR")
    return calendar


@dataclass(frozen=True)
class ReadEvents:
    """The events of a calendar text, and the UIDs skipped because they were malformed."""

    events: list[CalendarEvent]
    skipped_uids: list[str]
    skipped_without_uid: int = 0


def read_events(text: str, *, default_tz: tzinfo = UTC) -> ReadEvents:
    """Every event of a calendar text, one per UID, overrides folded into their master; a
    malformed event is skipped, never the whole text."""
    calendar = parse_calendar(text)
    by_uid: dict[str, list[icalendar.cal.Component]] = {}
    without_uid = 0
    for component in calendar.walk("VEVENT"):
        uid = clip(component.get("UID"), MAX_SHORT_TEXT)
        if uid is None:
            without_uid += 1
        else:
            by_uid.setdefault(uid, []).append(component)
    timezones = calendar.walk("VTIMEZONE") if len(by_uid) > 1 else []
    events: list[CalendarEvent] = []
    skipped: list[str] = []
    for uid, components in by_uid.items():
        source = text if len(by_uid) == 1 else _calendar_text(timezones, components)
        try:
            events.append(_fold(uid, components, source, default_tz))
        except (MalformedCalendarError, ValueError, TypeError, AttributeError):
            skipped.append(uid)
    return ReadEvents(events, skipped, without_uid)


def events_from_ical(text: str, *, default_tz: tzinfo = UTC) -> list[CalendarEvent]:
    return read_events(text, default_tz=default_tz).events


def event_from_ical(text: str, *, default_tz: tzinfo = UTC) -> CalendarEvent | None:
    """The event of one calendar object resource (a CalDAV item), None when it has none."""
    found = read_events(text, default_tz=default_tz)
    if found.events:
        return found.events[0]
    if found.skipped_uids or found.skipped_without_uid:
        raise MalformedCalendarError("the calendar object's event is malformed")
    return None


def _calendar_text(
    timezones: list[icalendar.cal.Component], components: list[icalendar.cal.Component]
) -> str:
    """One UID's events as a calendar of their own, with the time zones they may use."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", "-//Muninn//Integrations//EN")
    calendar.add("VERSION", "2.0")
    for component in [*timezones, *components]:
        calendar.add_component(component)
    text: bytes = calendar.to_ical()
    return text.decode()


def _fold(
    uid: str, components: list[icalendar.cal.Component], ical: str | None, default_tz: tzinfo
) -> CalendarEvent:
    masters = [c for c in components if c.get("RECURRENCE-ID") is None]
    overrides = [c for c in components if c.get("RECURRENCE-ID") is not None]
    head = masters[0] if masters else overrides.pop(0)
    event = event_from_component(head, default_tz=default_tz)
    folded = [event_from_component(c, default_tz=default_tz) for c in overrides[:MAX_OVERRIDES]]
    return event.model_copy(update={"overrides": folded, "ical": ical})


def event_from_component(
    component: icalendar.cal.Component, *, default_tz: tzinfo = UTC
) -> CalendarEvent:
    uid = clip(component.get("UID"), MAX_SHORT_TEXT)
    start_prop = component.get("DTSTART")
    if uid is None or start_prop is None:
        raise MalformedCalendarError("VEVENT without UID or DTSTART")
    raw_start = start_prop.dt
    all_day = not isinstance(raw_start, datetime)
    start = _aware(raw_start, default_tz)
    end = _end(component, start, all_day, default_tz)
    rrule = component.get("RRULE")
    recurrence_id = component.get("RECURRENCE-ID")
    modified = component.get("LAST-MODIFIED") or component.get("DTSTAMP")
    return CalendarEvent(
        uid=uid,
        title=clip(component.get("SUMMARY"), MAX_TITLE) or "",
        description=clip(component.get("DESCRIPTION"), MAX_DESCRIPTION),
        location=clip(component.get("LOCATION"), MAX_SHORT_TEXT),
        start=start,
        end=end,
        all_day=all_day,
        time_zone=None if all_day else _zone_name(start_prop),
        status=_status(component.get("STATUS")),
        organizer=_person(component.get("ORGANIZER")),
        attendees=_attendees(component.get("ATTENDEE")),
        alarms=_alarms(component),
        recurrence_rule=rrule_text(rrule),
        excluded_dates=excluded_dates(component.get("EXDATE"), default_tz),
        recurrence_id=_aware(recurrence_id.dt, default_tz) if recurrence_id is not None else None,
        url=clip(component.get("URL"), MAX_SHORT_TEXT),
        last_modified=_aware(modified.dt, UTC) if modified is not None else None,
        sequence=_int(component.get("SEQUENCE")),
    )


def _aware(value: date | datetime, default_tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=default_tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    raise MalformedCalendarError("a date property holds no date")


def _end(
    component: icalendar.cal.Component, start: datetime, all_day: bool, default_tz: tzinfo
) -> datetime:
    end_prop = component.get("DTEND")
    if end_prop is not None:
        end = _aware(end_prop.dt, default_tz)
        return end if end >= start else start
    duration = component.get("DURATION")
    if duration is not None and isinstance(duration.dt, timedelta):
        return start + max(duration.dt, timedelta())
    return start + timedelta(days=1) if all_day else start


def _zone_name(prop: Any) -> str | None:
    zone = prop.dt.tzinfo
    key = getattr(zone, "key", None) or prop.params.get("TZID")
    if key is None and zone is not None and zone.utcoffset(prop.dt) == timedelta():
        return "UTC"
    return clip(key, 100)


def _status(value: Any) -> EventStatus:
    text = str(value or "").strip().lower()
    return EventStatus(text) if text in EventStatus._value2member_map_ else EventStatus.CONFIRMED


def _person(value: Any) -> Person | None:
    if value is None:
        return None
    address = str(value).strip()
    email = address[7:] if address.lower().startswith("mailto:") else None
    name = clip(getattr(value, "params", {}).get("CN"), MAX_SHORT_TEXT)
    return Person(email=clip(email, 320), name=name)


def _attendees(value: Any) -> list[Attendee]:
    values = value if isinstance(value, list) else [value] if value is not None else []
    attendees: list[Attendee] = []
    for item in values[:MAX_ATTENDEES]:
        person = _person(item)
        if person is None:
            continue
        params = getattr(item, "params", {})
        status = str(params.get("PARTSTAT", "")).lower()
        attendees.append(
            Attendee(
                email=person.email,
                name=person.name,
                response_status=ResponseStatus(status)
                if status in ResponseStatus._value2member_map_
                else ResponseStatus.NEEDS_ACTION,
                role=clip(params.get("ROLE"), 50),
            )
        )
    return attendees


def _alarms(component: icalendar.cal.Component) -> list[Alarm]:
    alarms: list[Alarm] = []
    for alarm in component.walk("VALARM")[:MAX_ALARMS]:
        trigger = alarm.get("TRIGGER")
        if trigger is None:
            continue
        action = (clip(alarm.get("ACTION"), 50) or "display").lower()
        if isinstance(trigger.dt, timedelta):
            if trigger.params.get("RELATED", "START").upper() != "START":
                continue  # relative to the end: rare, and the start is what reminders need
            alarms.append(
                Alarm(action=action, minutes_before=int(-trigger.dt.total_seconds() // 60))
            )
        elif isinstance(trigger.dt, datetime):
            alarms.append(Alarm(action=action, at=_aware(trigger.dt, UTC)))
    return alarms


def rrule_text(value: Any) -> str | None:
    """An iCalendar RRULE property as its text (``FREQ=WEEKLY;BYDAY=MO``), bounded."""
    if value is None:
        return None
    rule = value[0] if isinstance(value, list) and value else value
    try:
        return clip(rule.to_ical().decode(), MAX_SHORT_TEXT)
    except (AttributeError, ValueError):
        return None


def excluded_dates(value: Any, default_tz: tzinfo) -> list[datetime]:
    """The moments of EXDATE properties, aware (``default_tz`` for floating ones), bounded."""
    lists = value if isinstance(value, list) else [value] if value is not None else []
    found: list[datetime] = []
    for listing in lists:
        for item in getattr(listing, "dts", [])[:MAX_OVERRIDES]:
            found.append(_aware(item.dt, default_tz))
    return found[:MAX_OVERRIDES]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
