"""Who calls /mcp: an MCP client's OAuth token, an API key, or a signed-in session's token.

Every failure is a 401 whose challenge names the protected-resource metadata (RFC 9728), so
an MCP client that holds nothing finds where to sign in from the URL alone.
"""

from __future__ import annotations

import jwt
from muninn_shared.auth import TokenVerifier
from muninn_shared.problems import ProblemError
from starlette.datastructures import Headers

from muninn_gateway.auth.models import Caller
from muninn_gateway.auth.service import Authenticator
from muninn_gateway.mcp.exchange import McpTokenExchanger

METADATA_PATH = "/.well-known/oauth-protected-resource/mcp"


class McpAuthenticator:
    def __init__(
        self,
        authenticator: Authenticator,
        resource_verifier: TokenVerifier,
        exchanger: McpTokenExchanger,
        *,
        resource_url: str,
        metadata_url: str,
    ) -> None:
        self._authenticator = authenticator
        self._resource_verifier = resource_verifier
        self._exchanger = exchanger
        self._resource_url = resource_url
        self._metadata_url = metadata_url

    async def authenticate(self, headers: Headers) -> Caller:
        try:
            return await self._authenticate(headers)
        except ProblemError as exc:
            if exc.status != 401:
                raise
            raise ProblemError(
                401,
                exc.detail or "A bearer token is required.",
                code=exc.code or "unauthenticated",
                headers={"WWW-Authenticate": self.challenge(invalid="authorization" in headers)},
            ) from None

    def challenge(self, *, invalid: bool) -> str:
        value = f'Bearer resource_metadata="{self._metadata_url}"'
        return value + ', error="invalid_token"' if invalid else value

    async def _authenticate(self, headers: Headers) -> Caller:
        token = _bearer(headers.get("authorization"))
        if token is not None and self._for_this_resource(token):
            principal, issued_at = await self._resource_verifier.verify_with_issued_at(token)
            self._authenticator.refuse_revoked(
                principal.user_id, principal.session_id, None, issued_at
            )
            grant = await self._exchanger.exchange(token)
            return Caller(
                user_id=grant.user_id,
                access_token=grant.access_token,
                scopes=frozenset(grant.scopes),
            )
        # API keys (bearer or X-API-Key) and session tokens: as on every other route.
        return await self._authenticator.authenticate(headers, method="POST", path="/mcp")

    def _for_this_resource(self, token: str) -> bool:
        """Only the signature check decides anything; this just picks the verifier."""
        try:
            audience = jwt.decode(token, options={"verify_signature": False}).get("aud")
        except jwt.PyJWTError:
            return False
        audiences = audience if isinstance(audience, list) else [audience]
        return self._resource_url in audiences


def _bearer(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    return credential if scheme.lower() == "bearer" and credential else None
