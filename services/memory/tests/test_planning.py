"""Each reconciliation decision's planner on its own: what it writes to the job's plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from muninn_memory.extraction.models import ExtractedFact, SourceMessage
from muninn_memory.ingestion.planning import FactContext, Plan, plan_decision
from muninn_memory.memories.models import ExtractionInfo, MemoryStatus, Provenance
from muninn_memory.memories.records import new_memory_doc
from muninn_memory.reconciliation.service import Decision, Operation

STATED = datetime(2024, 5, 1, tzinfo=UTC)
EARLIER = datetime(2024, 1, 1, tzinfo=UTC)


def stored(content: str) -> dict[str, Any]:
    return new_memory_doc(
        user_id="u1",
        content=content,
        type_="personal_info",
        context="personal",
        importance=6,
        sentiment="neutral",
        occurred_at=EARLIER,
        provenance=Provenance(source="api", extraction=ExtractionInfo(extractor="none")),
        slot="residence",
    )


def source() -> FactContext:
    return FactContext(
        job={"_id": "job1", "user_id": "u1", "source": "conversation"},
        message=SourceMessage(content="I live in Lyon now", created_at=STATED, message_id="msg1"),
        extractor="rules-v1",
        embedding_model="model-a",
        context=None,
    )


def decide(op: Operation, target: dict[str, Any] | None = None) -> Decision:
    fact = ExtractedFact(
        content="Lives in Lyon", category="personal_info", sentence="I live in Lyon now"
    )
    return Decision(op=op, fact=fact, target=target, reason=f"{op} for the test")


def test_add_plans_a_new_active_memory() -> None:
    plan = Plan()
    memory_id = plan_decision(plan, decide("add"), source())
    [doc] = plan.new
    assert doc["_id"] == memory_id
    assert doc["status"] == MemoryStatus.ACTIVE.value
    assert doc["occurred_at"] == STATED
    assert doc["embedding_model"] == "model-a"
    assert [h["operation"] for h in plan.history] == ["created"]
    assert [op.op for op in plan.operations] == ["add"]


def test_update_supersedes_its_target() -> None:
    plan, target = Plan(), stored("Lives in Paris")
    memory_id = plan_decision(plan, decide("update", target), source())
    [doc] = plan.new
    assert doc["supersedes"] == target["_id"]
    assert doc["version"] == 2
    assert doc["lineage_id"] == target["lineage_id"]
    assert plan.changes[target["_id"]] == {
        "status": MemoryStatus.SUPERSEDED.value,
        "valid_to": STATED,
        "superseded_by": memory_id,
    }
    assert plan.retired == {target["_id"]}
    assert [h["operation"] for h in plan.history] == ["created", "superseded"]


def test_historical_is_recorded_already_superseded() -> None:
    plan, target = Plan(), stored("Lives in Lyon")
    plan_decision(plan, decide("historical", target), source())
    [doc] = plan.new
    assert doc["status"] == MemoryStatus.SUPERSEDED.value
    assert doc["superseded_by"] == target["_id"]
    assert doc["valid_to"] == target["valid_from"]
    assert plan.changes == {}


def test_delete_retires_its_target() -> None:
    plan, target = Plan(), stored("Lives in Paris")
    assert plan_decision(plan, decide("delete", target), source()) is None
    assert plan.new == []
    assert plan.changes[target["_id"]]["status"] == MemoryStatus.DELETED.value
    assert [h["operation"] for h in plan.history] == ["deleted"]


def test_noop_reinforces_what_it_matches() -> None:
    plan, target = Plan(), stored("Lives in Lyon")
    assert plan_decision(plan, decide("noop", target), source()) is None
    assert plan.changes[target["_id"]]["reinforcements"] == 1
    assert plan.changes[target["_id"]]["last_reinforced_at"] == STATED
    assert [h["operation"] for h in plan.history] == ["reinforced"]
    assert [op.op for op in plan.operations] == ["noop"]


def test_a_change_to_a_memory_of_the_same_job_edits_it_in_place() -> None:
    plan = Plan()
    memory_id = plan_decision(plan, decide("add"), source())
    plan_decision(plan, decide("delete", plan.new[0]), source())
    assert plan.changes == {}
    assert plan.new[0]["_id"] == memory_id
    assert plan.new[0]["status"] == MemoryStatus.DELETED.value
