"""How a history entry is laid out in MongoDB: what every change to a memory records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

Doc = dict[str, Any]


def history_entry(
    *,
    user_id: str,
    memory_id: str,
    lineage_id: str,
    operation: str,
    actor: str,
    reason: str | None = None,
    before: Doc | None = None,
    after: Doc | None = None,
    related_memory_id: str | None = None,
    job_id: str | None = None,
    source_messages: list[Doc] | None = None,
    at: datetime | None = None,
) -> Doc:
    return {
        "_id": uuid.uuid4().hex,
        "user_id": user_id,
        "memory_id": memory_id,
        "lineage_id": lineage_id,
        "at": at or datetime.now(UTC),
        "operation": operation,
        "actor": actor,
        "reason": reason,
        "before": before,
        "after": after,
        "related_memory_id": related_memory_id,
        "job_id": job_id,
        "source_messages": source_messages or [],
    }
