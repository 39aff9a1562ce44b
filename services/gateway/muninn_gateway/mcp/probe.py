"""Whether a service answers right now, asked at most once per interval."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class ServiceProbe:
    """Caches a readiness answer: tool lists follow a service coming and going within
    ``ttl_seconds`` without every tools/list waiting on it."""

    def __init__(
        self,
        check: Callable[[], Awaitable[bool]],
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._check = check
        self._ttl = ttl_seconds
        self._clock = clock
        self._answer = False
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()

    async def up(self) -> bool:
        if self._fresh():
            return self._answer
        async with self._lock:
            if not self._fresh():
                self._answer = await self._check()
                self._checked_at = self._clock()
        return self._answer

    def _fresh(self) -> bool:
        return self._checked_at is not None and self._clock() - self._checked_at < self._ttl
