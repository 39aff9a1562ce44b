from __future__ import annotations

import pytest
from muninn_conversation.advisors.mentions import MentionTarget, alias_table, find_mentions, slugify

MAYA = MentionTarget("a-maya", "career-coach", "Maya Okafor")
DANIEL = MentionTarget("a-daniel", "financial-planner", "Daniel Reyes")
MAYA_TWO = MentionTarget("a-maya2", "maya-the-chef", "Maya Lopez")


@pytest.mark.parametrize(
    "text",
    [
        "@career-coach how do I ask for a raise?",
        "@Maya how do I ask for a raise?",
        "@MAYA OKAFOR, how do I ask for a raise?",
        "hey @maya_okafor what now",
        "what do you think, @MayaOkafor?",
        "thoughts @maya.",
        "@Maya's view, please",
        "(@maya) please",
    ],
)
def test_a_handle_or_name_in_any_case_routes_to_the_advisor(text: str) -> None:
    assert find_mentions(text, [MAYA, DANIEL]) == ["a-maya"]


@pytest.mark.parametrize(
    "text",
    [
        "mail me at someone@maya.com",
        "@mayadev is not her",
        "@maya-ish is not her either",
        "@maya.dev is a domain",
        "no mention at all",
        "@ maya with a space",
    ],
)
def test_lookalikes_are_not_mentions(text: str) -> None:
    assert find_mentions(text, [MAYA, DANIEL]) == []


def test_mentions_come_in_order_of_first_appearance_each_once() -> None:
    text = "@daniel and @maya, then @Daniel Reyes again"
    assert find_mentions(text, [MAYA, DANIEL]) == ["a-daniel", "a-maya"]


def test_a_shared_first_name_is_ambiguous_but_full_names_and_handles_still_work() -> None:
    table = alias_table([MAYA, MAYA_TWO])
    assert "maya" not in table
    assert find_mentions("@maya what do you think", [MAYA, MAYA_TWO]) == []
    assert find_mentions("@Maya Lopez what do you think", [MAYA, MAYA_TWO]) == ["a-maya2"]
    assert find_mentions("@career-coach what do you think", [MAYA, MAYA_TWO]) == ["a-maya"]


def test_the_longest_alias_wins() -> None:
    short = MentionTarget("a-ann", "ann", "Ann")
    long = MentionTarget("a-anna", "anna", "Anna")
    assert find_mentions("@anna hello", [short, long]) == ["a-anna"]
    assert find_mentions("@ann hello", [short, long]) == ["a-ann"]


def test_no_targets_no_mentions() -> None:
    assert find_mentions("@maya hi", []) == []


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Maya Okafor", "maya-okafor"),
        ("  Dr. Zoë  Müller ", "dr-zoë-müller"),
        ("A/B  Tester!", "a-b-tester"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug
