from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from muninn_scheduler.reminders.recurrence import (
    RecurrenceError,
    next_occurrence,
    parse_rule,
    upcoming,
)

LISBON = ZoneInfo("Europe/Lisbon")
NEW_YORK = ZoneInfo("America/New_York")


def test_weekly_rule_keeps_local_wall_clock_across_dst() -> None:
    # Europe/Lisbon leaves summer time on 2026-10-25: 09:00 local is 08:00Z before, 09:00Z after.
    start = datetime(2026, 10, 13, 9, 0)  # a Tuesday
    after = datetime(2026, 10, 13, 7, 0, tzinfo=UTC)
    occurrences = upcoming("FREQ=WEEKLY;BYDAY=TU", start, LISBON, after, 3)
    assert [o.astimezone(LISBON).hour for o in occurrences] == [9, 9, 9]
    assert [o.hour for o in occurrences] == [8, 8, 9], "UTC hour moves so the local hour does not"


def test_every_other_tuesday() -> None:
    start = datetime(2026, 3, 3, 18, 30)  # a Tuesday
    after = datetime(2026, 3, 1, tzinfo=UTC)
    dates = [
        o.astimezone(NEW_YORK).date().isoformat()
        for o in upcoming("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", start, NEW_YORK, after, 3)
    ]
    assert dates == ["2026-03-03", "2026-03-17", "2026-03-31"]
    # US DST begins 2026-03-08: 18:30 local stays 18:30 local.
    assert {
        o.astimezone(NEW_YORK).strftime("%H:%M")
        for o in upcoming("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", start, NEW_YORK, after, 3)
    } == {"18:30"}


def test_time_skipped_by_dst_moves_forward_not_back() -> None:
    start = datetime(
        2026, 3, 7, 2, 30
    )  # daily at 02:30; 2026-03-08 02:30 does not exist in New York
    after = datetime(2026, 3, 8, 0, 0, tzinfo=UTC)
    nxt = next_occurrence("FREQ=DAILY", start, NEW_YORK, after)
    assert nxt is not None
    local = nxt.astimezone(NEW_YORK)
    assert local.date().isoformat() == "2026-03-08"
    assert local.hour == 3


def test_next_occurrence_is_strictly_after() -> None:
    start = datetime(2026, 1, 1, 9, 0)
    first = next_occurrence("FREQ=DAILY", start, LISBON, datetime(2026, 1, 1, 8, 0, tzinfo=UTC))
    assert first == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    second = next_occurrence("FREQ=DAILY", start, LISBON, first)  # type: ignore[arg-type]
    assert second == first + timedelta(days=1)  # type: ignore[operator]


def test_finite_rule_ends() -> None:
    start = datetime(2026, 1, 1, 9, 0)
    assert (
        next_occurrence(
            "FREQ=DAILY;COUNT=2", start, LISBON, datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
        )
        is None
    )


@pytest.mark.parametrize(
    "rule", ["", "FREQ=SOMETIMES", "DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "BYDAY=XX"]
)
def test_bad_rules_are_rejected(rule: str) -> None:
    with pytest.raises(RecurrenceError):
        parse_rule(rule, datetime(2026, 1, 1, 9, 0))


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",
        "FREQ=MINUTELY",
        "FREQ=MINUTELY;INTERVAL=14",
        "FREQ=HOURLY;BYMINUTE=0,10,20,30,40,50",
        "FREQ=DAILY;BYHOUR=9;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,0",
    ],
)
def test_a_rule_denser_than_every_fifteen_minutes_is_refused(rule: str) -> None:
    with pytest.raises(RecurrenceError, match="15 minutes"):
        parse_rule(rule, datetime(2026, 1, 1, 9, 0))


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY;INTERVAL=15",
        "FREQ=MINUTELY;INTERVAL=30;BYHOUR=9,10,11",  # BYHOUR limits a minutely rule
        "FREQ=HOURLY;BYMINUTE=0,30",
        "FREQ=DAILY;BYHOUR=8,12,18",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    ],
)
def test_reminders_every_quarter_hour_or_less_often_are_accepted(rule: str) -> None:
    assert parse_rule(rule, datetime(2026, 1, 1, 9, 0)) is not None


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=WEEKLY;UNTIL=20251231T000000",
    ],
)
def test_a_rule_that_never_occurs_is_refused_not_stored(rule: str) -> None:
    # dateutil would walk it to the year 9999 each time its next occurrence is asked for.
    with pytest.raises(RecurrenceError, match="no occurrence"):
        parse_rule(rule, datetime(2026, 1, 1, 9, 0))


def test_a_leap_day_reminder_is_a_rule_that_occurs() -> None:
    rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"
    parse_rule(rule, datetime(2029, 3, 1, 9, 0))  # the next leap day is three years away
    after = datetime(2029, 3, 1, tzinfo=UTC)
    assert next_occurrence(rule, datetime(2029, 3, 1, 9, 0), LISBON, after) == datetime(
        2032, 2, 29, 9, 0, tzinfo=UTC
    )
