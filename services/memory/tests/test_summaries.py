from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from muninn_memory.summaries.periods import bounds, last_completed
from muninn_memory.summaries.rules import category_of, context_breakdown, summarise

MONDAY = datetime(2024, 4, 8, tzinfo=UTC)


def memory(content: str, type_: str, *, day: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "_id": extra.pop("_id", content),
        "content": content,
        "type": type_,
        "context": extra.pop("context", "personal"),
        "importance": extra.pop("importance", 5),
        "occurred_at": MONDAY + timedelta(days=day, hours=9),
        "status": "active",
        "provenance": {"messages": [{"excerpt": f"I said: {content}"}], "extraction": {}},
        **extra,
    }


def test_periods_are_utc_weeks_from_monday_and_calendar_months() -> None:
    assert bounds("week", date(2024, 4, 10)) == (MONDAY, MONDAY + timedelta(days=7))
    assert bounds("month", date(2024, 2, 29)) == (
        datetime(2024, 2, 1, tzinfo=UTC),
        datetime(2024, 3, 1, tzinfo=UTC),
    )
    assert bounds("month", date(2024, 12, 5))[1] == datetime(2025, 1, 1, tzinfo=UTC)
    now = datetime(2024, 4, 10, 15, tzinfo=UTC)
    assert last_completed("week", now) == (MONDAY - timedelta(days=7), MONDAY)
    assert last_completed("month", now)[0] == datetime(2024, 3, 1, tzinfo=UTC)


def test_categories_and_context_shares() -> None:
    assert category_of("User loves spicy Thai food.") == "food"
    assert category_of("User prefers window seats on flights.") == "travel"
    assert category_of("User likes knitting.") == "other"
    shares = context_breakdown(
        [{"context": "work"}, {"context": "work"}, {"context": "family"}, {"context": "health"}]
    )
    assert shares == {"work": 50.0, "personal": 0.0, "family": 25.0, "health": 25.0}


def test_rules_summary_of_a_week() -> None:
    docs = [
        memory(
            "User loves spicy Thai food.", "preference_learned", slot="preference:thai", _id="p1"
        ),
        memory(
            "User loves spicy Thai food.",
            "preference_learned",
            day=2,
            slot="preference:thai",
            reinforcements=1,
            _id="p2",
        ),
        memory(
            "User's sister Mary is a dentist.", "relationship_info", importance=7, entity_ids=["e1"]
        ),
        memory(
            "User is flying to Rome on Friday.",
            "goal_setting",
            event_at=MONDAY + timedelta(days=4),
            entity_ids=["e2"],
        ),
        memory("User finished the quarterly report.", "task_completion", context="work", day=1),
        memory("I had a long day", "conversation", entity_ids=["e1"]),
        memory("Mary called", "conversation", entity_ids=["e1"]),
    ]
    relationships = [
        {"source_id": "e1", "target_id": "e2", "relationship": "mentioned with", "mentions": 1}
    ]
    draft = summarise(
        "week",
        MONDAY,
        MONDAY + timedelta(days=7),
        docs,
        {"e1": "Mary", "e2": "Rome"},
        relationships,
    )
    assert draft.original_memory_count == 7
    assert draft.key_insights[0] == "User's sister Mary is a dentist."
    assert "Mary came up 3 times." in draft.key_insights
    assert draft.important_events == [
        "2024-04-09: User finished the quarterly report.",
        "2024-04-12: User is flying to Rome on Friday.",
    ]
    [thai] = draft.learned_preferences
    assert thai.category == "food"
    assert thai.memory_ids == ["p1", "p2"]
    assert thai.confidence > 0.75
    assert thai.evidence == ["I said: User loves spicy Thai food."]
    assert draft.entities[0] == "Mary"
    assert [(r.entity1, r.entity2) for r in draft.new_relationships] == [("Mary", "Rome")]
    assert draft.context_breakdown["work"] == round(100 / 7, 1)
    original = sum(len(d["content"]) for d in docs)
    assert draft.compression_ratio == round(original / len(draft.summary), 2)
    assert draft.summary.startswith(
        "Week of 08 Apr 2024 to 14 Apr 2024: 7 memories, 5 of them facts"
    )
