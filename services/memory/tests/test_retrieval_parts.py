"""Chat messages are indexed sentence by sentence as well; a hit on a sentence is its message's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.parts import sentence_parts, sentences
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.retrieval.ranking import RankingTuning, profile, rank
from muninn_memory.vectors.edge import EdgeBackend
from muninn_memory.vectors.port import Candidate, VectorQuery
from muninn_memory.vectors.schema import MAX_PARTS, collection_name

from tests.bag_embedder import BagEmbedder

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)

# The particular asked about is one sentence among others about something else.
KICKBOXING = (
    "John: Busy week at the office with the quarterly report and two late meetings! "
    "I went to a kickboxing class with my friend, it was exhausting. "
    "How was your week with the kids and the new house?"
)


def message(mid: str, text: str, *, user: str = "u", speaker: str = "John") -> IndexedMemory:
    return IndexedMemory(mid, user, text, "conversation", occurred_at=NOW, speaker=speaker)


def filler(n: int) -> list[IndexedMemory]:
    topics = ["office report", "meetings", "kids school", "new house", "week plans"]
    return [
        message(f"f{i}", f"John: The {topics[i % 5]} took the whole week again, number {i}.")
        for i in range(n)
    ]


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[HybridIndex]:
    made = HybridIndex(EdgeBackend(tmp_path), BagEmbedder())
    yield made
    await made.close()


async def part_keys(index: HybridIndex, user: str = "u") -> set[str]:
    """Every key the store holds for ``user`` (memories and their parts)."""
    store = index.backend.store(collection_name("bag-a", 64), 64)
    [hits] = await store.query(user, [VectorQuery("dense", BagEmbedder().vector("x"), 500)], None)
    return {h.key for h in hits}


# -- splitting ---------------------------------------------------------------------------------


def test_a_message_is_split_into_its_sentences_each_said_by_its_speaker() -> None:
    parts = sentence_parts(message("m", KICKBOXING))
    assert [p.text for p in parts] == [
        "John: Busy week at the office with the quarterly report and two late meetings!",
        "John: I went to a kickboxing class with my friend, it was exhausting.",
        "John: How was your week with the kids and the new house?",
    ]
    assert [p.part for p in parts] == [1, 2, 3]
    assert {(p.memory_id, p.speaker, p.occurred_at, p.type) for p in parts} == {
        ("m", "John", NOW, "conversation")
    }


def test_one_sentence_short_sentences_and_other_kinds_of_memory_are_not_split() -> None:
    assert sentence_parts(message("m", "John: I went to a kickboxing class yesterday.")) == []
    # "Wow!" and "Thanks!" carry nothing of their own: one sentence is left.
    assert sentence_parts(message("m", "John: Wow! I went to a kickboxing class. Thanks!")) == []
    fact = replace(message("m", KICKBOXING), type="personal_info")
    assert sentence_parts(fact) == []
    assert sentence_parts(replace(message("m", KICKBOXING), part=2)) == []


def test_a_message_without_the_speakers_prefix_is_split_as_it_is() -> None:
    parts = sentence_parts(
        message("m", "Went climbing on Sunday. The wall was very tall.", speaker="")
    )
    assert [p.text for p in parts] == ["Went climbing on Sunday.", "The wall was very tall."]


def test_a_long_message_is_grouped_into_at_most_max_parts_in_order() -> None:
    said = [f"Sentence number {i} is here." for i in range(MAX_PARTS * 2 + 3)]
    parts = sentence_parts(message("m", "John: " + " ".join(said)))
    assert len(parts) == MAX_PARTS
    assert " ".join(p.text.removeprefix("John: ") for p in parts) == " ".join(said)
    assert sentences(parts[0].text.removeprefix("John: ")) == said[:3]


def test_the_ranking_places_each_memory_once_at_its_best_points_place() -> None:
    def hit(key: str, memory: str, score: float) -> Candidate:
        payload = {"memory_id": memory, "text": f"text of {key}"}
        return Candidate(key, score, payload if key == memory else {**payload, "part": 1})

    dense = [
        hit("a\x1f2", "a", 0.9),
        hit("b", "b", 0.8),
        hit("a", "a", 0.7),
        hit("c\x1f1", "c", 0.6),
        hit("a\x1f1", "a", 0.5),
        hit("d", "d", 0.4),
    ]
    owners = {c.key: c.payload["memory_id"] for c in dense if "part" in c.payload}
    tuning = RankingTuning(context_weight=0)

    ranked = rank(dense, [], profile("anything", NOW), limit=3, tuning=tuning, owners=owners)

    assert [r.memory_id for r in ranked] == ["a", "b", "c"]
    assert ranked[0].score > ranked[1].score > ranked[2].score


# -- the index -----------------------------------------------------------------------------


QUESTION = "Did John go to a kickboxing class with a friend?"

# Short messages sharing the question's words: against them the long message, whose other
# sentences dilute its vector and its keyword weight, only comes second when it is one point.
NEAR_MISSES = [
    message(f"near{i}", f"John: My friend {name} talked about kickboxing on TV.")
    for i, name in enumerate(["Tom", "Ann", "Bob", "Eve", "Max", "Sam"])
]


@pytest.mark.parametrize("split", [True, False])
async def test_a_particular_inside_a_long_message_lifts_its_message_to_the_top_once(
    tmp_path: Path, split: bool
) -> None:
    index = HybridIndex(EdgeBackend(tmp_path), BagEmbedder(), split_sentences=split)
    try:
        await index.upsert([message("kick", KICKBOXING), *filler(30), *NEAR_MISSES])

        results = [r.memory_id for r in await index.search("u", QUESTION, limit=5, now=NOW)]

        assert results.count("kick") == 1
        assert all("\x1f" not in r for r in results), "results are memories, never parts"
        if split:
            assert results[0] == "kick"
        else:
            assert results[0] != "kick", "the measurement's premise: one vector averages it away"
        assert await index.count("u") == 37, "parts are not counted as memories"
    finally:
        await index.close()


async def test_parts_follow_their_message_when_it_is_edited_or_deleted(
    index: HybridIndex,
) -> None:
    await index.upsert([message("kick", KICKBOXING), message("keep", KICKBOXING)])
    assert {k for k in await part_keys(index) if k.startswith("kick")} == {
        "kick",
        "kick\x1f1",
        "kick\x1f2",
        "kick\x1f3",
    }

    # Edited to two sentences: the third part goes.
    await index.upsert(
        [message("kick", "John: I went to a kickboxing class. It was exhausting but fun.")]
    )
    assert {k for k in await part_keys(index) if k.startswith("kick")} == {
        "kick",
        "kick\x1f1",
        "kick\x1f2",
    }
    # Edited to one sentence: no part is left.
    await index.upsert([message("kick", "John: I went to a kickboxing class.")])
    assert {k for k in await part_keys(index) if k.startswith("kick")} == {"kick"}

    await index.delete("u", ["keep"])
    assert {k for k in await part_keys(index) if k.startswith("keep")} == set()
    assert await index.count("u") == 1


async def test_splitting_off_writes_no_parts_and_removes_them_as_memories_are_reindexed(
    tmp_path: Path,
) -> None:
    first = HybridIndex(EdgeBackend(tmp_path), BagEmbedder())
    await first.upsert([message("kick", KICKBOXING)])
    assert len(await part_keys(first)) == 4
    await first.close()

    unsplit = HybridIndex(EdgeBackend(tmp_path), BagEmbedder(), split_sentences=False)
    try:
        await unsplit.upsert([message("kick", KICKBOXING), message("new", KICKBOXING)])
        assert await part_keys(unsplit) == {"kick", "new"}
    finally:
        await unsplit.close()


async def test_parts_are_kept_apart_between_users(index: HybridIndex) -> None:
    await index.upsert([message("kick", KICKBOXING, user="ann"), *filler(5)])
    assert await index.search("u", "kickboxing class", limit=5, now=NOW) != []
    assert "kick" not in {r.memory_id for r in await index.search("u", "kickboxing", now=NOW)}
    assert (await index.search("ann", "kickboxing class", limit=1, now=NOW))[0].memory_id == "kick"
    await index.delete_user("ann")
    assert await part_keys(index, "ann") == set()


async def test_a_new_models_collection_gets_the_parts_of_the_old_one(tmp_path: Path) -> None:
    first = HybridIndex(EdgeBackend(tmp_path), BagEmbedder(), embedder_spec={"name": "bag-a"})
    await first.upsert([message("kick", KICKBOXING), *filler(3)])
    await first.close()

    second = HybridIndex(
        EdgeBackend(tmp_path),
        BagEmbedder("bag-b", 48),
        embedder_spec={"name": "bag-b"},
        previous_embedder=lambda spec: BagEmbedder(),
        reembed_batch=2,
    )
    try:
        await second.wait_for_migration()
        assert second.read_collection == collection_name("bag-b", 48)
        store = second.backend.store(collection_name("bag-b", 48), 48)
        [hits] = await store.query(
            "u", [VectorQuery("dense", BagEmbedder("bag-b", 48).vector("x"), 100)], None
        )
        assert {h.key for h in hits if h.key.startswith("kick")} == {
            "kick",
            "kick\x1f1",
            "kick\x1f2",
            "kick\x1f3",
        }
        assert await second.count("u") == 4
        results = await second.search("u", QUESTION, limit=3, now=NOW)
        assert [r.memory_id for r in results].count("kick") == 1
    finally:
        await second.close()
