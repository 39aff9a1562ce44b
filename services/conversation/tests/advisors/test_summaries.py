from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_conversation.advisors.summaries import (
    Turn,
    active_path,
    extract_summary,
    first_sentence,
    topics,
    uncovered,
)


def message(mid: str, parent: str | None, offset: int = 0) -> dict[str, Any]:
    return {
        "_id": mid,
        "parent_id": parent,
        "created_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=offset),
    }


def test_first_sentence_is_trimmed_at_a_word() -> None:
    assert (
        first_sentence("I want to move to Lisbon. Also other things.")
        == "I want to move to Lisbon."
    )
    long = "word " * 100
    cut = first_sentence(long, limit=30)
    assert cut.endswith("…")
    assert len(cut) <= 30
    assert "wor…" not in cut


def test_topics_are_frequent_meaningful_words() -> None:
    found = topics(
        [
            "I want a budget for my Lisbon move",
            "The Lisbon budget is tight",
            "what about the budget",
        ]
    )
    assert found[:2] == ["budget", "lisbon"]
    assert "what" not in found
    assert "about" not in found


def test_extractive_summary_labels_speakers_and_keeps_short_threads_whole() -> None:
    turns = [
        Turn("1", "User", "I'm thinking of moving to Lisbon next spring. Budget is tight.", True),
        Turn(
            "2",
            "Daniel Reyes (Financial Planner)",
            "Let's start with your monthly costs. First, rent.",
            False,
        ),
        Turn("3", "User", "Rent would be about 1200 euros.", True),
    ]
    text = extract_summary(turns)
    assert text.splitlines()[0] == "3 messages between User, Daniel Reyes (Financial Planner)."
    assert "lisbon" in text.splitlines()[1]
    assert "- User: I'm thinking of moving to Lisbon next spring." in text
    assert "- Daniel Reyes (Financial Planner): Let's start with your monthly costs." in text
    assert extract_summary([]) == ""


def test_long_threads_keep_a_spread_of_the_users_side() -> None:
    turns = []
    for i in range(60):
        turns.append(Turn(f"u{i}", "User", f"Question number {i} about gardening.", True))
        turns.append(Turn(f"a{i}", "Assistant", f"Answer {i}.", False))
    text = extract_summary(turns, max_points=10)
    points = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(points) == 10
    assert points[0] == "- User: Question number 0 about gardening."
    assert points[-1] == "- User: Question number 59 about gardening."
    assert "10 of 60 messages" in text


def test_active_path_follows_parents_from_the_leaf() -> None:
    docs = [message("a", None), message("b", "a", 1), message("b2", "a", 2), message("c", "b2", 3)]
    assert [d["_id"] for d in active_path(docs, "c")] == ["a", "b2", "c"]
    assert active_path(docs, None) == []
    assert active_path(docs, "missing") == []


def test_uncovered_starts_after_the_previous_summary_on_this_branch() -> None:
    path = [message("a", None), message("b", "a", 1), message("c", "b", 2)]
    assert [d["_id"] for d in uncovered(path, "a")] == ["b", "c"]
    assert [d["_id"] for d in uncovered(path, None)] == ["a", "b", "c"]
    assert [d["_id"] for d in uncovered(path, "on-another-branch")] == ["a", "b", "c"]
    assert uncovered(path, "c") == []
