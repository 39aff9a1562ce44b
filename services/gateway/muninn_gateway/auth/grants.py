"""The grants identity trades credentials for (API keys, MCP tokens), cached at the gateway.

A grant is cached by the digest of its credential, never the credential, for at most half
the lifetime of the token it carries, so the token forwarded upstream always has time left;
that TTL is also how long a credential revoked at identity may still be traded here (the
revocation feed refuses its tokens sooner). Concurrent first uses of one credential share a
single call to identity.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from muninn_gateway.auth.cache import TtlCache


class Expiring(Protocol):
    @property
    def expires_in(self) -> int:
        """Seconds the grant's token has left when identity issued it."""
        ...


G = TypeVar("G", bound=Expiring)


def credential_digest(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8", "surrogateescape")).hexdigest()


class GrantCache(Generic[G]):
    def __init__(self, cache: TtlCache[G], *, ttl_seconds: float) -> None:
        self._cache = cache
        self._ttl = ttl_seconds
        self._inflight: dict[str, asyncio.Future[G]] = {}

    async def get(self, credential: str, trade: Callable[[], Awaitable[G]]) -> G:
        """The cached grant of ``credential``, or the one ``trade`` gets from identity."""
        digest = credential_digest(credential)
        cached = self._cache.get(digest)
        if cached is not None:
            return cached
        pending = self._inflight.get(digest)
        if pending is None:
            pending = asyncio.ensure_future(self._trade(digest, trade))
            self._inflight[digest] = pending
            pending.add_done_callback(lambda done: self._settle(digest, done))
        # Shielded: a caller that goes away does not cancel the call the others wait on.
        return await asyncio.shield(pending)

    async def _trade(self, digest: str, trade: Callable[[], Awaitable[G]]) -> G:
        grant = await trade()
        self._cache.put(digest, grant, min(self._ttl, grant.expires_in / 2))
        return grant

    def _settle(self, digest: str, done: asyncio.Future[G]) -> None:
        self._inflight.pop(digest, None)
        if not done.cancelled():
            done.exception()  # retrieved here, so a caller gone away leaves no warning
