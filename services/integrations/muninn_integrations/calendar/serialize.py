"""A ``CalendarEvent`` written back as iCalendar text (CalDAV write-back).

The text is built from the model's fields, the series master first and its overrides after.
When the event was read from a source (``ical`` set), the master's properties the model does
not carry (categories, X- properties, attachments...) are kept as they were.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from muninn_integrations.calendar.ical import parse_calendar
from muninn_integrations.calendar.models import CalendarEvent, MalformedCalendarError, Person

PRODID = "-//Muninn//Integrations//EN"
# What the model says; everything else on a source's master is kept on write-back.
_MODELLED = frozenset(
    {
        "UID", "DTSTAMP", "SUMMARY", "DTSTART", "DTEND", "DURATION", "DESCRIPTION", "LOCATION",
        "URL", "STATUS", "SEQUENCE", "RRULE", "EXDATE", "RECURRENCE-ID", "ORGANIZER",
        "ATTENDEE", "LAST-MODIFIED",
    }
)  # fmt: skip


def event_to_ical(event: CalendarEvent) -> str:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    master = _component(event)
    for name, value in _unmodelled_properties(event):
        master[name] = value
    calendar.add_component(master)
    for override in event.overrides:
        calendar.add_component(_component(override.model_copy(update={"uid": event.uid})))
    if not event.all_day:
        calendar.add_missing_timezones()
    text: bytes = calendar.to_ical()
    return text.decode()


def _unmodelled_properties(event: CalendarEvent) -> list[tuple[str, Any]]:
    if not event.ical:
        return []
    try:
        source = parse_calendar(event.ical)
    except MalformedCalendarError:
        return []
    for component in source.walk("VEVENT"):
        if str(component.get("UID")) == event.uid and component.get("RECURRENCE-ID") is None:
            return [(name, value) for name, value in component.items() if name not in _MODELLED]
    return []


def _component(event: CalendarEvent) -> icalendar.Event:
    component = icalendar.Event()
    component.add("UID", event.uid)
    component.add("DTSTAMP", datetime.now(UTC))
    component.add("SUMMARY", event.title)
    if event.all_day:
        component.add("DTSTART", event.start.date())
        component.add("DTEND", event.end.date())
    else:
        component.add("DTSTART", _local(event.start, event.time_zone))
        component.add("DTEND", _local(event.end, event.time_zone))
    for name, value in (("DESCRIPTION", event.description), ("LOCATION", event.location)):
        if value:
            component.add(name, value)
    if event.url:
        component.add("URL", event.url)
    component.add("STATUS", event.status.value.upper())
    if event.sequence:
        component.add("SEQUENCE", event.sequence)
    if event.recurrence_rule:
        component.add("RRULE", icalendar.vRecur.from_ical(event.recurrence_rule))
    if event.excluded_dates:
        component.add(
            "EXDATE",
            [_local(moment, event.time_zone) for moment in event.excluded_dates]
            if not event.all_day
            else [moment.date() for moment in event.excluded_dates],
        )
    if event.recurrence_id is not None:
        component.add("RECURRENCE-ID", _local(event.recurrence_id, event.time_zone))
    if event.organizer is not None and event.organizer.email:
        component.add("ORGANIZER", _address(event.organizer))
    for attendee in event.attendees:
        if attendee.email:
            address = _address(attendee)
            address.params["PARTSTAT"] = attendee.response_status.value.upper()
            if attendee.role:
                address.params["ROLE"] = attendee.role
            component.add("ATTENDEE", address)
    for alarm in event.alarms:
        valarm = icalendar.Alarm()
        valarm.add("ACTION", alarm.action.upper())
        valarm.add("DESCRIPTION", event.title or "Reminder")
        if alarm.minutes_before is not None:
            valarm.add("TRIGGER", -timedelta(minutes=alarm.minutes_before))
        elif alarm.at is not None:
            valarm.add("TRIGGER", alarm.at.astimezone(UTC))
        component.add_component(valarm)
    return component


def _local(moment: datetime, zone_name: str | None) -> datetime:
    if zone_name and zone_name != "UTC":
        try:
            return moment.astimezone(ZoneInfo(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment.astimezone(UTC)


def _address(person: Person) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    return address
