"""Append-only audit log in MongoDB.

Security entries are written here by identity's features and kept as long as the account.
Change entries arrive from integrations; they carry ``kind: "change"`` and expire after the
change retention through a TTL index on them alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.events.payloads import AuditChangeRecorded
from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from pymongo import DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_identity.audit.models import CHANGE, AuditEntry, AuditFilter, RequestInfo

AUDIT = "audit_log"
CHANGE_EXPIRY_INDEX = "change_entries_expiry"


class AuditStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], *, change_retention: timedelta) -> None:
        self._log = db[AUDIT]
        self._change_retention = change_retention

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._log, [("user_id", 1), ("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(self._log, "action")
        await ensure_index(
            self._log,
            [("user_id", 1), ("resource_type", 1), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        # Only change entries expire; security entries stay as long as the account.
        await ensure_index(
            self._log,
            [("created_at", 1)],
            name=CHANGE_EXPIRY_INDEX,
            expireAfterSeconds=int(self._change_retention.total_seconds()),
            partialFilterExpression={"kind": CHANGE},
        )

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

    async def record_change(self, change: AuditChangeRecorded, session: AsyncClientSession) -> bool:
        """Keep ``change`` under its entry id; False when it was kept already (a redelivery).

        Looked up first: a duplicate key would abort the caller's transaction. (Two deliveries
        racing both miss it; the second transaction then fails on the key and its event is
        taken as applied.) An insert, not an upsert, so values keep any key they may hold.
        """
        if await self._log.find_one({"_id": change.entry_id}, {"_id": 1}, session=session):
            return False
        await self._log.insert_one(
            {
                "_id": change.entry_id,
                "user_id": change.user_id,
                "kind": CHANGE,
                "action": change.action,
                "resource_type": change.resource_type,
                "resource_id": change.resource_id,
                "old_values": change.old_values,
                "new_values": change.new_values,
                "actor": change.actor.model_dump(mode="json"),
                "ip_address": change.ip_address,
                "user_agent": change.user_agent,
                "api_endpoint": change.api_endpoint,
                "created_at": change.created_at,
            },
            session=session,
        )
        return True

    async def forget_user(self, user_id: str) -> int:
        """Remove every entry of an erased user (what a late delivery may have added)."""
        result = await self._log.delete_many({"user_id": user_id})
        return result.deleted_count

    async def page(
        self, user_id: str, *, limit: int, cursor: str | None, only: AuditFilter | None = None
    ) -> tuple[list[AuditEntry], str | None]:
        """One newest-first page of the user's entries, and the cursor to the next one."""
        query: dict[str, Any] = {"user_id": user_id}
        if only is not None:
            for field in ("resource_type", "resource_id", "action"):
                value = getattr(only, field)
                if value is not None:
                    query[field] = value
        return await fetch_page(
            self._log, query, limit=limit, cursor=cursor, convert=audit_entry_from
        )


def audit_entry_from(doc: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=doc["_id"], **{k: v for k, v in doc.items() if k in AuditEntry.model_fields}
    )
