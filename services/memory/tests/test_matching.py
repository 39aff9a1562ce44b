"""The Python evaluation of memory queries agrees with MongoDB's semantics for what
filter_query produces: hydration by id must not let another user's or a filtered-out memory in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from muninn_memory.memories.matching import matches
from muninn_memory.memories.models import ImportanceRange, MemoryFilters, TimeRange
from muninn_memory.memories.store import filter_query

DOC = {
    "_id": "m1",
    "user_id": "u1",
    "status": "active",
    "type": "preference_learned",
    "context": "personal",
    "importance": 6,
    "occurred_at": datetime(2026, 3, 1, 12, 0),  # naive, as BSON hands it back without tz
    "provenance": {"source": "conversation"},
    "tags": ["food", "travel"],
    "entity_ids": ["e1", "e2"],
    "outdated_by": None,
}


def query(**filters: object) -> dict[str, object]:
    q = filter_query("u1", MemoryFilters.model_validate(filters), entity_ids=None)
    q["outdated_by"] = None
    return q


def test_scope_status_and_supersession() -> None:
    assert matches(DOC, query())
    assert not matches({**DOC, "user_id": "u2"}, query())
    assert not matches({**DOC, "status": "superseded"}, query())
    assert not matches({**DOC, "outdated_by": "m2"}, query())
    assert matches({k: v for k, v in DOC.items() if k != "outdated_by"}, query())


def test_every_filter_kind() -> None:
    assert matches(DOC, query(types=["preference_learned", "goal_setting"], context="personal"))
    assert not matches(DOC, query(types=["goal_setting"]))
    assert not matches(DOC, query(context="work"))
    assert matches(DOC, query(importance=ImportanceRange(min=5, max=6)))
    assert not matches(DOC, query(importance=ImportanceRange(min=7)))
    window = TimeRange(
        after=datetime(2026, 3, 1, tzinfo=UTC), before=datetime(2026, 3, 2, tzinfo=UTC)
    )
    assert matches(DOC, query(time=window))
    assert not matches(DOC, query(time=TimeRange(before=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))))
    assert matches(DOC, query(source="conversation"))
    assert not matches(DOC, query(source="api"))
    assert matches(DOC, query(tags=["travel"]))
    assert not matches(DOC, query(tags=["travel", "work"]))
    assert matches(DOC, query(tags=["travel", "work"], tag_match="any"))
    assert not matches(DOC, query(tags=["work", "home"], tag_match="any"))
    entity_query = filter_query("u1", MemoryFilters(), entity_ids=["e2", "e9"])
    assert matches(DOC, entity_query)
    assert not matches(DOC, filter_query("u1", MemoryFilters(), entity_ids=["e9"]))
    assert not matches(DOC, filter_query("u1", MemoryFilters(), entity_ids=[]))


def test_unknown_operators_are_refused() -> None:
    with pytest.raises(ValueError, match="not evaluated"):
        matches(DOC, {"importance": {"$mod": [2, 0]}})
