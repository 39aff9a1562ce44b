"""Google Calendar v3 events to the calendar record the CalDAV adapter produces."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from muninn_integrations.calendar.models import (
    CalendarEvent,
    EventStatus,
    MalformedCalendarError,
    ResponseStatus,
)
from muninn_integrations.calendar.recurrence import expand_event
from muninn_integrations.connectors.google.calendar_map import (
    event_from_google,
    event_to_google,
    series_event,
)

BERLIN = ZoneInfo("Europe/Berlin")

MEETING = {
    "kind": "calendar#event",
    "etag": '"3391"',
    "id": "m1",
    "status": "confirmed",
    "summary": "Quarterly review",
    "description": "Numbers",
    "location": "Café Tasca",
    "iCalUID": "m1@google.com",
    "updated": "2026-01-02T10:00:00.000Z",
    "sequence": 2,
    "hangoutLink": "https://meet.google.com/abc-defg-hij",
    "start": {"dateTime": "2026-01-05T10:00:00+01:00", "timeZone": "Europe/Berlin"},
    "end": {"dateTime": "2026-01-05T11:30:00+01:00", "timeZone": "Europe/Berlin"},
    "organizer": {"email": "ana@example.org", "displayName": "Ana Silva"},
    "attendees": [
        {"email": "bruno@example.org", "displayName": "Bruno", "responseStatus": "accepted"},
        {"email": "carla@example.org", "responseStatus": "declined", "optional": True},
        {"email": "dina@example.org", "responseStatus": "tentative"},
        {"email": "eva@example.org", "responseStatus": "needsAction"},
        {"email": "room@resource.example", "resource": True, "responseStatus": "accepted"},
    ],
    "reminders": {"useDefault": False, "overrides": [{"method": "popup", "minutes": 15}]},
}


def test_a_timed_event_keeps_its_zone_people_and_reminders() -> None:
    event = event_from_google(MEETING)
    assert event.uid == "m1@google.com"
    assert (event.title, event.description, event.location) == (
        "Quarterly review",
        "Numbers",
        "Café Tasca",
    )
    assert event.start == datetime(2026, 1, 5, 10, 0, tzinfo=BERLIN)
    assert event.start.tzinfo == BERLIN
    assert event.end == datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
    assert (event.time_zone, event.all_day, event.status) == (
        "Europe/Berlin",
        False,
        EventStatus.CONFIRMED,
    )
    assert event.organizer is not None
    assert event.organizer.email == "ana@example.org"
    assert [(a.email, a.response_status, a.role) for a in event.attendees] == [
        ("bruno@example.org", ResponseStatus.ACCEPTED, "REQ-PARTICIPANT"),
        ("carla@example.org", ResponseStatus.DECLINED, "OPT-PARTICIPANT"),
        ("dina@example.org", ResponseStatus.TENTATIVE, "REQ-PARTICIPANT"),
        ("eva@example.org", ResponseStatus.NEEDS_ACTION, "REQ-PARTICIPANT"),
        ("room@resource.example", ResponseStatus.ACCEPTED, "NON-PARTICIPANT"),
    ]
    assert [(a.action, a.minutes_before) for a in event.alarms] == [("display", 15)]
    assert event.url == "https://meet.google.com/abc-defg-hij"
    assert event.sequence == 2
    assert event.last_modified == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)


def test_an_all_day_event_spans_its_dates() -> None:
    event = event_from_google(
        {
            "id": "h",
            "summary": "Holiday",
            "start": {"date": "2026-04-03"},
            "end": {"date": "2026-04-05"},
        }
    )
    assert event.all_day is True
    assert event.start == datetime(2026, 4, 3, tzinfo=UTC)
    assert event.end == datetime(2026, 4, 5, tzinfo=UTC)
    assert event.uid == "h"  # no iCalUID: the id


def test_a_series_folds_its_changed_and_cancelled_occurrences() -> None:
    master = {
        "id": "standup",
        "iCalUID": "standup@google.com",
        "summary": "Standup",
        "start": {"dateTime": "2026-01-05T09:30:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-01-05T09:45:00+01:00", "timeZone": "Europe/Berlin"},
        "recurrence": [
            "RRULE:FREQ=WEEKLY;COUNT=6",
            "EXDATE;TZID=Europe/Berlin:20260112T093000",
        ],
    }
    moved = {
        "id": "standup_20260119T083000Z",
        "iCalUID": "standup@google.com",
        "recurringEventId": "standup",
        "originalStartTime": {"dateTime": "2026-01-19T09:30:00+01:00", "timeZone": "Europe/Berlin"},
        "summary": "Standup (afternoon)",
        "start": {"dateTime": "2026-01-19T14:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-01-19T14:15:00+01:00", "timeZone": "Europe/Berlin"},
    }
    cancelled = {
        "id": "standup_20260126T083000Z",
        "status": "cancelled",
        "recurringEventId": "standup",
        "originalStartTime": {"dateTime": "2026-01-26T09:30:00+01:00", "timeZone": "Europe/Berlin"},
    }
    event = series_event(master, [moved, cancelled])
    assert event.recurrence_rule == "FREQ=WEEKLY;COUNT=6"
    assert event.excluded_dates == [
        datetime(2026, 1, 12, 9, 30, tzinfo=BERLIN),
        datetime(2026, 1, 26, 9, 30, tzinfo=BERLIN),
    ]
    assert [(o.title, o.recurrence_id) for o in event.overrides] == [
        ("Standup (afternoon)", datetime(2026, 1, 19, 9, 30, tzinfo=BERLIN))
    ]
    occurrences = expand_event(
        event, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert [(o.start.astimezone(BERLIN).strftime("%m-%d %H:%M"), o.title) for o in occurrences] == [
        ("01-05 09:30", "Standup"),
        ("01-19 14:00", "Standup (afternoon)"),
        ("02-02 09:30", "Standup"),
        ("02-09 09:30", "Standup"),
    ]


def test_unreadable_times_are_refused() -> None:
    with pytest.raises(MalformedCalendarError):
        event_from_google({"id": "x", "start": {"dateTime": "yesterday"}, "end": {}})
    with pytest.raises(MalformedCalendarError):
        event_from_google({"id": "x"})


def test_write_back_sends_the_modelled_fields_in_the_event_zone() -> None:
    event = CalendarEvent(
        uid="u",
        title="Lunch",
        location=None,
        start=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        end=datetime(2026, 3, 1, 13, 0, tzinfo=UTC),
        time_zone="Europe/Lisbon",
        attendees=[{"email": "bruno@example.org", "name": "Bruno"}],
    )
    body = event_to_google(event)
    assert body["summary"] == "Lunch"
    assert body["location"] is None  # a PATCH with null clears it at Google
    assert body["start"] == {"dateTime": "2026-03-01T12:00:00+00:00", "timeZone": "Europe/Lisbon"}
    assert body["attendees"] == [
        {"email": "bruno@example.org", "displayName": "Bruno", "responseStatus": "needsAction"}
    ]
    day = event.model_copy(update={"all_day": True, "end": datetime(2026, 3, 2, tzinfo=UTC)})
    assert event_to_google(day)["end"] == {"date": "2026-03-02"}
