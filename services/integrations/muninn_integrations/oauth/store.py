"""Sign-ins under way in MongoDB (``oauth_states``): one document per started flow, keyed by
the state's hash (the state itself travels in a URL and is never stored), holding the PKCE
verifier sealed. Taking one deletes it, so a state is used once; a TTL index removes the
abandoned ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

OAUTH_STATES = "oauth_states"


class OAuthStateStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._states = db[OAUTH_STATES]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._states, [("expires_at", ASCENDING)], expireAfterSeconds=0)

    async def insert(self, doc: dict[str, Any]) -> None:
        await self._states.insert_one(doc)

    async def take(
        self, state_hash: str, *, user_id: str, provider: str, now: datetime
    ) -> dict[str, Any] | None:
        """The flow, removed so it cannot be completed twice; None when there is none for this
        user and provider or it expired (a state of another user is left where it is)."""
        return await self._states.find_one_and_delete(
            {
                "_id": state_hash,
                "user_id": user_id,
                "provider": provider,
                "expires_at": {"$gt": now},
            }
        )
