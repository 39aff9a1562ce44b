"""What a reconciled fact writes: one planner per decision (add, update, historical, delete, noop).

The pipeline builds a :class:`Plan` before its transaction so the transaction stays short;
each planner adds one decision's memories, changes, history entries, events and job
operations to it. Planners are pure: they read the decision and the plan, and write the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from muninn_memory.extraction.models import SourceMessage
from muninn_memory.extraction.text import truncate
from muninn_memory.history.records import history_entry
from muninn_memory.ingestion.models import JobOperation
from muninn_memory.memories.models import (
    ExtractionInfo,
    MemoryStatus,
    MemoryType,
    Provenance,
    SourceMessageRef,
)
from muninn_memory.memories.records import new_memory_doc
from muninn_memory.reconciliation.service import Decision, Operation

Doc = dict[str, Any]


def source_ref(message: SourceMessage, excerpt: str) -> SourceMessageRef:
    return SourceMessageRef(
        message_id=message.message_id,
        conversation_id=message.conversation_id,
        role=message.role,
        speaker=message.speaker,
        created_at=message.created_at,
        excerpt=truncate(excerpt, 2000),
        metadata=message.metadata,
    )


@dataclass
class Plan:
    """What a job will write, built before the transaction so the transaction stays short."""

    new: list[Doc] = field(default_factory=list)
    changes: dict[str, Doc] = field(default_factory=dict)
    history: list[Doc] = field(default_factory=list)
    operations: list[JobOperation] = field(default_factory=list)
    retired: set[str] = field(default_factory=set)
    origin: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    """Memory id → (message index, sentence it rests on; None for the whole message)."""

    def active_facts(self) -> list[Doc]:
        return [
            d
            for d in self.new
            if d["status"] == MemoryStatus.ACTIVE.value
            and d["type"] != MemoryType.CONVERSATION.value
        ]

    @property
    def touched(self) -> list[str]:
        return [d["_id"] for d in self.new] + list(self.changes)

    def change(self, target: Doc, changes: Doc) -> None:
        """Change an existing memory, or one this same job is about to add."""
        for doc in self.new:
            if doc["_id"] == target["_id"]:
                doc.update(changes)
                return
        self.changes.setdefault(target["_id"], {}).update(changes)


@dataclass(frozen=True)
class FactContext:
    """Where a decided fact comes from, and what the memory it creates is given."""

    job: Doc
    message: SourceMessage
    extractor: str
    embedding_model: str
    context: str | None
    type_override: str | None = None
    direct: Doc | None = None
    """The memory as a client gave it (``POST /v1/memories``), or None for an extracted fact."""

    @property
    def user_id(self) -> str:
        return str(self.job["user_id"])

    def stated_at(self, decision: Decision) -> datetime:
        return decision.fact.stated_at or self.message.created_at

    def ref(self, decision: Decision) -> Doc:
        return source_ref(self.message, decision.fact.sentence).model_dump(mode="python")


def reinforced(target: Doc, at: datetime) -> Doc:
    """A fact stated again: counted, and a decayed preference regains its importance."""
    last = target.get("last_reinforced_at")
    return {
        "reinforcements": int(target.get("reinforcements") or 0) + 1,
        "last_reinforced_at": max(last, at) if last is not None else at,
        "importance": int(target.get("base_importance") or target["importance"]),
        "decay_factor": 1.0,
    }


def _target_entry(
    source: FactContext, decision: Decision, target: Doc, operation: str, **details: Any
) -> Doc:
    """The history entry of what extraction did to an existing memory (``details`` as for
    :func:`history_entry`: reason, before, after, related memory, another lineage)."""
    details.setdefault("reason", decision.reason)
    details.setdefault("lineage_id", str(target.get("lineage_id") or target["_id"]))
    return history_entry(
        user_id=source.user_id,
        memory_id=target["_id"],
        operation=operation,
        actor="extraction",
        job_id=source.job["_id"],
        source_messages=[source.ref(decision)],
        **details,
    )


def _retire(plan: Plan, target: Doc, changes: Doc, entry: Doc) -> None:
    """An existing memory leaves the current record (deleted or superseded), with its entry."""
    plan.change(target, changes)
    plan.retired.add(target["_id"])
    plan.history.append(entry)


def plan_noop(plan: Plan, decision: Decision, source: FactContext) -> str | None:
    """Already known: the memory it matches, if any, is reinforced."""
    fact, target = decision.fact, decision.target
    if target is not None:
        plan.change(target, reinforced(target, source.stated_at(decision)))
        plan.history.append(_target_entry(source, decision, target, "reinforced"))
    plan.operations.append(
        JobOperation(
            op="noop",
            target_id=target["_id"] if target else None,
            content=fact.content,
            type=fact.type.value,
            reason=decision.reason,
        )
    )
    return None


def plan_delete(plan: Plan, decision: Decision, source: FactContext) -> str | None:
    """A retraction: the memory it retracts is deleted from the time it was stated."""
    target = decision.target
    assert target is not None, "a delete decision names the memory it deletes"
    stated_at = source.stated_at(decision)
    ended = {"status": MemoryStatus.DELETED.value, "valid_to": stated_at}
    entry = _target_entry(
        source,
        decision,
        target,
        "deleted",
        reason=f"{decision.reason}: {truncate(decision.fact.sentence, 300)}",
        before={"status": target["status"]},
        after=ended,
    )
    _retire(plan, target, {**ended, "deleted_reason": decision.reason}, entry)
    plan.operations.append(
        JobOperation(
            op="delete",
            target_id=target["_id"],
            content=target["content"],
            type=target["type"],
            reason=decision.reason,
        )
    )
    return None


def _new_memory(plan: Plan, decision: Decision, source: FactContext) -> Doc:
    """The memory a fact creates (added, updating or historical), with its 'created' entry."""
    fact, target = decision.fact, decision.target
    target_id = target["_id"] if target else None
    historical = decision.op == "historical"
    updating = decision.op == "update" and target is not None
    ref = source.ref(decision)
    provenance = Provenance(
        source=source.job["source"],
        job_id=source.job["_id"],
        event_id=source.job.get("event_id"),
        message_ids=[source.message.message_id] if source.message.message_id else [],
        messages=[SourceMessageRef.model_validate(ref)],
        extraction=ExtractionInfo(
            extractor=source.extractor,
            category=fact.category,
            slot=fact.slot,
            confidence=fact.confidence,
            sentence=fact.sentence if source.extractor != "none" else None,
        ),
    )
    given = source.direct or {}
    doc = new_memory_doc(
        user_id=source.user_id,
        content=fact.content,
        type_=source.type_override or fact.type.value,
        context=source.context or fact.context or "personal",
        importance=fact.importance,
        sentiment=fact.sentiment,
        occurred_at=source.stated_at(decision),
        event_at=given.get("event_at") or fact.event_at,
        provenance=provenance,
        slot=fact.slot,
        tags=list(given.get("tags") or []),
        metadata=dict(given.get("metadata") or {}),
        expires_at=given.get("expires_at"),
        status=MemoryStatus.SUPERSEDED if historical else MemoryStatus.ACTIVE,
        valid_to=target["valid_from"] if historical and target else None,
        supersedes=target_id if decision.op == "update" else None,
        superseded_by=target_id if historical else None,
        lineage_id=target.get("lineage_id", target["_id"]) if target else None,
        version=int(target.get("version", 1)) + 1 if target and updating else 1,
        embedding_model=source.embedding_model,
    )
    plan.new.append(doc)
    plan.origin[doc["_id"]] = (fact.message_index, fact.sentence)
    plan.history.append(
        history_entry(
            user_id=source.user_id,
            memory_id=doc["_id"],
            lineage_id=doc["lineage_id"],
            operation="created",
            actor="user" if source.direct is not None else "extraction",
            reason=decision.reason,
            job_id=source.job["_id"],
            source_messages=[ref],
            after={"content": doc["content"], "type": doc["type"], "slot": fact.slot},
            before={"content": target["content"]} if target and updating else None,
            related_memory_id=target_id,
        )
    )
    return doc


def _operation(decision: Decision, doc: Doc) -> JobOperation:
    target = decision.target
    return JobOperation(
        op=decision.op,
        memory_id=doc["_id"],
        target_id=target["_id"] if target else None,
        content=doc["content"],
        type=doc["type"],
        reason=decision.reason,
    )


def plan_add(plan: Plan, decision: Decision, source: FactContext) -> str | None:
    """A new fact: a new active memory."""
    doc = _new_memory(plan, decision, source)
    plan.operations.append(_operation(decision, doc))
    return str(doc["_id"])


def plan_historical(plan: Plan, decision: Decision, source: FactContext) -> str | None:
    """A fact that held before the current one: recorded already superseded by it."""
    doc = _new_memory(plan, decision, source)
    plan.operations.append(_operation(decision, doc))
    return str(doc["_id"])


def plan_update(plan: Plan, decision: Decision, source: FactContext) -> str | None:
    """A fact that replaces one: the new version is active, the old one superseded by it."""
    doc = _new_memory(plan, decision, source)
    target = decision.target
    if target is None:  # nothing to supersede after all: planned as an add
        plan.operations.append(_operation(decision, doc))
        return str(doc["_id"])
    ended = {"status": MemoryStatus.SUPERSEDED.value, "valid_to": source.stated_at(decision)}
    entry = _target_entry(
        source,
        decision,
        target,
        "superseded",
        lineage_id=doc["lineage_id"],
        before={"content": target["content"], "status": MemoryStatus.ACTIVE.value},
        after={"content": doc["content"], **ended},
        related_memory_id=doc["_id"],
    )
    _retire(plan, target, {**ended, "superseded_by": doc["_id"]}, entry)
    plan.operations.append(_operation(decision, doc))
    return str(doc["_id"])


Planner = Callable[[Plan, Decision, FactContext], str | None]

PLANNERS: dict[Operation, Planner] = {
    "add": plan_add,
    "update": plan_update,
    "historical": plan_historical,
    "delete": plan_delete,
    "noop": plan_noop,
}


def plan_decision(plan: Plan, decision: Decision, source: FactContext) -> str | None:
    """Plan the decision's writes; returns the id of the memory it creates, if any."""
    return PLANNERS[decision.op](plan, decision, source)
