"""Calendar events without servers: the event data consumers read, the indexed summary,
digests, write validation and how a source's refusals become problems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from muninn_integrations.calendar.models import (
    Attendee,
    CalendarEvent,
    EventCreate,
    Person,
    ResponseStatus,
)
from muninn_integrations.calendar.service import normalized_times, source_problem
from muninn_integrations.calendar.sink import MAX_EVENT_ATTENDEES, event_data
from muninn_integrations.calendar.store import digest_of, summary_of
from muninn_integrations.connectors.port import (
    CredentialsRejectedError,
    SourceRejectedError,
    SourceUnavailableError,
)
from muninn_shared.problems import ProblemError
from pydantic import ValidationError

START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def event(**fields: object) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": "e1",
        "title": "Lunch",
        "start": START,
        "end": START + timedelta(hours=1),
    }
    values.update(fields)
    return CalendarEvent.model_validate(values)


def test_event_data_carries_what_consumers_read_and_is_bounded() -> None:
    attendees = [
        Attendee(email=f"p{n}@example.org", name=f"P{n}", response_status=ResponseStatus.ACCEPTED)
        for n in range(300)
    ]
    data = event_data(
        event(
            location="Tasca",
            attendees=attendees,
            organizer=Person(email="ana@example.org", name="Ana"),
            url="https://meet.example.org/x",
        ),
        "/ana/work/",
    )
    assert data["title"] == "Lunch"
    assert data["start"] == "2026-01-05T09:00:00+00:00"
    assert data["end"] == "2026-01-05T10:00:00+00:00"
    assert data["attendees"][0] == {"name": "P0", "email": "p0@example.org", "status": "accepted"}
    assert len(data["attendees"]) == MAX_EVENT_ATTENDEES
    assert data["organizer"] == {"name": "Ana", "email": "ana@example.org"}
    assert data["calendar"] == "/ana/work/"
    assert data["recurring"] is False
    assert set(data) == {
        "title", "start", "end", "all_day", "location", "description", "attendees",
        "organizer", "url", "status", "recurring", "calendar",
    }  # fmt: skip


def test_summary_spans_overrides_and_bounds_a_series_by_until_only() -> None:
    moved = event(
        start=START - timedelta(days=2),
        end=START - timedelta(days=2, hours=-1),
        recurrence_id=START + timedelta(days=7),
    )
    single = summary_of(event(overrides=[moved]))
    assert single["starts_at"] == START - timedelta(days=2)
    assert single["ends_at"] == START + timedelta(hours=1)
    assert single["recurring"] is False
    assert summary_of(event(recurrence_rule="FREQ=WEEKLY"))["ends_at"] is None
    assert summary_of(event(recurrence_rule="FREQ=WEEKLY;COUNT=3"))["ends_at"] is None
    until = summary_of(event(recurrence_rule="FREQ=DAILY;UNTIL=20260110T090000Z"))
    assert until["ends_at"] == datetime(2026, 1, 11, 10, tzinfo=UTC)
    assert summary_of(event(recurrence_rule="FREQ=DAILY;UNTIL=garbage"))["ends_at"] is None


def test_digest_ignores_line_endings_and_sees_content() -> None:
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    assert digest_of(event(ical=text)) == digest_of(event(ical=text.replace("\r\n", "\n")))
    assert digest_of(event(ical=text)) != digest_of(event(ical=text, title="Dinner"))


def test_writes_need_aware_ordered_times() -> None:
    body = {
        "connection_id": "c1",
        "calendar": "/ana/work/",
        "title": "Lunch",
        "start": "2026-03-06T13:00:00Z",
        "end": "2026-03-06T14:00:00Z",
    }
    assert EventCreate.model_validate(body).start == datetime(2026, 3, 6, 13, tzinfo=UTC)
    with pytest.raises(ValidationError):
        EventCreate.model_validate({**body, "start": "2026-03-06T13:00:00"})
    with pytest.raises(ValidationError):
        EventCreate.model_validate({**body, "attendees": [{"email": "a@b.c\nX:y"}]})
    with pytest.raises(ProblemError) as refused:
        normalized_times(event(end=START))
    assert refused.value.status == 422
    with pytest.raises(ProblemError):
        normalized_times(event(end=START + timedelta(days=400)))
    all_day = normalized_times(event(all_day=True, end=START))
    assert all_day.end == START + timedelta(days=1)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (SourceRejectedError("The item changed at the server since it was read."), 409,
         "changed-at-source"),
        (SourceRejectedError("This calendar is read-only."), 409, "read-only-calendar"),
        (SourceRejectedError("No such calendar for this account."), 422, "unknown-calendar"),
        (SourceRejectedError("No such event in this account's calendars."), 409,
         "changed-at-source"),
        (SourceRejectedError("The server refused the request (HTTP 400)."), 422, "source-refused"),
        (CredentialsRejectedError("refused"), 422, "credentials-rejected"),
        (SourceUnavailableError("down", retry_after=7), 502, "source-unavailable"),
    ],
)  # fmt: skip
def test_source_refusals_become_problems(
    error: SourceRejectedError, status: int, code: str
) -> None:
    problem = source_problem(error)
    assert (problem.status, problem.code) == (status, code)
    if status == 502:
        assert problem.headers["Retry-After"] == "7"
