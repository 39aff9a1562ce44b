"""Authentication at the edge: JWTs are verified here, API keys exchanged for JWTs."""

from __future__ import annotations

import jwt
from muninn_shared.auth import TokenVerifier
from muninn_shared.contracts.api_keys import ApiKeyGrant
from muninn_shared.problems import ProblemError
from starlette.datastructures import Headers

from muninn_gateway.auth.api_keys import ApiKeyExchanger
from muninn_gateway.auth.models import Caller
from muninn_gateway.auth.problems import challenge, unauthenticated
from muninn_gateway.revocation.cache import RevocationCache
from muninn_gateway.routing.table import split_path
from muninn_gateway.settings import COMPAT_ROOTS

API_KEY_HEADER = "x-api-key"
KEY_SCHEME = "token"
"""mem0's clients send ``Authorization: Token <key>``: taken for an API key (never a JWT) on
the mem0-compatible paths only."""

ERASURE_PROGRESS_PREFIX = "/v1/me/erasure/"
"""Erasure revokes every token of the user, yet the documented way to follow the erasure's
progress is its status URL with the token that requested it (identity checks the erasure is
that user's). Reading it is the one thing a revoked token may still do."""


class Authenticator:
    def __init__(
        self,
        verifier: TokenVerifier,
        keys: ApiKeyExchanger,
        *,
        api_key_prefix: str,
        revocations: RevocationCache | None = None,
    ) -> None:
        self._verifier = verifier
        self._revocations = revocations
        self._keys = keys
        self._prefix = api_key_prefix

    async def authenticate(
        self, headers: Headers, *, method: str = "GET", path: str = ""
    ) -> Caller:
        """The caller behind ``Authorization: Bearer <jwt | key>`` or ``X-API-Key: <key>``."""
        revoked_may_pass = method == "GET" and path.startswith(ERASURE_PROGRESS_PREFIX)
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, credential = authorization.strip().partition(" ")
            credential = credential.strip()
            if scheme.lower() == KEY_SCHEME and credential and _compat_path(path):
                return await self._by_key(credential)
            if scheme.lower() != "bearer" or not credential:
                raise unauthenticated()
            if credential.startswith(self._prefix):
                return await self._by_key(credential)
            principal, issued_at = await self._verifier.verify_with_issued_at(credential)
            if not revoked_may_pass:
                self._refuse_revoked(
                    principal.user_id, principal.session_id, principal.via_api_key, issued_at
                )
            return Caller(
                user_id=principal.user_id, access_token=credential, scopes=principal.scopes
            )
        key = headers.get(API_KEY_HEADER)
        if key is not None:
            return await self._by_key(key.strip())
        raise unauthenticated()

    async def _by_key(self, key: str) -> Caller:
        if not key.startswith(self._prefix) or len(key) > 256:
            raise ProblemError(
                401,
                "The API key is not valid.",
                code="invalid-api-key",
                headers=challenge("invalid_token"),
            )
        grant = await self._keys.exchange(key)
        if self._revocations is not None:
            self._refuse_revoked(grant.user_id, None, grant.api_key_id, _issued_at(grant))
        return Caller(
            user_id=grant.user_id,
            access_token=grant.access_token,
            api_key_id=grant.api_key_id,
            scopes=frozenset(grant.scopes),
        )

    def refuse_revoked(
        self, user_id: str, session_id: str | None, api_key_id: str | None, issued_at: int
    ) -> None:
        """401 when a revocation the gateway has heard of covers this token."""
        self._refuse_revoked(user_id, session_id, api_key_id, issued_at)

    def _refuse_revoked(
        self, user_id: str, session_id: str | None, api_key_id: str | None, issued_at: int
    ) -> None:
        if self._revocations is not None and self._revocations.refuses(
            user_id=user_id, session_id=session_id, api_key_id=api_key_id, issued_at=issued_at
        ):
            raise ProblemError(
                401,
                "This session has ended; sign in again.",
                code="session-revoked",
                headers=challenge("invalid_token"),
            )


def _compat_path(path: str) -> bool:
    segments = split_path(path)
    return segments is not None and segments[0] in COMPAT_ROOTS


def _issued_at(grant: ApiKeyGrant) -> int:
    """When identity issued the grant's token (it signed it for us moments ago, over HTTP).

    An unreadable one counts as issued at the epoch: any revocation of its user covers it.
    """
    try:
        claims = jwt.decode(grant.access_token, options={"verify_signature": False})
        return int(claims.get("iat", 0))
    except (jwt.PyJWTError, TypeError, ValueError):
        return 0
