"""mem0's filter language as a condition on memory records: what it keeps, what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from muninn_memory.mem0_compat.filters import scope_equals, scoped_condition
from muninn_memory.memories.matching import matches
from muninn_shared.problems import ProblemError

ACCOUNT = "account-1"


def record(_id: str, scope: dict[str, str] | None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": _id,
        "user_id": ACCOUNT,
        "status": "active",
        "content": f"memory {_id}",
        "type": "personal_info",
        "metadata": {},
        "created_at": datetime(2026, 3, 1, tzinfo=UTC),
        **extra,
    }
    if scope is not None:
        doc["scope"] = scope
    return doc


RECORDS = [
    record("alice", {"user_id": "alice"}, metadata={"source": "form", "rank": 3}),
    record("alice-travel", {"user_id": "alice", "agent_id": "travel"}, type="conversation"),
    record("bob", {"user_id": "bob"}, content="Bob drinks Green Tea"),
    record("bob-run", {"user_id": "bob", "run_id": "r1"}, created_at=datetime(2025, 1, 1)),
    record("own", None),
    record("own-empty", {}),
]


def kept(filters: dict[str, Any]) -> list[str]:
    condition = {"user_id": ACCOUNT, "$and": [scoped_condition(filters)]}
    return [doc["_id"] for doc in RECORDS if matches(doc, condition)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"user_id": "alice"}, ["alice", "alice-travel"]),
        ({"AND": [{"user_id": "alice"}, {"agent_id": "travel"}]}, ["alice-travel"]),
        ({"OR": [{"agent_id": "travel"}, {"run_id": "r1"}]}, ["alice-travel", "bob-run"]),
        ({"user_id": "*"}, ["alice", "alice-travel", "bob", "bob-run"]),
        ({"AND": [{"user_id": "bob"}, {"run_id": "*"}]}, ["bob-run"]),
        ({"user_id": {"in": ["bob", "carol"]}}, ["bob", "bob-run"]),
        ({"user_id": {"ne": "alice"}}, ["bob", "bob-run"]),
        (
            {"AND": [{"user_id": "*"}, {"NOT": [{"agent_id": "travel"}]}]},
            ["alice", "bob", "bob-run"],
        ),
        ({"user_id": "alice", "metadata": {"source": "form"}}, ["alice"]),
        ({"user_id": "*", "metadata": {"rank": {"in": [1, 3]}}}, ["alice"]),
        ({"user_id": "*", "categories": {"in": ["conversation"]}}, ["alice-travel"]),
        ({"user_id": "bob", "keywords": {"icontains": "green tea"}}, ["bob"]),
        ({"user_id": "bob", "memory": {"contains": "green tea"}}, []),
        ({"user_id": "bob", "created_at": {"gte": "2026-01-01"}}, ["bob"]),
        ({"user_id": "bob", "created_at": {"lt": "2025-06-01T00:00:00Z"}}, ["bob-run"]),
    ],
)
def test_filters_keep_the_memories_they_name(filters: dict[str, Any], expected: list[str]) -> None:
    assert kept(filters) == expected


def test_the_accounts_own_memories_never_show() -> None:
    assert "own" not in kept({"OR": [{"user_id": "*"}, {"created_at": {"gte": "2000-01-01"}}]})
    assert "own-empty" not in kept({"user_id": {"ne": "nobody"}})


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"categories": {"in": ["x"]}},  # names none of mem0's identifiers
        {"user_id": {"$where": "sleep(1)"}},
        {"$or": [{"user_id": "a"}]},
        {"user_id": "a", "metadata": {"a.b": 1}},
        {"user_id": "a", "metadata": {"$gt": 1}},
        {"user_id": "a", "metadata": {"k": {"nested": "x"}}},
        {"user_id": {"in": "alice"}},
        {"user_id": {"in": []}},
        {"user_id": ["alice"]},
        {"user_id": "x" * 300},
        {"user_id": "a", "created_at": {"gte": "yesterday"}},
        {"user_id": "a", "created_at": {"gte": 10**20}},
        {"user_id": "a", "memory": "exact"},
        {"AND": "user_id"},
        {"AND": []},
        {"user_id": "a", "unknown_field": 1},
        {
            "AND": [
                {"AND": [{"AND": [{"AND": [{"AND": [{"AND": [{"AND": [{"user_id": "a"}]}]}]}]}]}]}
            ]
        },
        {"OR": [{"user_id": str(n)} for n in range(60)]},
    ],
)
def test_hostile_or_unknown_filters_are_refused(filters: Any) -> None:
    with pytest.raises(ProblemError) as raised:
        scoped_condition(filters)
    assert raised.value.status == 400


def test_delete_all_names_identifiers_and_wildcards() -> None:
    condition = {"user_id": ACCOUNT, "$and": [scope_equals({"user_id": "bob", "run_id": "*"})]}
    assert [d["_id"] for d in RECORDS if matches(d, condition)] == ["bob-run"]
    with pytest.raises(ProblemError):
        scope_equals({})
