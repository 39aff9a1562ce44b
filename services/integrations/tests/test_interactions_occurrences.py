"""A recurring meeting's interactions: one per occurrence in the window and the horizon, per
attendee who is a contact, named by the occurrence so a re-sync changes nothing; an excluded
date or a cancelled occurrence gives none, a moved one its own time and attendees, and a rule
denser than the cap is expanded around now, never in full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from muninn_integrations.calendar.ical import event_from_ical
from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.interactions.occurrences import (
    SeriesPolicy,
    expand_series,
    occurrence_interactions,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # a Monday
KNOWN = {"ana@acme.example": "ana", "bo@acme.example": "bo"}


def policy(*, window_days: float = 180, horizon_days: float = 60, cap: int = 200) -> SeriesPolicy:
    return SeriesPolicy(
        window=timedelta(days=window_days),
        horizon=timedelta(days=horizon_days),
        max_occurrences=cap,
        roll_every=timedelta(days=1),
        roll_batch=10,
    )


def series(rule: str, *more: str, start: str = "20250106T090000Z") -> CalendarEvent:
    """A half-hour 1:1 with Ana and Bo, from ``start`` by ``rule``; ``more``: further
    components (overridden occurrences) or master lines."""
    master_lines = [line for line in more if not line.startswith("BEGIN:VEVENT")]
    overrides = [line for line in more if line.startswith("BEGIN:VEVENT")]
    master = (
        "BEGIN:VEVENT\r\nUID:one-on-one\r\nDTSTAMP:20250101T000000Z\r\n"
        f"DTSTART:{start}\r\nDTEND:{start[:-5]}3000Z\r\nRRULE:{rule}\r\nSUMMARY:1:1\r\n"
        "ORGANIZER:mailto:me@home.example\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@acme.example\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bo@acme.example\r\n"
        + "".join(f"{line}\r\n" for line in master_lines)
        + "END:VEVENT\r\n"
    )
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + master
        + "".join(overrides)
        + "END:VCALENDAR\r\n"
    )
    event = event_from_ical(text)
    assert event is not None
    return event


def override(original: str, start: str, *attendees: str, status: str = "CONFIRMED") -> str:
    people = "".join(f"ATTENDEE;PARTSTAT={a}\r\n" for a in attendees)
    return (
        "BEGIN:VEVENT\r\nUID:one-on-one\r\nDTSTAMP:20250101T000000Z\r\n"
        f"RECURRENCE-ID:{original}\r\nDTSTART:{start}\r\nDTEND:{start[:-5]}3000Z\r\n"
        f"SUMMARY:1:1 (moved)\r\nSTATUS:{status}\r\nORGANIZER:mailto:me@home.example\r\n"
        f"{people}END:VEVENT\r\n"
    )


def moments(event: CalendarEvent, settings: SeriesPolicy) -> list[datetime]:
    expansion = expand_series(event, NOW, settings)
    return [datetime.fromisoformat(o.data["start"]) for o in expansion.occurrences]


def test_a_weekly_series_gives_each_occurrence_from_the_window_to_the_horizon() -> None:
    weekly = series("FREQ=WEEKLY;BYDAY=MO")
    found = moments(weekly, policy(window_days=29, horizon_days=13))
    assert found == [
        datetime(2026, 5, 4, 9, tzinfo=UTC),
        datetime(2026, 5, 11, 9, tzinfo=UTC),
        datetime(2026, 5, 18, 9, tzinfo=UTC),
        datetime(2026, 5, 25, 9, tzinfo=UTC),
        datetime(2026, 6, 1, 9, tzinfo=UTC),
        datetime(2026, 6, 8, 9, tzinfo=UTC),
    ]  # not 6 January 2025 (before the window), nor 15 June (past the horizon)

    derived = occurrence_interactions(
        "rec", expand_series(weekly, NOW, policy(window_days=29, horizon_days=13)), KNOWN
    )
    assert len(derived) == 12  # six occurrences, Ana and Bo at each
    contact, external_id, fields = derived["rec@20260504T090000Z:ana"]
    assert (contact, external_id) == ("ana", "rec@20260504T090000Z")
    assert fields["occurred_at"] == datetime(2026, 5, 4, 9, tzinfo=UTC)
    assert fields["direction"] == "mutual"
    assert fields["kind"] == "meeting"
    assert fields["duration_minutes"] == 30
    assert "rec@20260608T090000Z:bo" in derived


def test_the_same_series_expanded_again_names_the_same_interactions() -> None:
    weekly = series("FREQ=WEEKLY;BYDAY=MO")
    first = occurrence_interactions("rec", expand_series(weekly, NOW, policy()), KNOWN)
    again = occurrence_interactions("rec", expand_series(weekly, NOW, policy()), KNOWN)
    assert first == again
    assert len(first) > 2


def test_an_excluded_date_and_a_cancelled_occurrence_give_no_interaction() -> None:
    weekly = series(
        "FREQ=WEEKLY;BYDAY=MO",
        "EXDATE:20260511T090000Z",
        override("20260518T090000Z", "20260518T090000Z", status="CANCELLED"),
    )
    expansion = expand_series(weekly, NOW, policy(window_days=29, horizon_days=13))
    derived = occurrence_interactions("rec", expansion, KNOWN)
    assert {key.split(":")[0] for key in derived} == {
        "rec@20260504T090000Z",
        "rec@20260525T090000Z",
        "rec@20260601T090000Z",
        "rec@20260608T090000Z",
    }


def test_a_moved_occurrence_has_its_own_time_and_who_did_not_decline() -> None:
    weekly = series(
        "FREQ=WEEKLY;BYDAY=MO",
        override(
            "20260525T090000Z",
            "20260526T150000Z",
            "ACCEPTED:mailto:ana@acme.example",
            "DECLINED:mailto:bo@acme.example",
        ),
    )
    expansion = expand_series(weekly, NOW, policy(window_days=29, horizon_days=13))
    derived = occurrence_interactions("rec", expansion, KNOWN)
    # Named by the occurrence it replaces, so moving it again updates the same interaction.
    _, _, fields = derived["rec@20260525T090000Z:ana"]
    assert fields["occurred_at"] == datetime(2026, 5, 26, 15, tzinfo=UTC)
    assert fields["subject"] == "1:1 (moved)"
    assert "rec@20260525T090000Z:bo" not in derived
    assert "rec@20260518T090000Z:bo" in derived  # an occurrence left as it was


def test_occurrences_are_capped_and_a_dense_rule_is_expanded_around_now() -> None:
    daily = series("FREQ=DAILY")
    found = moments(daily, policy(cap=50))
    assert len(found) == 50
    # The cap is spent around now (the latest past days and the next ones), not on the
    # window's first fifty days.
    assert found[0] > NOW - timedelta(days=30)
    assert any(moment < NOW for moment in found)
    assert any(moment > NOW for moment in found)

    hourly = series("FREQ=HOURLY", start="20260520T000000Z")
    expansion = expand_series(hourly, NOW, policy(cap=100))
    starts = [datetime.fromisoformat(o.data["start"]) for o in expansion.occurrences]
    assert len(starts) == 100
    assert NOW - timedelta(days=3) < starts[0] < NOW < starts[-1] < NOW + timedelta(days=3)
    # Too dense to expand in full: only what was derived stays, nothing is history.
    assert expansion.covered_from < NOW - timedelta(days=180)
    assert expansion.through == starts[-1]


def test_a_rule_too_dense_to_be_meetings_gives_none() -> None:
    # Expanding walks the rule from its first start: months of seconds are never walked.
    every_second = series("FREQ=SECONDLY", start="20260101T000000Z")
    expansion = expand_series(every_second, NOW, policy())
    assert expansion.occurrences == []
    assert expansion.covered_from < NOW - timedelta(days=180)  # what it gave before goes
    every_minute = series("FREQ=MINUTELY;INTERVAL=1", start="20260301T000000Z")
    assert expand_series(every_minute, NOW, policy()).occurrences == []
    # A short dense series is a few steps, and is expanded.
    brief = series("FREQ=MINUTELY;INTERVAL=15;COUNT=4", start="20260601T100000Z")
    assert len(expand_series(brief, NOW, policy()).occurrences) == 4


def test_a_series_that_ended_before_the_window_gives_nothing() -> None:
    ended = series("FREQ=WEEKLY;COUNT=10")  # from January 2025
    assert moments(ended, policy()) == []
