"""Usual rhythm of contact, going-cold thresholds and birthdays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from muninn_scheduler.nudges.rhythm import is_birthday, parse_birthday, rhythm

START = datetime(2026, 1, 1, tzinfo=UTC)


def test_needs_three_interactions() -> None:
    assert rhythm([START, START + timedelta(days=7)]) is None


def test_median_gap_ignores_a_burst() -> None:
    moments = [START + timedelta(days=d) for d in (0, 10, 20, 21, 22, 32)]
    found = rhythm(moments)
    assert found is not None
    assert found.usual_gap == timedelta(days=10)
    assert found.cold_after == timedelta(days=20), "twice the usual gap"


def test_minimum_threshold_for_frequent_contacts() -> None:
    found = rhythm([START + timedelta(days=d) for d in range(10)])
    assert found is not None
    assert found.usual_gap == timedelta(days=1)
    assert found.cold_after == timedelta(days=14), "daily friends are not cold after two days"


def test_birthdays() -> None:
    assert parse_birthday("1990-03-14") == (1990, 3, 14)
    assert parse_birthday("--03-14") == (None, 3, 14)
    assert parse_birthday("03-14") == (None, 3, 14)
    assert parse_birthday("1990-02-30") is None
    assert parse_birthday(None) is None
    assert is_birthday(3, 14, date(2026, 3, 14))
    assert is_birthday(2, 29, date(2026, 2, 28)), "leap-day birthdays on the 28th"
    assert not is_birthday(2, 29, date(2028, 2, 28))
    assert is_birthday(2, 29, date(2028, 2, 29))
