"""iCalendar VEVENTs normalized into CalendarEvent, expanded for a time range, written back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from muninn_integrations.calendar.ical import event_from_ical, events_from_ical, read_events
from muninn_integrations.calendar.models import (
    MAX_TITLE,
    CalendarEvent,
    EventStatus,
    MalformedCalendarError,
    ResponseStatus,
)
from muninn_integrations.calendar.recurrence import (
    RuleTooDenseError,
    expand,
    expand_event,
    expand_ical,
    rule_steps,
)
from muninn_integrations.calendar.serialize import event_to_ical


def calendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}END:VCALENDAR\r\n"


MEETING = """UID:meeting-1
DTSTAMP:20260101T000000Z
LAST-MODIFIED:20260102T080000Z
DTSTART;TZID=America/New_York:20260310T090000
DTEND;TZID=America/New_York:20260310T100000
SUMMARY:Quarterly review
DESCRIPTION:Numbers\\, plans
LOCATION:Room 4
STATUS:TENTATIVE
URL:https://example.com/meet
SEQUENCE:3
ORGANIZER;CN=Ana Silva:mailto:ana@example.com
ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:bo@example.com
ATTENDEE;PARTSTAT=DECLINED:mailto:cy@example.com
ATTENDEE;PARTSTAT=TENTATIVE:mailto:di@example.com
ATTENDEE;PARTSTAT=DELEGATED:mailto:ed@example.com
ATTENDEE:mailto:fa@example.com
BEGIN:VALARM
ACTION:DISPLAY
TRIGGER:-PT30M
END:VALARM
BEGIN:VALARM
ACTION:EMAIL
TRIGGER;VALUE=DATE-TIME:20260309T120000Z
END:VALARM"""

SERIES = [
    """UID:standup
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20260323T093000
DTEND;TZID=Europe/Berlin:20260323T094500
RRULE:FREQ=DAILY;COUNT=10
EXDATE;TZID=Europe/Berlin:20260325T093000,20260326T093000
SUMMARY:Standup""",
    """UID:standup
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260327T093000
DTSTART;TZID=Europe/Berlin:20260327T110000
DTEND;TZID=Europe/Berlin:20260327T111500
SUMMARY:Standup late""",
]


def test_a_meeting_is_normalized_with_attendees_alarms_and_zone() -> None:
    event = event_from_ical(calendar(MEETING))

    assert event is not None
    assert event.uid == "meeting-1"
    assert event.title == "Quarterly review"
    assert event.description == "Numbers, plans"
    assert event.location == "Room 4"
    assert event.start == datetime(2026, 3, 10, 13, tzinfo=UTC)
    assert event.end - event.start == timedelta(hours=1)
    assert event.time_zone == "America/New_York"
    assert not event.all_day
    assert event.status is EventStatus.TENTATIVE
    assert event.url == "https://example.com/meet"
    assert event.sequence == 3
    assert event.last_modified == datetime(2026, 1, 2, 8, tzinfo=UTC)
    assert event.organizer is not None
    assert (event.organizer.email, event.organizer.name) == ("ana@example.com", "Ana Silva")
    assert [(a.email, a.response_status) for a in event.attendees] == [
        ("bo@example.com", ResponseStatus.ACCEPTED),
        ("cy@example.com", ResponseStatus.DECLINED),
        ("di@example.com", ResponseStatus.TENTATIVE),
        ("ed@example.com", ResponseStatus.NEEDS_ACTION),
        ("fa@example.com", ResponseStatus.NEEDS_ACTION),
    ]
    assert event.attendees[0].name == "Bo"
    assert [(a.action, a.minutes_before, a.at) for a in event.alarms] == [
        ("display", 30, None),
        ("email", None, datetime(2026, 3, 9, 12, tzinfo=UTC)),
    ]


def test_all_day_duration_and_floating_times() -> None:
    all_day, timed, floating = events_from_ical(
        calendar(
            "UID:a\nDTSTART;VALUE=DATE:20261225\nSUMMARY:Christmas",
            "UID:b\nDTSTART:20260401T100000Z\nDURATION:PT45M\nSTATUS:CANCELLED",
            "UID:c\nDTSTART:20260401T100000",
        ),
        default_tz=ZoneInfo("Europe/Lisbon"),
    )

    assert all_day.all_day
    assert all_day.start == datetime(2026, 12, 25, tzinfo=UTC)
    assert all_day.end == datetime(2026, 12, 26, tzinfo=UTC)
    assert all_day.time_zone is None
    assert timed.end - timed.start == timedelta(minutes=45)
    assert timed.status is EventStatus.CANCELLED
    assert timed.title == ""
    assert floating.start == datetime(2026, 4, 1, 10, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert floating.end == floating.start


def test_a_malformed_event_is_skipped_not_the_calendar() -> None:
    found = read_events(
        calendar(
            "UID:good\nDTSTART:20260401T100000Z",
            "UID:no-start\nSUMMARY:broken",
            "DTSTART:20260401T100000Z\nSUMMARY:no uid",
        )
    )

    assert [event.uid for event in found.events] == ["good"]
    assert found.skipped_uids == ["no-start"]
    assert found.skipped_without_uid == 1
    with pytest.raises(MalformedCalendarError):
        event_from_ical(calendar("UID:no-start\nSUMMARY:broken"))
    with pytest.raises(MalformedCalendarError):
        events_from_ical("this is not a calendar")


def test_texts_are_clipped() -> None:
    event = event_from_ical(calendar(f"UID:x\nDTSTART:20260401T100000Z\nSUMMARY:{'a' * 5000}"))

    assert event is not None
    assert len(event.title) == MAX_TITLE


def test_a_series_folds_its_override_and_expands_with_exdates_and_zone() -> None:
    series = event_from_ical(calendar(*SERIES))
    assert series is not None
    assert series.recurrence_rule == "FREQ=DAILY;COUNT=10"
    assert [o.recurrence_id for o in series.overrides] == [
        datetime(2026, 3, 27, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    ]
    assert len(series.excluded_dates) == 2

    # Berlin moves to summer time on March 29: 09:30 local is 08:30 UTC, then 07:30 UTC.
    window = datetime(2026, 3, 24, tzinfo=UTC)
    occurrences = expand_event(series, window, window + timedelta(days=7))

    assert [o.start.astimezone(UTC).strftime("%d %H:%M") for o in occurrences] == [
        "24 08:30",
        "27 10:00",
        "28 08:30",
        "29 07:30",
        "30 07:30",
    ]
    assert occurrences[1].title == "Standup late"
    assert all(o.recurrence_id is not None for o in occurrences)


def test_expansion_is_bounded_and_sorted_across_events() -> None:
    dense = event_from_ical(
        calendar("UID:dense\nDTSTART:20260101T000000Z\nRRULE:FREQ=SECONDLY\nSUMMARY:tick")
    )
    single = event_from_ical(calendar("UID:once\nDTSTART:20260101T000000Z\nSUMMARY:once"))
    outside = event_from_ical(calendar("UID:later\nDTSTART:20270101T000000Z\nSUMMARY:later"))
    assert dense is not None
    assert single is not None
    assert outside is not None

    start = datetime(2026, 1, 1, tzinfo=UTC)
    occurrences = expand([single, outside, dense], start, start + timedelta(days=365), limit=50)

    assert len(occurrences) == 50
    assert [o.start for o in occurrences] == sorted(o.start for o in occurrences)
    assert "later" not in {o.uid for o in occurrences}


def test_a_dense_rule_that_began_long_before_the_range_is_refused_not_walked() -> None:
    # Walking a month of seconds to reach the range would hold a worker thread for ~10 s.
    dense = event_from_ical(
        calendar("UID:dense\nDTSTART:20260101T000000Z\nRRULE:FREQ=SECONDLY\nSUMMARY:tick")
    )
    assert dense is not None
    later = datetime(2026, 2, 1, tzinfo=UTC)
    with pytest.raises(RuleTooDenseError):
        expand_event(dense, later, later + timedelta(days=1), limit=10)
    # A second, denser RRULE behind a harmless first one is refused as well.
    hidden = calendar(
        "UID:two\nDTSTART:20250101T000000Z\nRRULE:FREQ=WEEKLY\nRRULE:FREQ=MINUTELY\nSUMMARY:x"
    )
    with pytest.raises(RuleTooDenseError):
        expand_ical(hidden, later, later + timedelta(days=7), uid="two")
    # A weekly meeting of ten years, or an hourly one of a year, is walked as before.
    weekly = calendar("UID:w\nDTSTART:20160104T090000Z\nRRULE:FREQ=WEEKLY\nSUMMARY:w")
    assert len(expand_ical(weekly, later, later + timedelta(days=14), uid="w")) == 2
    assert rule_steps("FREQ=HOURLY", later - timedelta(days=365), later) == 8760
    assert rule_steps("FREQ=MINUTELY;BYSECOND=0,30", later - timedelta(days=1), later) == 2880
    assert rule_steps("FREQ=SECONDLY;COUNT=5", later - timedelta(days=30), later) == 5


def test_write_back_text_reads_back_the_same_event() -> None:
    series = event_from_ical(calendar(MEETING.replace("SEQUENCE:3", "RRULE:FREQ=WEEKLY"), *SERIES))
    assert series is not None
    written = event_to_ical(series.model_copy(update={"ical": None}))
    again = event_from_ical(written)

    assert again is not None
    fields = {"overrides", "ical", "last_modified", "sequence", "alarms"}
    assert again.model_dump(exclude=fields) == series.model_dump(exclude=fields)
    assert [a.minutes_before for a in again.alarms] == [30, None]


def test_a_new_event_is_written_in_its_zone() -> None:
    start = datetime(2026, 5, 1, 13, tzinfo=ZoneInfo("Europe/Lisbon"))
    lunch = CalendarEvent(
        uid="lunch",
        title="Lunch",
        start=start,
        end=start + timedelta(hours=1),
        time_zone="Europe/Lisbon",
    )

    text = event_to_ical(lunch)

    assert "DTSTART;TZID=Europe/Lisbon:20260501T130000" in text
    assert "BEGIN:VTIMEZONE" in text


def test_write_back_keeps_what_the_model_does_not_say() -> None:
    source = calendar(
        "UID:kept\nDTSTART:20260401T100000Z\nSUMMARY:Old title\nCATEGORIES:work,travel\n"
        "X-CUSTOM-FLAG:yes\nPRIORITY:1"
    )
    event = event_from_ical(source)
    assert event is not None

    text = event_to_ical(event.model_copy(update={"title": "New title"}))

    assert "SUMMARY:New title" in text
    assert "Old title" not in text
    assert "CATEGORIES:work,travel" in text
    assert "X-CUSTOM-FLAG:yes" in text
    assert "PRIORITY:1" in text
