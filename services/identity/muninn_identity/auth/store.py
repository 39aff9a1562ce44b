"""Refresh tokens, grouped in families: one family per sign-in, rotated on every refresh.

A token is deleted (TTL index) a while after it expires, not at once: a rotated token
presented again is how a stolen one is detected, and a thief who rotated first leaves the
victim holding the old token, which may come back after its expiry.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_identity.auth.models import RefreshToken
from muninn_identity.digests import secret_digest


def refresh_token_from(doc: Mapping[str, Any]) -> RefreshToken:
    stored = {field.name: doc[field.name] for field in fields(RefreshToken) if field.name != "id"}
    return RefreshToken(id=doc["_id"], **stored)


REFRESH_TOKENS = "refresh_tokens"


class RefreshTokenStore:
    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        *,
        kept_after_expiry: timedelta = timedelta(days=30),
    ) -> None:
        self._tokens = db[REFRESH_TOKENS]
        self._kept_after_expiry = kept_after_expiry

    async def ensure_indexes(self) -> None:
        await ensure_index(self._tokens, "token_hash", unique=True)
        await ensure_index(self._tokens, [("user_id", 1), ("family_id", 1)])
        await ensure_index(
            self._tokens,
            "expires_at",
            expireAfterSeconds=int(self._kept_after_expiry.total_seconds()),
        )

    async def issue(
        self,
        user_id: str,
        family_id: str,
        token: str,
        ttl: timedelta,
        session: AsyncClientSession | None = None,
    ) -> None:
        now = datetime.now(UTC)
        await self._tokens.insert_one(
            {
                "_id": uuid.uuid4().hex,
                "user_id": user_id,
                "family_id": family_id,
                "token_hash": secret_digest(token),
                "status": "active",
                "created_at": now,
                "expires_at": now + ttl,
            },
            session=session,
        )

    async def rotate(self, token: str) -> RefreshToken | None:
        """Mark an active token rotated; the token as it was, or None if it was not active.

        Only one of two concurrent rotations of the same token wins: the update is conditional
        on the token still being active. (No findAndModify: see ``update_one_and_read``.)
        """
        active = {"token_hash": secret_digest(token), "status": "active"}
        doc = await self._tokens.find_one(active)
        if doc is None:
            return None
        result = await self._tokens.update_one(
            {**active, "_id": doc["_id"]},
            {"$set": {"status": "rotated", "rotated_at": datetime.now(UTC)}},
        )
        return refresh_token_from(doc) if result.modified_count == 1 else None

    async def find(self, token: str) -> RefreshToken | None:
        doc = await self._tokens.find_one({"token_hash": secret_digest(token)})
        return None if doc is None else refresh_token_from(doc)

    async def revoke_family(self, family_id: str, session: AsyncClientSession | None = None) -> int:
        return await self._revoke({"family_id": family_id}, session)

    async def revoke_all(self, user_id: str, session: AsyncClientSession | None = None) -> int:
        return await self._revoke({"user_id": user_id}, session)

    async def _revoke(self, which: dict[str, Any], session: AsyncClientSession | None) -> int:
        """Revoke the matching tokens not revoked yet; how many were."""
        result = await self._tokens.update_many(
            {**which, "status": {"$ne": "revoked"}},
            {"$set": {"status": "revoked", "revoked_at": datetime.now(UTC)}},
            session=session,
        )
        return result.modified_count

    async def active_families(
        self, user_id: str, family_ids: list[str], session: AsyncClientSession | None = None
    ) -> set[str]:
        """Those of the user's families whose newest token can still be refreshed."""
        if not family_ids:
            return set()
        found = await self._tokens.distinct(
            "family_id",
            {
                "user_id": user_id,
                "family_id": {"$in": family_ids},
                "status": "active",
                "expires_at": {"$gt": datetime.now(UTC)},
            },
            session=session,
        )
        return {str(family_id) for family_id in found}

    async def family_active(self, family_id: str) -> bool:
        return (
            await self._tokens.find_one({"family_id": family_id, "status": {"$ne": "revoked"}})
            is not None
        )
