from __future__ import annotations

from datetime import UTC, datetime

import pytest
from muninn_memory.extraction.dates import find_date

MONDAY = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "direction", "expected"),
    [
        ("I'm flying to Paris tomorrow", "future", "2023-05-09"),
        ("I went there yesterday", "past", "2023-05-07"),
        ("the day after tomorrow", "future", "2023-05-10"),
        ("my exam is next Friday", "future", "2023-05-12"),
        ("last Friday was fun", "past", "2023-05-05"),
        ("on June 5th I start", "future", "2023-06-05"),
        ("5 June 2022", "any", "2022-06-05"),
        ("the 2024-01-02 meeting", "any", "2024-01-02"),
        ("in two weeks", "future", "2023-05-22"),
        ("3 days ago", "past", "2023-05-05"),
        ("last weekend we hiked", "past", "2023-05-06"),
        ("this weekend", "future", "2023-05-13"),
        ("next month", "future", "2023-06-01"),
        ("in March", "future", "2024-03-01"),
        ("in March", "past", "2023-03-01"),
        ("I moved here in 2019", "past", "2019-01-01"),
        ("on the 12th", "future", "2023-05-12"),
    ],
)
def test_dates_resolve_against_when_the_message_was_written(
    text: str, direction: str, expected: str
) -> None:
    found = find_date(text, MONDAY, direction)  # type: ignore[arg-type]
    assert found is not None
    assert found.at.date().isoformat() == expected
    assert found.at.tzinfo is UTC


def test_time_of_day_is_kept() -> None:
    found = find_date("call mom tomorrow at 5:30pm", MONDAY, "future")
    assert found is not None
    assert (found.at.hour, found.at.minute) == (17, 30)


@pytest.mark.parametrize(
    "text", ["I sat down in the sun", "this may be fine", "I wed my best friend", "nothing here"]
)
def test_ordinary_words_are_not_dates(text: str) -> None:
    assert find_date(text, MONDAY) is None
