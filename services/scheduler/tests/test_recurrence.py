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
