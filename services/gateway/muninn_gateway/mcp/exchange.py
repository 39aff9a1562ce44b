"""MCP access tokens become ordinary short-lived tokens at identity, as API keys do.

An MCP client's token is bound to the MCP resource (its audience is ``<public_url>/mcp``),
so no service accepts it; identity trades it for one they do, with the same user, session
and scopes. The grant is cached by the token's digest for at most half its lifetime.
"""

from __future__ import annotations

import httpx
from muninn_shared.contracts.mcp_tokens import McpTokenGrant
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from pydantic import ValidationError

from muninn_gateway.auth.cache import TtlCache
from muninn_gateway.auth.grants import GrantCache

log = get_logger(__name__)

EXCHANGE_PATH = "/internal/oauth/exchange"


class McpTokenExchanger:
    def __init__(
        self,
        client: httpx.AsyncClient,
        identity_url: str,
        *,
        cache: TtlCache[McpTokenGrant],
        cache_ttl_seconds: float,
        timeout_seconds: float,
        retry_after_seconds: int,
    ) -> None:
        self._client = client
        self._url = identity_url.rstrip("/") + EXCHANGE_PATH
        self._grants = GrantCache(cache, ttl_seconds=cache_ttl_seconds)
        self._timeout = timeout_seconds
        self._retry_after = retry_after_seconds

    async def exchange(self, token: str) -> McpTokenGrant:
        return await self._grants.get(token, lambda: self._exchange(token))

    async def _exchange(self, token: str) -> McpTokenGrant:
        try:
            response = await self._client.post(
                self._url, json={"token": token}, timeout=self._timeout
            )
        except httpx.HTTPError as exc:
            log.warning("identity unreachable for mcp token exchange", error=repr(exc))
            raise self._unavailable() from None
        if response.status_code in (400, 401, 403, 404, 422):
            raise ProblemError(
                401, "The access token is not valid for this server.", code="invalid-token"
            )
        if response.status_code != 200:
            log.warning("mcp token exchange failed", status=response.status_code)
            raise self._unavailable()
        try:
            grant = McpTokenGrant.model_validate_json(response.content)
        except ValidationError:
            log.warning("identity sent an unreadable mcp token grant")
            raise self._unavailable() from None
        return grant

    def _unavailable(self) -> ProblemError:
        return ProblemError(
            503,
            "Access tokens cannot be checked right now; try again shortly.",
            code="identity-unavailable",
            headers={"Retry-After": str(self._retry_after)},
        )
