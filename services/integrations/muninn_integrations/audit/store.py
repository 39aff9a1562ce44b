"""``audit_logs`` in MongoDB: append-only, newest first per user, expired by a TTL index."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from pymongo import DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_integrations.audit.models import AuditEntry

AUDIT_LOGS = "audit_logs"

Doc = dict[str, Any]


def entry_from_doc(doc: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry.model_validate({**doc, "id": doc["_id"]})


class AuditStore:
    def __init__(self, db: AsyncDatabase[Doc], *, retention: timedelta) -> None:
        self._entries = db[AUDIT_LOGS]
        self._retention = retention

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._entries, [("user_id", 1), ("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(
            self._entries, [("user_id", 1), ("resource_type", 1), ("resource_id", 1)]
        )
        await ensure_index(
            self._entries,
            [("created_at", 1)],
            expireAfterSeconds=int(self._retention.total_seconds()),
        )

    async def insert_many(self, docs: list[Doc], session: AsyncClientSession | None) -> None:
        if docs:
            await self._entries.insert_many(docs, session=session)

    async def page(
        self, user_id: str, query: Mapping[str, Any], *, limit: int, cursor: str | None
    ) -> tuple[list[AuditEntry], str | None]:
        return await fetch_page(
            self._entries,
            {"user_id": user_id, **query},
            limit=limit,
            cursor=cursor,
            convert=entry_from_doc,
        )
