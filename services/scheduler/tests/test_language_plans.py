"""The offline plan parser: what it schedules, when, and what it leaves alone."""

from __future__ import annotations

from datetime import datetime

import pytest
from muninn_scheduler.language.plans import PlanKind, is_undo, parse_plan
from muninn_scheduler.language.when import cut, find_when

NOW = datetime(2026, 6, 10, 10, 0)  # a Wednesday, local time


def test_remind_me_to_call_mom_tomorrow_at_6pm() -> None:
    plan = parse_plan("remind me to call mom tomorrow at 6pm", NOW)
    assert plan is not None
    assert plan.kind == PlanKind.REMINDER
    assert plan.title == "Call mom"
    assert plan.local == datetime(2026, 6, 11, 18, 0)
    assert plan.has_time


def test_dentist_with_dr_mary_next_tuesday_at_3pm() -> None:
    plan = parse_plan("Dentist with Dr. Mary next Tuesday at 3pm", NOW)
    assert plan is not None
    assert plan.kind == PlanKind.APPOINTMENT
    assert plan.experience_type == "dentist_appointment"
    assert plan.provider == "Dr. Mary"
    assert plan.title == "Dentist with Dr. Mary"
    assert plan.local == datetime(2026, 6, 16, 15, 0)


@pytest.mark.parametrize(
    ("text", "title", "local"),
    [
        ("Can you remind me tomorrow at 6 to call mom?", "Call mom", datetime(2026, 6, 11, 18, 0)),
        ("please remind me to pay rent on June 20th", "Pay rent", datetime(2026, 6, 20, 9, 0)),
        ("Set a reminder to stretch in 30 minutes", "Stretch", datetime(2026, 6, 10, 10, 30)),
        (
            "don't let me forget to water the plants tonight",
            "Water the plants",
            datetime(2026, 6, 10, 20, 0),
        ),
        ("remind me at 9:15 to stretch", "Stretch", datetime(2026, 6, 11, 9, 15)),
        (
            "remind me to book flights on 3 July 2026 at 10am",
            "Book flights",
            datetime(2026, 7, 3, 10),
        ),
    ],
)
def test_reminder_phrasings(text: str, title: str, local: datetime) -> None:
    plan = parse_plan(text, NOW)
    assert plan is not None
    assert (plan.kind, plan.title, plan.local) == (PlanKind.REMINDER, title, local)


def test_an_evening_outing_reads_a_bare_hour_as_evening() -> None:
    plan = parse_plan("Dinner at Tony's Pizza on Saturday at 8", NOW)
    assert plan is not None
    assert plan.experience_type == "restaurant"
    assert plan.provider == "Tony's Pizza"
    assert plan.local == datetime(2026, 6, 13, 20, 0)


def test_duration_is_read_and_cut_from_the_title() -> None:
    plan = parse_plan("haircut tomorrow at 11am for 45 minutes", NOW)
    assert plan is not None
    assert (plan.title, plan.duration_minutes) == ("Haircut", 45)


@pytest.mark.parametrize(
    "text",
    [
        "when is my dentist appointment?",  # a question
        "I had lunch with Ana yesterday",  # the past
        "remind me to call mom",  # no time
        "the weather is nice today",  # nothing to plan
        "",
    ],
)
def test_nothing_is_planned(text: str) -> None:
    assert parse_plan(text, NOW) is None


def test_undo_phrases() -> None:
    assert all(is_undo(t) for t in ("undo", "Undo that!", "cancel that please", "never mind"))
    assert not is_undo("undo the dentist and book the vet")


@pytest.mark.parametrize(
    ("text", "local"),
    [
        pytest.param(
            "call the bank at 9", datetime(2026, 6, 11, 9, 0), id="09:00 has passed today: tomorrow"
        ),
        pytest.param(
            "today at 9", datetime(2026, 6, 10, 21, 0), id="today at 9 after 9am means 21:00"
        ),
        pytest.param(
            "I sat with Ana at 3pm",
            datetime(2026, 6, 10, 15, 0),
            id="weekday abbreviations need a cue: 'sat' is a verb here, not Saturday",
        ),
        pytest.param(
            "lunch on fri at 1pm", datetime(2026, 6, 12, 13, 0), id="'on fri' is a Friday"
        ),
    ],
)
def test_when_bare_hours_and_weekdays_fall(text: str, local: datetime) -> None:
    when = find_when(text, NOW)
    assert when is not None
    assert when.local == local


def test_no_time_in_plain_text() -> None:
    assert find_when("nothing here", NOW) is None


def test_cut_removes_the_time_expression() -> None:
    text = "remind me to call mom tomorrow at 6pm"
    when = find_when(text, NOW)
    assert when is not None
    assert cut(text, when.spans) == "remind me to call mom"
