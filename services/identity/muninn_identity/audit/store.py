"""Append-only audit log in MongoDB."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from pymongo import DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_identity.audit.models import AuditEntry, RequestInfo

AUDIT = "audit_log"


class AuditStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._log = db[AUDIT]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._log, [("user_id", 1), ("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(self._log, "action")

    async def record(
        self,
        *,
        user_id: str | None,
        action: str,
        resource_type: str,
        resource_id: str | None = None,
        request: RequestInfo | None = None,
        details: dict[str, Any] | None = None,
        session: AsyncClientSession | None = None,
    ) -> None:
        request = request or RequestInfo()
        await self._log.insert_one(
            {
                "_id": uuid.uuid4().hex,
                "user_id": user_id,
                "action": action,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "ip_address": request.ip_address,
                "user_agent": (request.user_agent or "")[:300] or None,
                "api_endpoint": request.api_endpoint,
                "details": details,
                "created_at": datetime.now(UTC),
            },
            session=session,
        )

    async def page(
        self, user_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[AuditEntry], str | None]:
        """One newest-first page of the user's entries, and the cursor to the next one."""
        return await fetch_page(
            self._log, {"user_id": user_id}, limit=limit, cursor=cursor, convert=audit_entry_from
        )


def audit_entry_from(doc: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=doc["_id"], **{k: v for k, v in doc.items() if k in AuditEntry.model_fields}
    )
