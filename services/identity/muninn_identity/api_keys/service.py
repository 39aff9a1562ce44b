"""Create, list, revoke and verify API keys."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.contracts.api_keys import ApiKeyGrant
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.signing import TokenIssuer
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.api_keys.models import ApiKey, ApiKeyCreate, ApiKeyCreated
from muninn_identity.api_keys.store import ApiKeyStore, StoredApiKey
from muninn_identity.audit.models import RequestInfo
from muninn_identity.audit.service import AuditLog
from muninn_identity.auth.revocations import session_revoked
from muninn_identity.digests import secret_digest
from muninn_identity.users.service import UserService

KEY_PREFIX = "mk_"


class ApiKeyService:
    def __init__(
        self,
        *,
        keys: ApiKeyStore,
        users: UserService,
        audit: AuditLog,
        token_issuer: TokenIssuer,
        access_ttl_seconds: int,
        client: AsyncMongoClient[dict[str, Any]],
        outbox: Outbox,
    ) -> None:
        self._client = client
        self._outbox = outbox
        self._keys = keys
        self._users = users
        self._audit = audit
        self._token_issuer = token_issuer
        self._access_ttl = access_ttl_seconds

    async def create(
        self, user_id: str, request_body: ApiKeyCreate, request: RequestInfo
    ) -> ApiKeyCreated:
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        key_id = uuid.uuid4().hex
        key = StoredApiKey(
            id=key_id,
            user_id=user_id,
            name=request_body.name,
            prefix=secret[:10],
            key_hash=secret_digest(secret),
            scopes=sorted(set(request_body.scopes)),
            created_at=now,
            expires_at=now + timedelta(days=request_body.expires_in_days)
            if request_body.expires_in_days
            else None,
        )
        await self._keys.insert(key)
        await self._audit.record(
            user_id=user_id,
            action="api_key.created",
            resource_type="api_key",
            resource_id=key_id,
            request=request,
            details={"name": request_body.name, "scopes": key.scopes},
        )
        return ApiKeyCreated(key=secret, **key.public().model_dump())

    async def list(self, user_id: str) -> list[ApiKey]:
        return [key.public() for key in await self._keys.list_for(user_id)]

    async def revoke(self, user_id: str, key_id: str, request: RequestInfo) -> None:
        async def work(session: AsyncClientSession) -> StoredApiKey | None:
            revoked = await self._keys.revoke(user_id, key_id, session)
            if revoked is not None:
                # Announced with the change: the gateway drops the key's cached grant and
                # refuses the tokens it was exchanged for.
                await self._outbox.put(
                    session_revoked(user_id, "api_key_revoked", api_key_id=key_id), session
                )
            return revoked

        if await in_transaction(self._client, work) is None:
            raise not_found("API key")
        await self._audit.record(
            user_id=user_id,
            action="api_key.revoked",
            resource_type="api_key",
            resource_id=key_id,
            request=request,
        )

    async def revoke_all(self, user_id: str, session: AsyncClientSession) -> None:
        """Every key of the user, in the caller's transaction (erasure); announced by the caller."""
        await self._keys.revoke_all(user_id, session)

    async def verify(self, key: str) -> ApiKeyGrant:
        invalid = ProblemError(401, "The API key is not valid.", code="invalid-api-key")
        if not key.startswith(KEY_PREFIX):
            raise invalid
        stored = await self._keys.by_hash(secret_digest(key))
        if stored is None or stored.revoked_at is not None:
            raise invalid
        expires_at = stored.expires_at
        if expires_at is not None and expires_at <= datetime.now(UTC):
            raise ProblemError(401, "The API key has expired.", code="expired-api-key")
        if not await self._users.is_active(stored.user_id):
            raise invalid
        await self._keys.mark_used(stored.id)
        ttl = self._access_ttl
        if expires_at is not None:
            ttl = max(1, min(ttl, int((expires_at - datetime.now(UTC)).total_seconds())))
        token = self._token_issuer.issue(
            stored.user_id, scopes=tuple(stored.scopes), api_key_id=stored.id, ttl_seconds=ttl
        )
        return ApiKeyGrant(
            user_id=stored.user_id,
            api_key_id=stored.id,
            scopes=stored.scopes,
            access_token=token,
            expires_in=ttl,
        )
