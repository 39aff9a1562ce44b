"""MCP clients, consent requests, authorization codes and grants, in identity's database.

Codes, consent-page secrets and client secrets are kept only as SHA-256 digests (they are
256-bit random). A grant is one refresh-token family (the tokens themselves live in
``refresh_tokens``), so rotation, reuse detection and revocation are the same as for
signed-in sessions; a user's connection to a client is every grant of that client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.pagination import after_cursor, one_page
from muninn_shared.storage.indexes import ensure_index
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_identity.digests import secret_digest
from muninn_identity.oauth.models import (
    ClientRecord,
    ConnectionRow,
    ConsentRequest,
    IssuedCode,
    OAuthGrant,
)

CLIENTS = "oauth_clients"
CONSENT_REQUESTS = "oauth_consent_requests"
CODES = "oauth_codes"
GRANTS = "oauth_grants"
LEGACY_SECRET = "metadata.client_secret"
"""Where versions before hashing kept a confidential client's secret, in plain text."""
CONNECTION_ORDER = "first_authorized_at"


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
        # A user's grants, and one client's of them (a connection).
        await ensure_index(self._grants, [("user_id", 1), ("client_id", 1)])
        await ensure_index(self._grants, "expires_at", expireAfterSeconds=0)

    # -- clients -------------------------------------------------------------------------

    async def add_client(
        self, client_id: str, metadata: dict[str, Any], digest: str | None
    ) -> None:
        now = datetime.now(UTC)
        await self._clients.insert_one(
            {
                "_id": client_id,
                "metadata": metadata,
                "secret_digest": digest,
                "created_at": now,
                "unused_until": now + self._unused_client_ttl,
            }
        )

    async def client(self, client_id: str) -> ClientRecord | None:
        doc = await self._clients.find_one({"_id": client_id})
        return None if doc is None else _client_record(doc)

    async def clients(self, client_ids: Sequence[str]) -> dict[str, ClientRecord]:
        found = self._clients.find({"_id": {"$in": list(client_ids)}})
        return {doc["_id"]: _client_record(doc) async for doc in found}

    async def hash_legacy_secret(self, client_id: str, secret: str) -> None:
        """Replace a plain-text secret by its digest (unless it changed meanwhile)."""
        await self._clients.update_one(
            {"_id": client_id, LEGACY_SECRET: secret},
            {"$set": {"secret_digest": secret_digest(secret)}, "$unset": {LEGACY_SECRET: ""}},
        )

    async def hash_legacy_secrets(self) -> int:
        """Hash every plain-text secret earlier versions stored; how many there were."""
        hashed = 0
        found = self._clients.find({LEGACY_SECRET: {"$exists": True}}, {LEGACY_SECRET: 1})
        async for doc in found:
            secret = doc.get("metadata", {}).get("client_secret")
            if isinstance(secret, str):
                await self.hash_legacy_secret(doc["_id"], secret)
                hashed += 1
        return hashed

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
        """At a refresh: the grant lives on, and was used now."""
        await self._grants.update_one(
            {"_id": family_id},
            {"$set": {"expires_at": expires_at, "last_used_at": datetime.now(UTC)}},
        )

    async def mark_grant_used(self, family_id: str) -> None:
        await self._grants.update_one(
            {"_id": family_id}, {"$set": {"last_used_at": datetime.now(UTC)}}
        )

    async def grant(self, family_id: str) -> OAuthGrant | None:
        doc = await self._grants.find_one({"_id": family_id})
        return None if doc is None else _grant(doc)

    async def grant_families(self, user_id: str) -> list[str]:
        """The family ids of the user's grants that have not expired."""
        found = self._grants.find(
            {"user_id": user_id, "expires_at": {"$gt": datetime.now(UTC)}}, {"_id": 1}
        )
        return [doc["_id"] async for doc in found]

    async def client_grants(
        self, user_id: str, client_id: str, session: AsyncClientSession | None = None
    ) -> list[OAuthGrant]:
        found = self._grants.find({"user_id": user_id, "client_id": client_id}, session=session)
        return [_grant(doc) async for doc in found]

    async def delete_client_grants(
        self, user_id: str, client_id: str, session: AsyncClientSession | None = None
    ) -> int:
        result = await self._grants.delete_many(
            {"user_id": user_id, "client_id": client_id}, session=session
        )
        return result.deleted_count

    async def connections_page(
        self, user_id: str, families: Sequence[str], *, limit: int, cursor: str | None
    ) -> tuple[list[ConnectionRow], str | None]:
        """The grants among ``families`` of the user, one row per client, newest first by
        when the client was first authorized (and client id), and the next page's cursor."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"user_id": user_id, "_id": {"$in": list(families)}}},
            {
                "$group": {
                    "_id": "$client_id",
                    CONNECTION_ORDER: {"$min": "$created_at"},
                    "last_used_at": {"$max": "$last_used_at"},
                    "scopes": {"$push": "$scopes"},
                }
            },
            {"$match": after_cursor({}, cursor, field=CONNECTION_ORDER)},
            {"$sort": {CONNECTION_ORDER: -1, "_id": -1}},
            {"$limit": limit + 1},
        ]
        docs = await (await self._grants.aggregate(pipeline)).to_list(limit + 1)
        return one_page(docs, limit, _connection_row, field=CONNECTION_ORDER)


def _grant(doc: Mapping[str, Any]) -> OAuthGrant:
    return OAuthGrant.model_validate({**doc, "family_id": doc["_id"]})


def _client_record(doc: Mapping[str, Any]) -> ClientRecord:
    metadata = dict(doc["metadata"])
    legacy = metadata.pop("client_secret", None)
    return ClientRecord(
        client_id=doc["_id"],
        metadata=metadata,
        secret_digest=doc.get("secret_digest"),
        legacy_secret=legacy if isinstance(legacy, str) else None,
    )


def _connection_row(doc: Mapping[str, Any]) -> ConnectionRow:
    scopes = sorted({scope for granted in doc["scopes"] for scope in granted or []})
    return ConnectionRow(
        client_id=doc["_id"],
        scopes=scopes,
        first_authorized_at=doc[CONNECTION_ORDER],
        last_used_at=doc.get("last_used_at"),
    )
