"""API keys become short-lived JWTs at the gateway, so services only ever verify JWTs."""

from __future__ import annotations

import httpx
from muninn_shared.contracts.api_keys import ApiKeyGrant
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from pydantic import ValidationError

from muninn_gateway.auth.cache import TtlCache
from muninn_gateway.auth.grants import GrantCache
from muninn_gateway.auth.problems import challenge

log = get_logger(__name__)

VERIFY_PATH = "/internal/api-keys/verify"


class ApiKeyExchanger:
    """Exchanges a key at identity and caches the grant (by key digest, never the key).

    A cached grant lives at most half its token's lifetime, so the token forwarded upstream
    always has time left; the cache TTL is also how long a revoked key keeps working here.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        identity_url: str,
        *,
        cache: TtlCache[ApiKeyGrant],
        cache_ttl_seconds: float,
        timeout_seconds: float,
        retry_after_seconds: int,
    ) -> None:
        self._client = client
        self._url = identity_url.rstrip("/") + VERIFY_PATH
        self._grants = GrantCache(cache, ttl_seconds=cache_ttl_seconds)
        self._timeout = timeout_seconds
        self._retry_after = retry_after_seconds

    async def exchange(self, key: str) -> ApiKeyGrant:
        # One identity call per key even when a client fires many requests at once.
        return await self._grants.get(key, lambda: self._verify(key))

    async def _verify(self, key: str) -> ApiKeyGrant:
        try:
            response = await self._client.post(self._url, json={"key": key}, timeout=self._timeout)
        except httpx.HTTPError as exc:
            log.warning("identity unreachable for api key exchange", error=repr(exc))
            raise self._unavailable() from None
        if response.status_code in (400, 401, 403, 404, 422):
            detail = "The API key is not valid."
            if response.status_code == 401:
                detail = _problem_detail(response) or detail
            raise ProblemError(
                401, detail, code="invalid-api-key", headers=challenge("invalid_token")
            )
        if response.status_code != 200:
            log.warning("api key exchange failed", status=response.status_code)
            raise self._unavailable()
        try:
            grant = ApiKeyGrant.model_validate_json(response.content)
        except ValidationError:
            log.warning("identity sent an unreadable api key grant")
            raise self._unavailable() from None
        return grant

    def _unavailable(self) -> ProblemError:
        return ProblemError(
            503,
            "API keys cannot be checked right now; try again shortly.",
            code="identity-unavailable",
            headers={"Retry-After": str(self._retry_after)},
        )


def _problem_detail(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) and len(detail) < 200 else None
