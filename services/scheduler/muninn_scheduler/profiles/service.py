"""A user's scheduling profile (time zone, quiet hours, channels), read by every feature."""

from __future__ import annotations

from collections.abc import Iterable

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.profiles.models import Profile
from muninn_scheduler.profiles.store import ProfileStore


class ProfileService:
    def __init__(self, store: ProfileStore) -> None:
        self._store = store

    async def get(self, user_id: str, session: AsyncClientSession | None = None) -> Profile:
        """The user's profile, defaults when none was recorded yet."""
        return await self._store.get(user_id, session)

    async def get_many(
        self, user_ids: Iterable[str], session: AsyncClientSession | None = None
    ) -> dict[str, Profile]:
        return await self._store.get_many(user_ids, session)
