"""The history log other features write to and read from: entries recorded in the same
transaction as the change they describe, and removed with the memories they describe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.history.store import HistoryStore

Doc = dict[str, Any]


class HistoryLog:
    def __init__(self, store: HistoryStore) -> None:
        self._store = store

    async def add_many(
        self, user_id: str, entries: list[Doc], session: AsyncClientSession | None = None
    ) -> None:
        await self._store.add_many(user_id, entries, session)

    async def for_lineage(self, user_id: str, lineage_id: str, memory_ids: list[str]) -> list[Doc]:
        """Entries of a lineage, or of any of ``memory_ids``, oldest first."""
        return await self._store.for_lineage(user_id, lineage_id, memory_ids)

    async def all_for(self, user_id: str) -> list[Doc]:
        return await self._store.all_for(user_id)

    async def delete_for(
        self, user_id: str, memory_ids: list[str], session: AsyncClientSession | None = None
    ) -> int:
        return await self._store.delete_for(user_id, memory_ids, session)

    async def delete_before(
        self, user_id: str, cutoff: datetime, session: AsyncClientSession | None = None
    ) -> int:
        return await self._store.delete_before(user_id, cutoff, session)
