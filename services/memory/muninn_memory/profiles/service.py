"""What other features ask of a user's memory profile: their choices, who keeps data for how
long, and erasure."""

from __future__ import annotations

from collections.abc import AsyncIterator

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.profiles.models import MemoryProfile
from muninn_memory.profiles.store import ProfileStore


class ProfileService:
    def __init__(self, store: ProfileStore) -> None:
        self._store = store

    async def get(self, user_id: str, session: AsyncClientSession | None = None) -> MemoryProfile:
        return await self._store.get(user_id, session)

    def with_retention(self) -> AsyncIterator[MemoryProfile]:
        """Every profile with a retention period (see :meth:`ProfileStore.with_retention`)."""
        return self._store.with_retention()

    async def erase(self, user_id: str, session: AsyncClientSession) -> int:
        return await self._store.delete(user_id, session)
