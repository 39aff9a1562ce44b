from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from muninn_memory.extraction.models import SourceMessage
from muninn_memory.extraction.rules import RuleExtractor
from muninn_memory.reconciliation.service import Reconciler, containment

T0 = datetime(2024, 1, 10, tzinfo=UTC)
rules = RuleExtractor()


def fact(text: str, at: datetime = T0 + timedelta(days=30)) -> Any:
    [found] = rules.extract_sync([SourceMessage(content=text, created_at=at)]).facts
    return found


def memory(text: str, at: datetime = T0, **extra: Any) -> dict[str, Any]:
    stated = fact(text, at)
    return {
        "_id": extra.pop("_id", text),
        "content": stated.content,
        "type": stated.type.value,
        "slot": stated.slot,
        "status": "active",
        "valid_from": at,
        **extra,
    }


@pytest.fixture
def reconciler() -> Reconciler:
    return Reconciler(memories=None, index=None)  # type: ignore[arg-type]  # decide_among needs neither


def test_duplicate_is_a_noop(reconciler: Reconciler) -> None:
    existing = memory("I love Italian food.")
    decision = reconciler.decide_among(fact("I love Italian food!"), [existing])
    assert (decision.op, decision.target) == ("noop", existing)


def test_same_slot_supersedes(reconciler: Reconciler) -> None:
    existing = memory("I live in Berlin.")
    decision = reconciler.decide_among(fact("Actually I moved to Lisbon."), [existing])
    assert (decision.op, decision.target) == ("update", existing)


def test_a_relative_who_moved_supersedes_where_they_lived(reconciler: Reconciler) -> None:
    sister = memory("My sister Ingrid lives in Bergen.", _id="sister")
    mine = memory("I live in Berlin.", _id="mine")
    friend = memory("My friend Sam lives in Bergen.", _id="friend")
    decision = reconciler.decide_among(
        fact("Actually Ingrid moved to Oslo."), [mine, friend, sister]
    )
    assert (decision.op, decision.target) == ("update", sister)


def test_someone_else_moving_leaves_the_users_home_alone(reconciler: Reconciler) -> None:
    mine = memory("I live in Berlin.")
    decision = reconciler.decide_among(fact("My brother Tom moved to Berlin."), [mine])
    assert decision.op == "add"


def test_most_recent_value_of_a_slot_is_the_one_superseded(reconciler: Reconciler) -> None:
    older = memory("I live in Berlin.", T0 - timedelta(days=400), _id="old")
    current = memory("I live in Madrid.", T0, _id="current")
    decision = reconciler.decide_among(fact("I live in Lisbon."), [older, current])
    assert decision.target is current


def test_an_older_statement_becomes_history_not_current(reconciler: Reconciler) -> None:
    existing = memory("I live in Lisbon.", T0)
    decision = reconciler.decide_among(
        fact("I live in Berlin.", at=T0 - timedelta(days=90)), [existing]
    )
    assert decision.op == "historical"
    assert decision.target is existing


def test_retraction_deletes_by_slot(reconciler: Reconciler) -> None:
    existing = memory("I work at Acme Corp as an engineer.")
    decision = reconciler.decide_among(fact("I no longer work at Acme."), [existing])
    assert (decision.op, decision.target) == ("delete", existing)


def test_retraction_deletes_by_content_without_slot(reconciler: Reconciler) -> None:
    existing = memory("I go to the climbing gym every Tuesday.")
    decision = reconciler.decide_among(fact("I don't go to the climbing gym anymore."), [existing])
    assert (decision.op, decision.target) == ("delete", existing)


def test_forgetting_something_unknown_stores_nothing(reconciler: Reconciler) -> None:
    decision = reconciler.decide_among(
        fact("Forget that I like sushi."), [memory("I love Italian food.")]
    )
    assert decision.op == "noop"
    assert decision.target is None


def test_a_change_with_nothing_to_end_is_kept_as_information(reconciler: Reconciler) -> None:
    decision = reconciler.decide_among(fact("I no longer work at Acme."), [])
    assert decision.op == "add"


def test_new_information_is_added(reconciler: Reconciler) -> None:
    decision = reconciler.decide_among(
        fact("I have a dog named Rex."), [memory("I love Italian food.")]
    )
    assert decision.op == "add"


def test_different_slots_never_collide_even_if_similar(reconciler: Reconciler) -> None:
    existing = memory("I'm allergic to peanuts.")
    decision = reconciler.decide_among(fact("I'm allergic to cats."), [existing])
    assert decision.op == "add"


def test_containment_needs_substance() -> None:
    assert containment("User no longer works at Acme.", "User works at Acme Corp.") == 1.0
    assert containment("User doesn't like it anymore.", "User likes sushi.") == 0.0


class _Ledger:
    """Every memory of the account, whatever its scope, as the ledger's lookups return them."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    async def active_by_slot(self, user_id: str, slot: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["slot"] == slot]

    async def active_by_normalized(self, user_id: str, text: str) -> list[dict[str, Any]]:
        return []

    async def active_among(self, user_id: str, ids: list[str]) -> list[dict[str, Any]]:
        return []


class _NoIndex:
    async def search(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


async def test_a_fact_changes_only_facts_of_its_own_scope() -> None:
    alice = memory("I live in Berlin.", _id="alice", scope={"user_id": "alice"})
    own = memory("I live in Madrid.", _id="own")
    scoped = Reconciler(memories=_Ledger([alice, own]), index=_NoIndex())  # type: ignore[arg-type]
    moved = fact("I live in Lisbon.")

    for_bob = await scoped.decide(
        "acct", moved, pending=[], retired=set(), scope={"user_id": "bob"}
    )
    assert (for_bob.op, for_bob.target) == ("add", None)
    for_alice = await scoped.decide(
        "acct", moved, pending=[], retired=set(), scope={"user_id": "alice"}
    )
    assert (for_alice.op, for_alice.target) == ("update", alice)
    unscoped = await scoped.decide("acct", moved, pending=[], retired=set())
    assert (unscoped.op, unscoped.target) == ("update", own)
