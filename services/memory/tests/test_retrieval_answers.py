"""A chat message that answers another speaker's question is indexed behind that question too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from muninn_memory.memories.records import ANSWERS_KEY, ANSWERS_MAX_CHARS, indexed_from_doc
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.parts import answer_part, parts_of, questions_answered
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.retrieval.ranking import RankingTuning, profile, rank
from muninn_memory.vectors.edge import EdgeBackend
from muninn_memory.vectors.port import Candidate, VectorQuery
from muninn_memory.vectors.schema import ANSWER_PART, collection_name

from tests.bag_embedder import BagEmbedder

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)
ASKED = "Caroline: What are the names of your pets?"


def reply(answers: str | None = ASKED, *, type_: str = "conversation") -> IndexedMemory:
    return IndexedMemory(
        "reply",
        "u",
        "Melanie: Luna and Oliver! They are so sweet and playful.",
        type_,
        occurred_at=NOW,
        speaker="Melanie",
        answers=answers,
    )


# -- which question a message answers ---------------------------------------------------------


def test_a_reply_answers_the_last_question_of_the_turn_before_it() -> None:
    assert questions_answered(
        [
            ("Caroline", "Congrats on the house! Do you have pets? What are their names?"),
            ("Melanie", "Luna and Oliver!"),
        ]
    ) == [None, "Caroline: What are their names?"]


def test_the_writers_own_messages_are_looked_past_up_to_three_turns() -> None:
    asked = questions_answered(
        [
            ("Caroline", "How was the trip to the coast?"),
            ("Melanie", "It rained the whole time."),
            ("Melanie", "But we found a lovely cafe by the harbour."),
            ("Melanie", "And the kids loved the aquarium."),
            ("Melanie", "We are home again since Sunday."),
        ]
    )
    assert asked[1:4] == ["Caroline: How was the trip to the coast?"] * 3
    assert asked[4] is None, "the question is four turns back"


def test_a_turn_of_someone_else_that_asks_nothing_ends_the_search() -> None:
    assert questions_answered(
        [
            ("Caroline", "Do you still go skiing?"),
            ("Melanie", "Every winter."),
            ("Caroline", "Nice, I never learned it."),
            ("Melanie", "I could teach you in the Alps."),
        ]
    ) == [None, "Caroline: Do you still go skiing?", None, None]


def test_roles_stand_for_speakers_and_a_nameless_asker_has_no_prefix() -> None:
    assert questions_answered(
        [("assistant", "What is your dog called?"), ("user", "Rex, a beagle.")]
    ) == [None, "assistant: What is your dog called?"]
    assert questions_answered([(None, "Where do you live now?"), ("user", "In Porto.")]) == [
        None,
        "Where do you live now?",
    ]


def test_the_answer_part_is_the_reply_behind_its_question_for_chat_messages_only() -> None:
    part = answer_part(reply())
    assert part is not None
    assert part.part == ANSWER_PART
    assert part.text == f"{ASKED}\nMelanie: Luna and Oliver! They are so sweet and playful."
    assert part.memory_id == "reply"
    assert part.speaker == "Melanie"
    assert answer_part(reply(None)) is None
    assert answer_part(reply(type_="fact")) is None
    assert [p.part for p in parts_of(reply())] == [1, 2, ANSWER_PART]


def test_a_stored_message_keeps_the_question_it_answers_for_reindexing() -> None:
    doc = {
        "_id": "m1",
        "user_id": "u",
        "content": "Luna and Oliver!",
        "type": "conversation",
        "metadata": {"speaker": "Melanie", ANSWERS_KEY: ASKED},
        "provenance": {"messages": [{"speaker": "Melanie"}]},
    }
    assert indexed_from_doc(doc).answers == ASKED
    assert indexed_from_doc({**doc, "type": "fact"}).answers is None
    assert indexed_from_doc({**doc, "metadata": {ANSWERS_KEY: "  "}}).answers is None
    # The client writes metadata: what is indexed of it is bounded.
    hostile = indexed_from_doc({**doc, "metadata": {ANSWERS_KEY: "Why? " * 10_000}}).answers
    assert hostile is not None
    assert len(hostile) == ANSWERS_MAX_CHARS


# -- ranking and the index ----------------------------------------------------------------------


def test_a_hit_on_an_answer_part_counts_at_a_discount() -> None:
    def hit(key: str, memory: str, score: float, part: int = 0) -> Candidate:
        payload: dict[str, object] = {"memory_id": memory, "text": key}
        return Candidate(key, score, {**payload, "part": part} if part else payload)

    dense = [hit(f"a\x1f{ANSWER_PART}", "a", 0.81, ANSWER_PART), hit("b", "b", 0.80)]
    owners = {dense[0].key: "a"}

    def order(weight: float) -> list[str]:
        tuning = RankingTuning(context_weight=0, answer_weight=weight, fusion="rrf")
        ranked = rank(dense, [], profile("x", NOW), limit=2, tuning=tuning, owners=owners)
        return [r.memory_id for r in ranked]

    assert order(1.0) == ["a", "b"]
    assert order(0.7) == ["b", "a"]


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[HybridIndex]:
    made = HybridIndex(EdgeBackend(tmp_path), BagEmbedder())
    yield made
    await made.close()


async def keys(index: HybridIndex) -> set[str]:
    store = index.backend.store(collection_name("bag-a", 64), 64)
    [hits] = await store.query("u", [VectorQuery("dense", BagEmbedder().vector("x"), 500)], None)
    return {h.key for h in hits}


def filler(n: int) -> list[IndexedMemory]:
    """Messages of Melanie's sharing the question's other words, not its topic."""
    return [
        IndexedMemory(
            f"f{i}",
            "u",
            f"Melanie: The names of the team are on the report of week {i}.",
            "conversation",
        )
        for i in range(n)
    ]


async def test_a_reply_without_the_questions_words_is_found_by_them(index: HybridIndex) -> None:
    question = "What are the names of Melanie's pets?"
    await index.upsert([reply(None), *filler(20)])
    without = [r.memory_id for r in await index.search("u", question, limit=3, now=NOW)]

    await index.upsert([reply()])
    found = [r.memory_id for r in await index.search("u", question, limit=3, now=NOW)]

    assert "reply" not in without, "the premise: the reply alone shares only the name"
    assert found[0] == "reply"
    assert found.count("reply") == 1, "a memory is one result, whichever of its points matched"


async def test_the_answer_part_follows_its_message(index: HybridIndex) -> None:
    await index.upsert([reply()])
    assert f"reply\x1f{ANSWER_PART}" in await keys(index)

    await index.upsert([reply(None)])  # re-indexed without it: the part goes
    assert f"reply\x1f{ANSWER_PART}" not in await keys(index)

    await index.upsert([reply()])
    await index.delete("u", ["reply"])
    assert not {k for k in await keys(index) if k.startswith("reply")}
