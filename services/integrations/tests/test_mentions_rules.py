"""What the mention rules read in a chat message: interactions, job changes, interests."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from muninn_integrations.mentions.models import (
    InteractionMention,
    InterestMention,
    JobMention,
    Named,
    Person,
    Reading,
)
from muninn_integrations.mentions.rules import MAX_STEPS, read

from tests.hostile_text import SEPARATORS, UNUSUAL_SPACES, repeated_pieces

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # a Saturday
TODAY = NOW.date()
# Far above what linear rules take on the scanned prefix of any message on a loaded machine,
# far below what a quadratic pattern takes on a run of thousands of characters.
GENEROUS_BUDGET_SECONDS = 10.0


def noon(day: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


def interactions(text: str) -> list[tuple[tuple[str | None, ...], str, datetime]]:
    return [
        (tuple(p.name for p in step.people), step.kind, step.occurred_at)
        for step in read(text, NOW).steps
        if isinstance(step, InteractionMention)
    ]


def jobs(text: str) -> list[tuple[str | None, str, str | None, str | None, date, bool]]:
    return [
        (
            step.person.name,
            step.statement.kind,
            step.statement.company,
            step.statement.title,
            step.statement.effective_on,
            step.statement.needs_company,
        )
        for step in read(text, NOW).steps
        if isinstance(step, JobMention)
    ]


def interests(text: str) -> list[tuple[str | None, str]]:
    return [
        (step.person.name, step.text)
        for step in read(text, NOW).steps
        if isinstance(step, InterestMention)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("had coffee with Ana today", [(("Ana",), "meeting", NOW)]),
        ("Had lunch with Ana yesterday", [(("Ana",), "meeting", noon(4))]),
        ("I had dinner with Ana Silva last night", [(("Ana Silva",), "meeting", noon(4))]),
        ("grabbed drinks with Ana on Monday", [(("Ana",), "meeting", noon(30, 11))]),
        ("had a quick breakfast with Ana", [(("Ana",), "meeting", NOW)]),
        ("met Ana yesterday", [(("Ana",), "meeting", noon(4))]),
        ("called Ana", [(("Ana",), "call", NOW)]),
        ("I just called Ana", [(("Ana",), "call", NOW)]),
        ("talked to Ana on the phone", [(("Ana",), "call", NOW)]),
        ("chatted with Ana on WhatsApp", [(("Ana",), "message", NOW)]),
        ("talked to Ana about the trip", [(("Ana",), "meeting", NOW)]),
        ("texted Ana", [(("Ana",), "message", NOW)]),
        ("emailed Ana this morning", [(("Ana",), "email", NOW)]),
        ("Ana and I had lunch on Monday", [(("Ana",), "meeting", noon(30, 11))]),
        ("Ana and I talked on the phone yesterday", [(("Ana",), "call", noon(4))]),
        ("caught up with Ana last week", [(("Ana",), "meeting", noon(28, 11))]),
        ("the day before yesterday I met Ana", [(("Ana",), "meeting", noon(3))]),
        ("met Ana 3 days ago", [(("Ana",), "meeting", noon(2))]),
        ("I called Ana and Rui today", [(("Ana", "Rui"), "call", NOW)]),
        (
            "Yesterday I had dinner with Ana Silva and Rui.",
            [(("Ana Silva", "Rui"), "meeting", noon(4))],
        ),
        ("had lunch with ana", [(("ana",), "meeting", NOW)]),
        ("had lunch with her", [((None,), "meeting", NOW)]),
        ("Yesterday Ana and I had lunch", [(("Ana",), "meeting", noon(4))]),
        ("talked to Ana about admin stuff", [(("Ana",), "meeting", NOW)]),
        ("Ana said hi, then I met her on Friday", [((None,), "meeting", noon(4))]),
    ],
)
def test_interactions(text: str, expected: list[object]) -> None:
    assert interactions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I had lunch",
        "I had lunch with my sister",
        "I haven't called Ana in ages",
        "I should have called Ana",
        "I need to call Ana",
        "I'm having lunch with Ana tomorrow",
        "Did you meet Ana?",
        "a cafe called Ana",
        "The phone rang for ages",
        "I saw Ana's post",
        "I never met Ana",
    ],
)
def test_no_interaction(text: str) -> None:
    assert interactions(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "she's starting at Spotify next month",
            [(None, "joined", "Spotify", None, date(2027, 1, 1), False)],
        ),
        (
            "She\u2019s starting at Spotify next month",
            [(None, "joined", "Spotify", None, date(2027, 1, 1), False)],
        ),
        (
            "Ana joined Google as a product designer",
            [("Ana", "joined", "Google", "product designer", TODAY, False)],
        ),
        ("Ana moved to Stripe", [("Ana", "joined", "Stripe", None, TODAY, True)]),
        ("Ana is now CTO at Acme", [("Ana", "joined", "Acme", "CTO", TODAY, False)]),
        ("Ana is now at Stripe", [("Ana", "joined", "Stripe", None, TODAY, False)]),
        ("Ana got a job at X", [("Ana", "joined", "X", None, TODAY, False)]),
        ("Ana left Acme", [("Ana", "left", "Acme", None, TODAY, False)]),
        ("Last week Ana left Acme", [("Ana", "left", "Acme", None, date(2026, 11, 28), False)]),
        (
            "Yesterday Ana joined Google",
            [("Ana", "joined", "Google", None, date(2026, 12, 4), False)],
        ),
        (
            "Ana joined Google last week",
            [("Ana", "joined", "Google", None, date(2026, 11, 28), False)],
        ),
        (
            "she starts at Google on Monday",
            [(None, "joined", "Google", None, date(2026, 12, 7), False)],
        ),
        (
            "Ana is starting at Spotify in January",
            [("Ana", "joined", "Spotify", None, date(2027, 1, 1), False)],
        ),
        (
            "Ana will be joining Booking.com as a senior PM next week",
            [("Ana", "joined", "Booking.com", "senior PM", date(2026, 12, 7), False)],
        ),
        (
            "Ana got promoted to senior engineer",
            [("Ana", "title", None, "senior engineer", TODAY, False)],
        ),
        (
            "Ana is joining the New York Times today",
            [("Ana", "joined", "New York Times", None, TODAY, False)],
        ),
    ],
)
def test_job_changes(text: str, expected: list[object]) -> None:
    assert jobs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ana moved to Lisbon",
        "Ana moved to New York",
        "Ana moved to the US",
        "Did Ana join Google?",
        "I hope Ana joins Google",
        "I don't think Ana joined Google",
        "Ana might be starting at Spotify",
        "Ana is starting at the gym",
    ],
)
def test_no_job_change(text: str) -> None:
    assert jobs(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ana loves climbing", [("Ana", "climbing")]),
        ("Ana is really into jazz", [("Ana", "jazz")]),
        ("Ana's really into jazz", [("Ana", "jazz")]),
        ("Ana is crazy about F1", [("Ana", "F1")]),
        ("Ana is a big fan of the Beatles", [("Ana", "the Beatles")]),
        ("Ana is learning Japanese", [("Ana", "Japanese")]),
        ("I met Ana. She loves climbing and I love it", [(None, "climbing")]),
    ],
)
def test_interests(text: str, expected: list[object]) -> None:
    assert interests(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ana no longer loves jazz",
        "Ana doesn't like jazz",
        "Ana likes me",
        "I wonder if Ana loves jazz",
        "Does Ana love jazz?",
    ],
)
def test_no_interest(text: str) -> None:
    assert interests(text) == []


def test_a_pet_loving_something_is_not_its_owner_loving_it() -> None:
    # "dog" is looked up as a name and found to be no contact's: nothing reaches Ana.
    assert interests("Ana's dog loves the park") == [("dog", "the park")]


def test_steps_stand_in_the_order_of_the_message_for_pronouns() -> None:
    reading = read("had coffee with Ana today, she's starting at Spotify next month", NOW)
    kinds = [type(step).__name__ for step in reading.steps]
    assert kinds == ["InteractionMention", "Named", "JobMention"]
    assert reading.names == ["Ana"]
    [job] = [step for step in reading.steps if isinstance(step, JobMention)]
    assert job.person == Person(None, 27)


def test_names_in_company_slots_are_not_people() -> None:
    reading = read("Ana joined Google", NOW)
    assert [step.person.name for step in reading.steps if isinstance(step, Named)] == ["Ana"]


def test_a_question_names_people_but_states_nothing() -> None:
    reading = read("Did Ana call? She is starting at Spotify.", NOW)
    assert [type(step).__name__ for step in reading.steps] == ["Named", "JobMention"]
    assert reading.says_something


def test_a_message_without_statements_says_nothing() -> None:
    assert not read("Ana Silva and Rui say hello", NOW).says_something
    assert read("", NOW) == Reading(())


def test_the_summary_is_the_sentence_bounded() -> None:
    text = "Yesterday I had lunch with Ana at the new place. " + "It was good. " * 10
    [step] = [s for s in read(text, NOW).steps if isinstance(s, InteractionMention)]
    assert step.sentence == "Yesterday I had lunch with Ana at the new place."


def test_statements_per_message_are_bounded() -> None:
    text = " ".join(f"I called Ana{chr(97 + i % 26)}x." for i in range(200))
    assert len(read(text, NOW).steps) <= MAX_STEPS


def test_unusual_whitespace_reads_as_a_space() -> None:
    for space in UNUSUAL_SPACES:
        assert interactions(f"had{space * 3}coffee with{space}Ana today") == [
            (("Ana",), "meeting", NOW)
        ], repr(space)


@pytest.mark.parametrize(
    "text",
    [
        "\u1680" * 20_000,
        "A" * 20_000,
        "Ana " * 5_000,
        "had coffee with " * 2_000,
        "Ana and " * 3_000 + "I had lunch",
        "Ana Ana Ana-Ana " * 2_000,
        "she's starting at " + "Acme " * 5_000,
        "Ana joined Google as " + "a " * 8_000,
        "Ana loves " + "x" * 20_000,
    ],
)
def test_hostile_text_is_read_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    read(text, NOW)
    assert time.perf_counter() - started < GENEROUS_BUDGET_SECONDS


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    repeated_pieces(
        ["had coffee with ", "Ana ", "and I ", "she's ", "starting at ", "Acme ", "loves "],
        [",", ".", "'", "-", "&"],
        separators=SEPARATORS,
    )
)
def test_repeated_pieces_are_read_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    read(text, NOW)
    assert time.perf_counter() - started < GENEROUS_BUDGET_SECONDS
