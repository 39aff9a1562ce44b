"""Announces stuck erasures again, periodically, until every service has confirmed them."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from muninn_shared.logging import get_logger

from muninn_identity.privacy.service import PrivacyService

log = get_logger(__name__)


class StuckErasureWatch:
    def __init__(
        self, privacy: PrivacyService, *, reannounce_after: timedelta, interval_seconds: float
    ) -> None:
        self._privacy = privacy
        self._reannounce_after = reannounce_after
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="stuck-erasure-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self._privacy.reannounce_stuck(self._reannounce_after)
            except Exception as exc:  # an outage: the next round tries again
                log.warning("stuck erasures not checked", error=repr(exc))
