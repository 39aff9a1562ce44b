"""Google Calendar v3 events to ``CalendarEvent`` (the record the CalDAV adapter produces),
and back for write-back.

Google lists a recurring series as its master (``recurrence`` holds RRULE/EXDATE lines) plus
one item per changed or cancelled occurrence (``recurringEventId``, ``originalStartTime``);
``series_event`` folds those into the master as the iCalendar reader folds RECURRENCE-ID
components: a cancelled occurrence becomes an excluded date, a changed one an override.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from muninn_integrations.calendar.ical import clip, excluded_dates, rrule_text
from muninn_integrations.calendar.models import (
    MAX_ALARMS,
    MAX_ATTENDEES,
    MAX_DESCRIPTION,
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

_RESPONSES = {
    "needsAction": ResponseStatus.NEEDS_ACTION,
    "accepted": ResponseStatus.ACCEPTED,
    "declined": ResponseStatus.DECLINED,
    "tentative": ResponseStatus.TENTATIVE,
}
_RESPONSES_BACK = {status: name for name, status in _RESPONSES.items()}
_MAX_RECURRENCE_LINES = 50


def zone(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_time(value: Any) -> tuple[datetime, bool, str | None]:
    """A Google ``EventDateTime``: (the moment, whether it is a whole day, its zone name)."""
    if not isinstance(value, dict):
        raise MalformedCalendarError("event time missing")
    if value.get("date"):
        try:
            day = date.fromisoformat(str(value["date"]))
        except ValueError:
            raise MalformedCalendarError("event date unreadable") from None
        return datetime.combine(day, time(), tzinfo=UTC), True, None
    try:
        moment = datetime.fromisoformat(str(value.get("dateTime", "")))
    except ValueError:
        raise MalformedCalendarError("event time unreadable") from None
    named = zone(value.get("timeZone"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=named or UTC)
    elif named is not None:
        moment = moment.astimezone(named)
    if named is not None:
        return moment, False, named.key
    return moment, False, "UTC" if moment.utcoffset() == timedelta() else None


def _stamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _person(value: Any) -> Person | None:
    if not isinstance(value, dict):
        return None
    email = clip(value.get("email"), 320)
    name = clip(value.get("displayName"), MAX_SHORT_TEXT)
    return Person(email=email, name=name) if email or name else None


def _attendees(values: Any) -> list[Attendee]:
    attendees: list[Attendee] = []
    for item in (values if isinstance(values, list) else [])[:MAX_ATTENDEES]:
        person = _person(item)
        if person is None:
            continue
        if item.get("resource"):
            role = "NON-PARTICIPANT"
        elif item.get("optional"):
            role = "OPT-PARTICIPANT"
        else:
            role = "REQ-PARTICIPANT"
        attendees.append(
            Attendee(
                email=person.email,
                name=person.name,
                response_status=_RESPONSES.get(
                    str(item.get("responseStatus")), ResponseStatus.NEEDS_ACTION
                ),
                role=role,
            )
        )
    return attendees


def _alarms(reminders: Any) -> list[Alarm]:
    """The event's own reminders (a calendar's defaults are not the event's)."""
    if not isinstance(reminders, dict):
        return []
    alarms: list[Alarm] = []
    for item in (reminders.get("overrides") or [])[:MAX_ALARMS]:
        if isinstance(item, dict) and isinstance(item.get("minutes"), int):
            action = "email" if item.get("method") == "email" else "display"
            alarms.append(Alarm(action=action, minutes_before=item["minutes"]))
    return alarms


def _recurrence(lines: Any, start: datetime) -> tuple[str | None, list[datetime]]:
    """RRULE and EXDATE from Google's ``recurrence`` lines (RFC 5545 property lines)."""
    if not isinstance(lines, list) or not lines:
        return None, []
    wanted = [
        str(line).strip()
        for line in lines[:_MAX_RECURRENCE_LINES]
        if str(line).upper().startswith(("RRULE", "EXDATE"))
    ]
    text = "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in wanted) + "END:VEVENT\r\n"
    try:
        component = icalendar.Event.from_ical(text)
    except Exception:  # icalendar raises ValueError, KeyError, IndexError...
        raise MalformedCalendarError("recurrence unreadable") from None
    return rrule_text(component.get("RRULE")), excluded_dates(
        component.get("EXDATE"), start.tzinfo or UTC
    )


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def event_from_google(item: dict[str, Any]) -> CalendarEvent:
    """One Google event (a single event, a series master or one changed occurrence)."""
    start, all_day, zone_name = parse_time(item.get("start"))
    end = parse_time(item.get("end"))[0] if item.get("end") else start
    if end < start:
        end = start
    if all_day and end == start:
        end = start + timedelta(days=1)
    rule, excluded = _recurrence(item.get("recurrence"), start)
    original = item.get("originalStartTime")
    recurrence_id = parse_time(original)[0] if original else None
    status = str(item.get("status", "confirmed"))
    uid = clip(item.get("iCalUID"), MAX_SHORT_TEXT) or clip(item.get("id"), MAX_SHORT_TEXT)
    if uid is None:
        raise MalformedCalendarError("event without id")
    return CalendarEvent(
        uid=uid,
        title=clip(item.get("summary"), MAX_TITLE) or "",
        description=clip(item.get("description"), MAX_DESCRIPTION),
        location=clip(item.get("location"), MAX_SHORT_TEXT),
        start=start,
        end=end,
        all_day=all_day,
        time_zone=zone_name,
        status=EventStatus(status)
        if status in EventStatus._value2member_map_
        else EventStatus.CONFIRMED,
        organizer=_person(item.get("organizer")),
        attendees=_attendees(item.get("attendees")),
        alarms=_alarms(item.get("reminders")),
        recurrence_rule=rule,
        excluded_dates=excluded,
        recurrence_id=recurrence_id,
        url=clip(item.get("hangoutLink"), MAX_SHORT_TEXT),
        last_modified=_stamp(item.get("updated")),
        sequence=_int(item.get("sequence")),
    )


def series_event(master: dict[str, Any], exceptions: Iterable[dict[str, Any]]) -> CalendarEvent:
    """A series master with its changed occurrences as overrides and its cancelled ones as
    excluded dates."""
    event = event_from_google(master)
    excluded = list(event.excluded_dates)
    overrides: list[CalendarEvent] = []
    for item in exceptions:
        original = item.get("originalStartTime")
        if not original:
            continue
        if item.get("status") == "cancelled":
            excluded.append(parse_time(original)[0])
            continue
        try:
            overrides.append(event_from_google(item).model_copy(update={"uid": event.uid}))
        except MalformedCalendarError:
            continue
    overrides.sort(key=lambda o: o.recurrence_id or o.start)
    return event.model_copy(
        update={
            "excluded_dates": sorted(set(excluded))[:MAX_OVERRIDES],
            "overrides": overrides[:MAX_OVERRIDES],
        }
    )


def _time_to_google(moment: datetime, all_day: bool, zone_name: str | None) -> dict[str, str]:
    if all_day:
        return {"date": moment.date().isoformat()}
    named = zone(zone_name) or ZoneInfo("UTC")
    return {"dateTime": moment.astimezone(named).isoformat(), "timeZone": named.key}


def event_to_google(event: CalendarEvent) -> dict[str, Any]:
    """The fields Muninn writes (title, times, place, text, people); whatever else the event
    has at Google (conferencing, reminders, recurrence, colours) is left as it is: updates
    are sent as a PATCH."""
    body: dict[str, Any] = {
        "summary": event.title,
        "description": event.description,
        "location": event.location,
        "start": _time_to_google(event.start, event.all_day, event.time_zone),
        "end": _time_to_google(event.end, event.all_day, event.time_zone),
        "attendees": [
            {
                "email": attendee.email,
                **({"displayName": attendee.name} if attendee.name else {}),
                "responseStatus": _RESPONSES_BACK[attendee.response_status],
                **({"optional": True} if attendee.role == "OPT-PARTICIPANT" else {}),
            }
            for attendee in event.attendees
            if attendee.email
        ],
    }
    if event.status is EventStatus.TENTATIVE:
        body["status"] = "tentative"
    return body
