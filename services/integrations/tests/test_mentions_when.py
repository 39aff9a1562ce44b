"""Days said in chat, counted from the message's time (UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from muninn_integrations.mentions.when import effective_day, when_it_happened

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # a Saturday
TODAY = NOW.date()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", NOW),
        ("this morning", NOW),
        ("yesterday", datetime(2026, 12, 4, 12, tzinfo=UTC)),
        ("last night", datetime(2026, 12, 4, 12, tzinfo=UTC)),
        ("on Saturday", datetime(2026, 11, 28, 12, tzinfo=UTC)),  # today is Saturday: the last
        ("last Friday", datetime(2026, 12, 4, 12, tzinfo=UTC)),
        ("two weeks ago", datetime(2026, 11, 21, 12, tzinfo=UTC)),
        ("400 days ago", NOW),  # not a count these rules read (two digits at most)
    ],
)
def test_when_it_happened(text: str, expected: datetime) -> None:
    assert when_it_happened([text], NOW) == expected


def test_the_first_text_with_a_day_wins() -> None:
    assert when_it_happened(["", "yesterday", "last week"], NOW).day == 4


@pytest.mark.parametrize(
    ("text", "past", "expected"),
    [
        ("", False, TODAY),
        ("next month", False, date(2027, 1, 1)),
        ("next week", False, date(2026, 12, 7)),
        ("tomorrow", False, date(2026, 12, 6)),
        ("in January", False, date(2027, 1, 1)),
        ("in December", False, TODAY),
        ("in March", True, date(2026, 3, 1)),
        ("on Monday", False, date(2026, 12, 7)),
        ("on Monday", True, date(2026, 11, 30)),
        ("in two weeks", False, date(2026, 12, 19)),
        ("in 3 months", False, date(2027, 3, 1)),
        ("last month", True, date(2026, 11, 1)),
        ("from May", False, date(2027, 5, 1)),
    ],
)
def test_effective_day(text: str, past: bool, expected: date) -> None:
    assert effective_day([text], TODAY, past=past) == expected
