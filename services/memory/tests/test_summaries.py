from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from muninn_memory.summaries.indexing import primary_context, summary_index_text
from muninn_memory.summaries.periods import bounds, label, last_completed, parts
from muninn_memory.summaries.rollup import rollup
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


def utc(year: int, month: int, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def test_quarters_and_years_and_what_they_are_built_from() -> None:
    assert bounds("quarter", date(2024, 5, 20)) == (utc(2024, 4), utc(2024, 7))
    assert bounds("quarter", date(2024, 11, 30)) == (utc(2024, 10), utc(2025, 1))
    assert bounds("year", date(2024, 2, 29)) == (utc(2024, 1), utc(2025, 1))
    now = datetime(2024, 4, 10, 15, tzinfo=UTC)
    assert last_completed("quarter", now) == (utc(2024, 1), utc(2024, 4))
    assert last_completed("year", now) == (utc(2023, 1), utc(2024, 1))
    assert parts("quarter", utc(2024, 10)) == (
        "month",
        [
            (utc(2024, 10), utc(2024, 11)),
            (utc(2024, 11), utc(2024, 12)),
            (utc(2024, 12), utc(2025, 1)),
        ],
    )
    part, quarters = parts("year", utc(2024, 1))
    assert part == "quarter"
    assert [q[0].month for q in quarters] == [1, 4, 7, 10]
    assert label("quarter", utc(2024, 4), utc(2024, 7)) == "Q2 2024"
    assert label("year", utc(2024, 1), utc(2025, 1)) == "The year 2024"


def month(start: datetime, count: int, **fields: Any) -> dict[str, Any]:
    end = bounds("month", start.date())[1]
    return {
        "_id": f"m{start.month}",
        "period": "month",
        "start": start,
        "end": end,
        "summary": fields.pop("summary", f"{start:%B}: a month of {count} memories."),
        "key_insights": fields.pop("key_insights", []),
        "important_events": fields.pop("important_events", []),
        "learned_preferences": fields.pop("learned_preferences", []),
        "entities": fields.pop("entities", []),
        "new_relationships": fields.pop("new_relationships", []),
        "context_breakdown": fields.pop("context_breakdown", {"personal": 100.0}),
        "original_memory_count": count,
        "compression_ratio": fields.pop("compression_ratio", 10.0),
        **fields,
    }


def preference(text: str, confidence: float, memory_id: str) -> dict[str, Any]:
    return {
        "preference": text,
        "category": "food",
        "sentiment": "positive",
        "confidence": confidence,
        "evidence": [f"I said: {text}"],
        "memory_ids": [memory_id],
    }


def test_a_quarter_is_rolled_up_from_its_months() -> None:
    months = [
        month(
            utc(2024, 4),
            30,
            key_insights=["Changed: User moved to Lisbon.", "User's sister Mary is a dentist."],
            important_events=["2024-04-12: User flew to Rome."],
            learned_preferences=[preference("User loves Thai food.", 0.75, "p1")],
            entities=["Mary", "Rome"],
            context_breakdown={"work": 50.0, "personal": 50.0, "family": 0.0},
            new_relationships=[
                {
                    "entity1": "Mary",
                    "entity2": "Rome",
                    "relationship": "mentioned with",
                    "strength": 2,
                }
            ],
        ),
        month(
            utc(2024, 5),
            10,
            key_insights=["User started learning the cello."],
            important_events=["2024-05-02: User finished the report."],
            learned_preferences=[preference("User loves Thai food!", 0.8, "p2")],
            entities=["Lisbon", "Mary"],
            context_breakdown={"work": 0.0, "personal": 0.0, "family": 100.0},
            new_relationships=[
                {
                    "entity1": "Mary",
                    "entity2": "Rome",
                    "relationship": "mentioned with",
                    "strength": 4,
                }
            ],
        ),
    ]
    draft = rollup("quarter", utc(2024, 4), utc(2024, 7), months)
    assert draft.original_memory_count == 40
    assert draft.context_breakdown == {"work": 37.5, "personal": 37.5, "family": 25.0}
    assert draft.key_insights[0] == "Changed: User moved to Lisbon."
    assert "User started learning the cello." in draft.key_insights
    assert "Mary came up in 2 of 2 parts of the period." in draft.key_insights
    assert draft.important_events == [
        "2024-04-12: User flew to Rome.",
        "2024-05-02: User finished the report.",
    ]
    [thai] = draft.learned_preferences
    assert thai.memory_ids == ["p1", "p2"]
    assert thai.confidence == 0.88, "stated in two months: surer than in either"
    assert thai.preference == "User loves Thai food!"
    assert draft.entities[0] == "Mary"
    [(first, second, strength)] = [
        (r.entity1, r.entity2, r.strength) for r in draft.new_relationships
    ]
    assert (first, second, strength) == ("Mary", "Rome", 4)
    assert draft.summary.startswith("Q2 2024: 40 memories in 2 summarised months")
    assert "the busiest was April 2024" in draft.summary
    original = sum(round(10.0 * len(m["summary"])) for m in months)
    assert draft.compression_ratio == round(original / len(draft.summary), 2)


def test_a_summary_is_indexed_by_its_text_and_main_context() -> None:
    doc = month(
        utc(2024, 4),
        3,
        summary="April: three memories.",
        key_insights=["User loves Thai food."],
        context_breakdown={"work": 20.0, "family": 80.0},
    )
    assert summary_index_text(doc) == "April: three memories. User loves Thai food."
    assert primary_context(doc) == "family"
    assert primary_context(month(utc(2024, 4), 0, context_breakdown={"work": 0.0})) is None


class _Chat:
    """An OpenAI-compatible model that answers the summary schema."""

    model = "fake-model"

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.asked: list[list[dict[str, str]]] = []

    async def complete_json(self, conversation: list[dict[str, str]], schema: Any, **_: Any) -> str:
        self.asked.append(conversation)
        return self.answer


async def test_the_llm_rewrites_a_quarter_from_its_months() -> None:
    import json

    from muninn_memory.summaries.llm import LLMSummariser

    months = [month(utc(2024, 4), 30, summary="April: Rome."), month(utc(2024, 5), 10)]
    draft = rollup("quarter", utc(2024, 4), utc(2024, 7), months)
    answer = {"summary": "A spring of travel.", "key_insights": ["Travel"], "important_events": []}
    chat = _Chat(json.dumps(answer))
    improved = await LLMSummariser(chat).improve_rollup(draft, months)  # type: ignore[arg-type]
    assert improved.summary == "A spring of travel."
    assert improved.generator == "llm:fake-model"
    original = sum(round(10.0 * len(m["summary"])) for m in months)
    assert improved.compression_ratio == round(original / len("A spring of travel."), 2)
    asked = json.loads(chat.asked[0][1]["content"])
    assert [p["period"] for p in asked["parts"]] == ["April 2024", "May 2024"]
    assert asked["draft"]["summary"] == draft.summary

    broken = await LLMSummariser(_Chat("not json")).improve_rollup(draft, months)  # type: ignore[arg-type]
    assert broken.summary == draft.summary, "on failure the rules' draft stands"
    assert broken.generator == "rules-v1"
