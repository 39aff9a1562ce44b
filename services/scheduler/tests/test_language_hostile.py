"""Hostile text in replies and plans: runs of unusual whitespace and separators read as one
space, in time linear in their length; the rewritten patterns answer as before on ordinary text."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from muninn_scheduler.language import plans, reviews
from muninn_scheduler.language.expenses import parse_expense, parse_spend_question
from muninn_scheduler.language.lists import parse_list_command
from muninn_scheduler.language.plans import parse_plan
from muninn_scheduler.language.reviews import analyse_review
from muninn_shared.whitespace import plain_whitespace

from tests.hostile_text import UNUSUAL_SPACES, repeated_pieces

NOW = datetime(2026, 3, 2, 9, 0)  # a Monday, local wall-clock time
CONVERSATION_LIMIT = 100_000


@pytest.mark.parametrize("run", UNUSUAL_SPACES)
def test_a_run_of_unusual_whitespace_reads_as_one_space(run: str) -> None:
    review = "The food was{}great, but the wait{}was long."
    assert analyse_review(review.format(run * 8_000, run * 8_000)) == analyse_review(
        review.format(" ", " ")
    )
    plan = "remind me tomorrow at 6pm to call{}mom please"
    hostile = parse_plan(plan.format(run * 400), NOW)
    assert hostile is not None
    assert hostile == parse_plan(plan.format(" "), NOW)
    assert hostile.title == "Call mom"


def _runs() -> st.SearchStrategy[str]:
    return repeated_pieces(
        [
            "but ",
            "though ",
            "however ",
            "not ",
            "never ",
            "recommend ",
            "remind me ",
            "please ",
            "thanks ",
            "thank you ",
            "tomorrow ",
            "at 6pm ",
            "Dr. ",
            "with ",
            "Ab-",
        ],
        [",", ";", ":", ".", "!", "?", "/", "-", "'"],
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(_runs(), min_size=1, max_size=8).map("".join))
@example("The food was great" + "\u1680" * 19_000 + "but slow")
@example("remind me tomorrow to call mom" + " ," * 230 + "x")
@example(("it was great but " + "\u2028" * 30) * (CONVERSATION_LIMIT // 47))
def test_hostile_text_reads_as_its_plain_whitespace(text: str) -> None:
    normal = plain_whitespace(text)
    assert len(normal) <= len(text)
    assert not re.search(r"[^\S \n]|  |\n\n\n|^ | $", normal, re.M)
    assert analyse_review(text) == analyse_review(normal)
    assert parse_plan(text, NOW) == parse_plan(normal, NOW)


OLD_CONTRAST = re.compile(r",?\s+\b(?:but|although|though|however|except|yet)\b\s+", re.I)
OLD_TRAILING_FILLER = re.compile(
    r"[\s,;:.!?]*(?:please|pls|thanks|thank\s+you)?[\s,;:.!?]*$", re.IGNORECASE
)
ordinary = st.lists(
    st.sampled_from(
        [
            "it",
            "was",
            "great",
            "but",
            "though",
            "yet",
            "however",
            "call",
            "mom",
            "please",
            "pls",
            "thanks",
            "thank",
            "you",
            "Please",
            "xplease",
            ",",
            ".",
            "!",
            "?",
            ";",
            "x",
        ]
    ),
    max_size=10,
).flatmap(
    lambda words: st.lists(
        st.sampled_from([" ", "  ", ", ", "\t", "", " ."]), min_size=len(words), max_size=len(words)
    ).map(lambda gaps: "".join(w + g for w, g in zip(words, gaps, strict=True)))
)


@settings(max_examples=400, deadline=None)
@given(ordinary)
def test_rewritten_patterns_answer_as_before(text: str) -> None:
    assert reviews.CONTRAST.split(text) == OLD_CONTRAST.split(text)
    assert plans._without_trailing_filler(text.strip()) == OLD_TRAILING_FILLER.sub("", text.strip())


def _record_runs() -> st.SearchStrategy[str]:
    return repeated_pieces(
        [
            "spent ",
            "I paid ",
            "45 euros ",
            "€",
            "on ",
            "at Lidl ",
            "add ",
            "milk and ",
            "eggs, ",
            "to the ",
            "list ",
            "got the ",
            "how much did I spend ",
            "in November ",
            "two dozen ",
            "kg ",
        ],
        [",", ".", "!", "?", "-", "'", "$", "€", "&"],
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(_record_runs(), min_size=1, max_size=8).map("".join))
@example("I spent 45 euros on" + " \u3000" * 8_000 + "groceries")
@example("add " + "milk, " * 80 + "eggs to the list")
@example("how much did I spend on " + "the " * 120 + "?")
def test_money_and_list_rules_read_hostile_text_as_its_plain_whitespace(text: str) -> None:
    normal = plain_whitespace(text)
    today = NOW.date()
    assert parse_expense(text, today) == parse_expense(normal, today)
    assert parse_spend_question(text, today) == parse_spend_question(normal, today)
    assert parse_list_command(text) == parse_list_command(normal)


def test_a_run_of_whitespace_in_an_expense_reads_as_one_space() -> None:
    hostile = parse_expense("I spent 45 euros on" + "\u1680" * 400 + "groceries", NOW.date())
    assert hostile is not None
    assert hostile.description == "Groceries"
