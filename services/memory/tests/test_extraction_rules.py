from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from muninn_memory.extraction.grammar import about
from muninn_memory.extraction.models import SourceMessage
from muninn_memory.extraction.rules import RuleExtractor

AT = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
rules = RuleExtractor()


def facts_of(text: str, **message: object) -> list:
    return rules.extract_sync([SourceMessage(content=text, created_at=AT, **message)]).facts  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "category", "slot", "content"),
    [
        ("My name is Ana.", "personal_info", "name", "User's name is Ana."),
        ("I'm 34 years old.", "personal_info", "age", "User is 34 years old."),
        ("I live in Berlin.", "personal_info", "residence", "User lives in Berlin."),
        (
            "Actually I moved to Lisbon last month.",
            "personal_info",
            "residence",
            "User moved to Lisbon last month.",
        ),
        ("I'm originally from Porto.", "personal_info", "origin", "User is originally from Porto."),
        ("I work at Acme Corp.", "personal_info", "employer", "User works at Acme Corp."),
        ("I'm a software engineer.", "personal_info", "occupation", "User is a software engineer."),
        (
            "I'm allergic to peanuts.",
            "personal_info",
            "allergy:peanuts",
            "User is allergic to peanuts.",
        ),
        ("I'm vegetarian.", "personal_info", "diet", "User is vegetarian."),
        ("I speak Portuguese.", "personal_info", "language:portuguese", "User speaks Portuguese."),
        (
            "I love Italian food.",
            "preference",
            "preference:italian food",
            "User loves Italian food.",
        ),
        ("I hate cilantro.", "preference", "preference:cilantro", "User hates cilantro."),
        (
            "My favorite color is blue.",
            "preference",
            "favorite:color",
            "User's favorite color is blue.",
        ),
        ("I'm a big fan of jazz.", "preference", "preference:jazz", "User is a big fan of jazz."),
        (
            "My sister Mary is a dentist.",
            "relationship",
            "relation:sister:mary",
            "User's sister Mary is a dentist.",
        ),
        (
            "Dr. Mary is my dentist.",
            "relationship",
            "relation:dentist",
            "Dr. Mary is User's dentist.",
        ),
        ("I have a dog named Rex.", "relationship", "pet:rex", "User has a dog named Rex."),
        (
            "My sister Ingrid lives in Bergen.",
            "relationship",
            "residence:ingrid",
            "User's sister Ingrid lives in Bergen.",
        ),
        (
            "Actually Ingrid moved to Oslo.",
            "relationship",
            "residence:ingrid",
            "Ingrid moved to Oslo.",
        ),
        (
            "Dr. Mary is based in Lyon.",
            "relationship",
            "residence:mary",
            "Dr. Mary is based in Lyon.",
        ),
        ("My mom lives in Porto.", "relationship", "residence:mom", "User's mom lives in Porto."),
        ("She lives in Paris now.", "statement", None, "She lives in Paris now."),
        ("I'm married to Sam.", "relationship", "relation:partner", "User is married to Sam."),
        (
            "I have a dentist appointment on June 5th.",
            "plan",
            None,
            "User has a dentist appointment on June 5th.",
        ),
        ("I'm flying to Paris next Friday.", "plan", None, "User is flying to Paris next Friday."),
        ("I want to learn Spanish.", "goal", None, "User wants to learn Spanish."),
        ("I finished my first marathon!", "task", None, "User finished User's first marathon!"),
        (
            "I went hiking with my dog last weekend.",
            "experience",
            None,
            "User went hiking with User's dog last weekend.",
        ),
        (
            "When I was a kid I lived in Porto.",
            "statement",
            None,
            "When User was a kid User lived in Porto.",
        ),
        (
            "Tom got promoted yesterday at Google.",
            "statement",
            None,
            "Tom got promoted yesterday at Google.",
        ),
    ],
)
def test_first_person_statements_become_typed_facts(
    text: str, category: str, slot: str | None, content: str
) -> None:
    [fact] = facts_of(text)
    assert (fact.category, fact.slot, fact.content) == (category, slot, content)
    assert fact.stated_at == AT
    assert fact.sentence == text


def test_one_message_can_state_several_facts() -> None:
    found = facts_of(
        "My name is Ana and I live in Berlin. I love Italian food but I hate cilantro."
    )
    assert [f.slot for f in found] == [
        "name",
        "residence",
        "preference:italian food",
        "preference:cilantro",
    ]
    assert [f.message_index for f in found] == [0, 0, 0, 0]


def test_plans_carry_their_resolved_date() -> None:
    [plan] = facts_of("Remind me to call mom tomorrow at 5pm.")
    assert plan.category == "plan"
    assert plan.event_at == datetime(2023, 5, 9, 17, 0, tzinfo=UTC)


def test_retractions_and_forget_requests() -> None:
    [retraction] = facts_of("I no longer work at Acme.")
    assert retraction.negated
    assert retraction.slot == "employer"
    assert not retraction.retract_only
    assert retraction.content == "User no longer works at Acme."
    [forget] = facts_of("Forget that I like sushi.")
    assert forget.negated
    assert forget.retract_only
    assert forget.slot == "preference:sushi"
    [changed] = facts_of("I don't like sushi anymore.")
    assert not changed.negated
    assert changed.correction
    assert changed.sentiment == "negative"
    assert changed.slot == "preference:sushi", "a changed preference supersedes, it is not erased"


def test_named_speakers_are_the_subject() -> None:
    [fact] = facts_of("I went to a support group yesterday.", speaker="Caroline")
    assert fact.content == "Caroline went to a support group yesterday."
    assert fact.event_at == datetime(2023, 5, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("What should I cook tonight?", "a question"),
        ("Thanks!", "small talk"),
        ("Can you write me a poem about autumn", "a request to the assistant"),
        ("I think so.", "small talk"),
    ],
)
def test_no_fact_is_explained(text: str, why: str) -> None:
    extraction = rules.extract_sync([SourceMessage(content=text, created_at=AT)])
    assert extraction.facts == []
    assert extraction.notes == [f"message 0: no fact ({why})"]


def test_assistant_messages_are_not_facts_about_the_user() -> None:
    extraction = rules.extract_sync(
        [SourceMessage(content="I live in the cloud.", created_at=AT, role="assistant")]
    )
    assert extraction.facts == []
    assert "assistant message" in extraction.notes[0]


VERBS = st.sampled_from(
    [
        "love",
        "visited",
        "bought",
        "play",
        "own",
        "started",
        "cooked",
        "hate",
        "collect",
        "need",
        "drive",
        "met",
    ]
)
OBJECTS = st.sampled_from(
    [
        "old vinyl records",
        "a red bicycle",
        "my neighbour Tom",
        "chess on Sundays",
        "the new bakery",
        "Lisbon",
        "a tiny garden",
    ]
)
OPENERS = st.sampled_from(["", "Oh, ", "Actually, ", "By the way, ", "Well "])


@given(opener=OPENERS, verb=VERBS, obj=OBJECTS)
def test_never_silent_on_a_first_person_statement(opener: str, verb: str, obj: str) -> None:
    text = f"{opener}I {verb} {obj}."
    assert facts_of(text), f"no fact from {text!r}"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("I live in Berlin", "Sam lives in Berlin"),
        ("I really enjoy my job", "Sam really enjoys Sam's job"),
        ("I'm tired and I've been busy", "Sam is tired and Sam has been busy"),
        ("I don't eat meat", "Sam doesn't eat meat"),
        ("I went with my mom", "Sam went with Sam's mom"),
        ("I try to fix it", "Sam tries to fix it"),
        ("Call me tomorrow", "Call Sam tomorrow"),
    ],
)
def test_first_person_is_rewritten_about_the_speaker(sentence: str, expected: str) -> None:
    assert about(sentence, "Sam") == expected
