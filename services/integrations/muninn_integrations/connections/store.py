"""Connections in MongoDB: one document per account a user connected."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_integrations.connections.models import Connection

CONNECTIONS = "connections"


def connection_from_doc(doc: Mapping[str, Any]) -> Connection:
    return Connection(
        id=doc["_id"],
        **{k: v for k, v in doc.items() if k != "_id" and k in Connection.model_fields},
    )


class ConnectionStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._connections = db[CONNECTIONS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._connections, [("user_id", ASCENDING), ("created_at", -1), ("_id", -1)]
        )
        # The same account connected twice would sync everything twice.
        await ensure_index(
            self._connections,
            [("user_id", ASCENDING), ("provider", ASCENDING), ("account_key", ASCENDING)],
            unique=True,
        )

    async def insert(self, doc: dict[str, Any], session: AsyncClientSession | None = None) -> None:
        await self._connections.insert_one(doc, session=session)

    async def get(
        self, user_id: str, connection_id: str, session: AsyncClientSession | None = None
    ) -> Connection | None:
        doc = await self._connections.find_one(
            {"_id": connection_id, "user_id": user_id}, session=session
        )
        return connection_from_doc(doc) if doc is not None else None

    async def page(
        self, user_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Connection], str | None]:
        return await fetch_page(
            self._connections,
            {"user_id": user_id},
            limit=limit,
            cursor=cursor,
            convert=connection_from_doc,
        )

    async def update(
        self, user_id: str, connection_id: str, changes: Mapping[str, Any]
    ) -> Connection | None:
        doc = await update_one_and_read(
            self._connections,
            {"_id": connection_id, "user_id": user_id},
            {"$set": dict(changes)},
        )
        return connection_from_doc(doc) if doc is not None else None

    async def find_account(self, user_id: str, provider: str, key: str) -> Connection | None:
        doc = await self._connections.find_one(
            {"user_id": user_id, "provider": provider, "account_key": key}
        )
        return connection_from_doc(doc) if doc is not None else None

    async def due(self, now: datetime, limit: int) -> list[tuple[str, Connection]]:
        """Enabled, connected accounts whose next sync time has come (any user)."""
        cursor = (
            self._connections.find(
                {"next_sync_at": {"$lte": now}, "enabled": True, "status": "connected"}
            )
            .sort("next_sync_at", ASCENDING)
            .limit(limit)
        )
        return [(doc["user_id"], connection_from_doc(doc)) async for doc in cursor]

    async def realtime(self, limit: int) -> list[tuple[str, str]]:
        """(connection id, owner) of enabled, connected accounts synced in realtime."""
        cursor = (
            self._connections.find(
                {"sync_frequency": "realtime", "enabled": True, "status": "connected"},
                {"user_id": 1},
            )
            .sort("_id", ASCENDING)
            .limit(limit)
        )
        return [(doc["_id"], doc["user_id"]) async for doc in cursor]

    async def owned(self, connection_id: str) -> tuple[str, Connection] | None:
        """The connection and its owner, for background work that starts from an id."""
        doc = await self._connections.find_one({"_id": connection_id})
        return (doc["user_id"], connection_from_doc(doc)) if doc is not None else None

    async def set_fields(
        self,
        connection_id: str,
        changes: Mapping[str, Any],
        *,
        increment: Mapping[str, int] | None = None,
        session: AsyncClientSession | None = None,
    ) -> None:
        update: dict[str, Any] = {"$set": dict(changes)}
        if increment:
            update["$inc"] = dict(increment)
        await self._connections.update_one({"_id": connection_id}, update, session=session)

    async def delete(
        self, user_id: str, connection_id: str, session: AsyncClientSession | None = None
    ) -> bool:
        result = await self._connections.delete_one(
            {"_id": connection_id, "user_id": user_id}, session=session
        )
        return result.deleted_count == 1
