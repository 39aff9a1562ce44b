"""MCP clients, consent requests, authorization codes and grants, in identity's database.

Codes and consent-page secrets are kept only as SHA-256 digests (they are 256-bit random).
A grant is one refresh-token family (the tokens themselves live in ``refresh_tokens``), so
rotation, reuse detection and revocation are the same as for signed-in sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_identity.oauth.models import ConsentRequest, IssuedCode, OAuthGrant

CLIENTS = "oauth_clients"
CONSENT_REQUESTS = "oauth_consent_requests"
CODES = "oauth_codes"
GRANTS = "oauth_grants"


class OAuthStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], *, unused_client_ttl: timedelta) -> None:
        self._clients = db[CLIENTS]
        self._requests = db[CONSENT_REQUESTS]
        self._codes = db[CODES]
        self._grants = db[GRANTS]
        self._unused_client_ttl = unused_client_ttl

    async def ensure_indexes(self) -> None:
        # A client nobody authorized is deleted at unused_until; authorizing one unsets it.
        await ensure_index(self._clients, "unused_until", expireAfterSeconds=0)
        await ensure_index(self._requests, "expires_at", expireAfterSeconds=0)
        await ensure_index(self._codes, "expires_at", expireAfterSeconds=0)
        await ensure_index(self._grants, "user_id")
        await ensure_index(self._grants, "expires_at", expireAfterSeconds=0)

    # -- clients -------------------------------------------------------------------------

    async def add_client(self, client_id: str, metadata: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        await self._clients.insert_one(
            {
                "_id": client_id,
                "metadata": metadata,
                "created_at": now,
                "unused_until": now + self._unused_client_ttl,
            }
        )

    async def client(self, client_id: str) -> dict[str, Any] | None:
        doc = await self._clients.find_one({"_id": client_id})
        return None if doc is None else dict(doc["metadata"])

    async def mark_client_used(self, client_id: str) -> None:
        await self._clients.update_one({"_id": client_id}, {"$unset": {"unused_until": ""}})

    # -- consent requests ----------------------------------------------------------------

    async def add_request(self, request: ConsentRequest) -> None:
        await self._requests.insert_one(
            {"_id": request.id, **request.model_dump(mode="python", exclude={"id"})}
        )

    async def request(self, request_id: str) -> ConsentRequest | None:
        doc = await self._requests.find_one(
            {"_id": request_id, "expires_at": {"$gt": datetime.now(UTC)}}
        )
        return None if doc is None else ConsentRequest.model_validate({**doc, "id": doc["_id"]})

    async def set_form_token(self, request_id: str, token_digest: str) -> None:
        await self._requests.update_one(
            {"_id": request_id}, {"$set": {"form_token_digest": token_digest}}
        )

    async def take_request(self, request_id: str, token_digest: str) -> bool:
        """Remove the request if the form's token is its current one: a page answers once."""
        result = await self._requests.delete_one(
            {
                "_id": request_id,
                "form_token_digest": token_digest,
                "expires_at": {"$gt": datetime.now(UTC)},
            }
        )
        return result.deleted_count == 1

    # -- codes ---------------------------------------------------------------------------

    async def add_code(self, code: IssuedCode) -> None:
        await self._codes.insert_one(
            {"_id": code.code_digest, **code.model_dump(mode="python", exclude={"code_digest"})}
        )

    async def code(self, code_digest: str) -> IssuedCode | None:
        doc = await self._codes.find_one({"_id": code_digest})
        return (
            None if doc is None else IssuedCode.model_validate({**doc, "code_digest": doc["_id"]})
        )

    async def take_code(self, code_digest: str) -> bool:
        """Delete the code; True for the one caller that did (a code is exchanged once)."""
        result = await self._codes.delete_one({"_id": code_digest})
        return result.deleted_count == 1

    # -- grants --------------------------------------------------------------------------

    async def add_grant(self, grant: OAuthGrant, session: AsyncClientSession | None = None) -> None:
        await self._grants.insert_one(
            {"_id": grant.family_id, **grant.model_dump(mode="python", exclude={"family_id"})},
            session=session,
        )

    async def extend_grant(self, family_id: str, expires_at: datetime) -> None:
        await self._grants.update_one({"_id": family_id}, {"$set": {"expires_at": expires_at}})

    async def grant(self, family_id: str) -> OAuthGrant | None:
        doc = await self._grants.find_one({"_id": family_id})
        return None if doc is None else OAuthGrant.model_validate({**doc, "family_id": doc["_id"]})
