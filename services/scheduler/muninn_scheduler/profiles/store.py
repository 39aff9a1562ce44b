"""Profiles in MongoDB (one document per user, ``_id`` = user id)."""

from __future__ import annotations

from collections.abc import Iterable

from muninn_shared.profiles import ProfileDocuments
from muninn_shared.storage.mongo import Document
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.bulk import find_in
from muninn_scheduler.profiles.models import Profile

PROFILES = "profiles"


class ProfileStore(ProfileDocuments):
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        super().__init__(db[PROFILES])

    async def get(self, user_id: str, session: AsyncClientSession | None = None) -> Profile:
        doc = await self._profiles.find_one({"_id": user_id}, session=session)
        if doc is None:
            return Profile(user_id=user_id)
        return Profile.model_validate({k: v for k, v in doc.items() if k != "_id"})

    async def get_many(
        self, user_ids: Iterable[str], session: AsyncClientSession | None = None
    ) -> dict[str, Profile]:
        """Profiles of several users (defaults for those not seen yet)."""
        users = set(user_ids)
        found = {user: Profile(user_id=user) for user in users}
        for doc in await find_in(self._profiles, "_id", users, session):
            found[doc["_id"]] = Profile.model_validate({k: v for k, v in doc.items() if k != "_id"})
        return found
