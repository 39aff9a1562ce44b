"""Several base URLs for one service: requests spread round robin, dead replicas skipped.

For Compose or bare-metal deployments without a Kubernetes Service in front of the
replicas. A replica that refused a connection is left out for a short while; if every
replica is marked down, all are tried anyway (a down mark is a guess, never a verdict).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence

from muninn_shared.logging import get_logger

log = get_logger(__name__)

DEFAULT_DOWN_SECONDS = 5.0


class ReplicaSet:
    """The base URLs of one service's replicas, in the order a request should try them."""

    def __init__(
        self,
        service: str,
        urls: Sequence[str],
        *,
        down_seconds: float = DEFAULT_DOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError(f"service {service!r} needs at least one upstream URL")
        self.service = service
        self.urls: tuple[str, ...] = tuple(urls)
        self._down_seconds = down_seconds
        self._clock = clock
        self._down_until: dict[str, float] = {}
        self._turn = itertools.count()

    @property
    def primary(self) -> str:
        """The first URL: for the gateway's own calls (API-key exchange, OpenAPI documents)."""
        return self.urls[0]

    def attempt_order(self) -> list[str]:
        """Every replica once: the next in turn first, replicas marked down last."""
        if len(self.urls) == 1:
            return list(self.urls)
        start = next(self._turn) % len(self.urls)
        rotated = self.urls[start:] + self.urls[:start]
        now = self._clock()
        up = [url for url in rotated if self._down_until.get(url, 0.0) <= now]
        down = [url for url in rotated if self._down_until.get(url, 0.0) > now]
        return up + down

    def mark_down(self, url: str) -> None:
        if len(self.urls) == 1:
            return
        if self._down_until.get(url, 0.0) <= self._clock():
            log.warning("upstream replica marked down", service=self.service, url=url)
        self._down_until[url] = self._clock() + self._down_seconds

    def mark_up(self, url: str) -> None:
        self._down_until.pop(url, None)

    def is_down(self, url: str) -> bool:
        return self._down_until.get(url, 0.0) > self._clock()
