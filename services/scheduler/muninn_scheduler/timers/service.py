"""Arming and cancelling timers, for the features that act when a time comes."""

from __future__ import annotations

from muninn_shared.storage.mongo import Document
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.timers.store import TimerStore


class TimerService:
    """What other features may do to timers; claiming and firing belong to the wheel."""

    def __init__(self, store: TimerStore) -> None:
        self._store = store

    async def add(self, timer: Document, session: AsyncClientSession | None = None) -> None:
        await self._store.add(timer, session)

    async def add_many(
        self, timers: list[Document], session: AsyncClientSession | None = None
    ) -> None:
        await self._store.add_many(timers, session)

    async def cancel_for(
        self, kind: str, ref_id: str, session: AsyncClientSession | None = None
    ) -> int:
        """Cancel the scheduled timers of ``kind`` for one document; the number cancelled."""
        return await self._store.cancel_for(kind, ref_id, session)

    async def pending_for(
        self, kind: str, ref_id: str, session: AsyncClientSession | None = None
    ) -> list[Document]:
        """The timers of ``kind`` for one document that have not fired yet."""
        return await self._store.pending_for(kind, ref_id, session)
