"""Durable timers: every future action is a document with a due time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TimerStatus(StrEnum):
    SCHEDULED = "scheduled"
    FIRING = "firing"
    FIRED = "fired"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"


class Misfire(StrEnum):
    """What to do with a timer found long past due (after downtime)."""

    FIRE_LATE = "fire_late"
    SKIP = "skip"
    COLLAPSE = "collapse"  # recurring: fire once now for all missed occurrences, then resume


@dataclass(frozen=True)
class DueTimer:
    id: str
    user_id: str
    kind: str
    ref_id: str | None
    due_at: datetime
    misfire: Misfire
    misfire_grace_seconds: float
    attempts: int
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> DueTimer:
        return cls(
            id=doc["_id"],
            user_id=doc["user_id"],
            kind=doc["kind"],
            ref_id=doc.get("ref_id"),
            due_at=doc["due_at"],
            misfire=Misfire(doc.get("misfire", Misfire.FIRE_LATE.value)),
            misfire_grace_seconds=float(doc.get("misfire_grace_seconds", 3600)),
            attempts=int(doc.get("attempts", 0)),
            payload=doc.get("payload") or {},
        )

    def missed(self, now: datetime) -> bool:
        return (now - self.due_at).total_seconds() > self.misfire_grace_seconds


def new_timer(
    *,
    user_id: str,
    kind: str,
    due_at: datetime,
    ref_id: str | None = None,
    payload: dict[str, Any] | None = None,
    misfire: Misfire = Misfire.FIRE_LATE,
    misfire_grace_seconds: float = 3600,
    now: datetime,
) -> dict[str, Any]:
    return {
        "_id": uuid.uuid4().hex,
        "user_id": user_id,
        "kind": kind,
        "ref_id": ref_id,
        "due_at": due_at,
        "status": TimerStatus.SCHEDULED.value,
        "misfire": misfire.value,
        "misfire_grace_seconds": misfire_grace_seconds,
        "payload": payload or {},
        "attempts": 0,
        "claim": None,
        "lease_until": None,
        "created_at": now,
        "updated_at": now,
    }
