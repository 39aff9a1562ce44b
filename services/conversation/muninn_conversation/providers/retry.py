"""Retrying a provider call — only while nothing has reached the user yet.

Rate limits, 5xx/overload answers and connection failures are retried with exponential
backoff and jitter, honouring the provider's Retry-After. Once the first token has been
yielded a retry would duplicate text the user already sees, so failures then surface as they
are. Timeouts are not retried either: the user has already waited the whole timeout once.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from muninn_shared.logging import get_logger

from muninn_conversation.providers.models import ProviderError, StreamEvent

log = get_logger(__name__)

AUTO_RETRY: frozenset[str] = frozenset({"rate_limited", "unavailable", "connection"})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    base_seconds: float = 0.5
    max_seconds: float = 20.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number ``retry`` (0-based); None if the provider asks for too long."""
        if retry_after is not None:
            if retry_after > self.max_seconds:
                return None
            # A little on top so a fleet of replicas does not return in the same instant.
            return retry_after + self.rng.uniform(0, min(1.0, retry_after * 0.1))
        backoff = min(self.max_seconds, self.base_seconds * 2.0**retry)
        return backoff / 2 + self.rng.uniform(0, backoff / 2)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``retry-after-ms`` (OpenAI) or ``Retry-After`` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def with_retries(
    attempt: Callable[[], AsyncGenerator[StreamEvent, None]], policy: RetryPolicy, *, provider: str
) -> AsyncIterator[StreamEvent]:
    retry = 0
    while True:
        started = False
        try:
            async with aclosing(attempt()) as events:
                async for event in events:
                    started = True
                    yield event
            return
        except ProviderError as exc:
            if started or exc.kind not in AUTO_RETRY:
                raise
            if retry >= policy.max_retries:
                if retry == 0:
                    raise
                raise _with_note(exc, f" (gave up after {retry + 1} attempts)") from exc
            wait = policy.delay(retry, exc.retry_after)
            if wait is None:
                asked = math.ceil(exc.retry_after or 0)
                raise _with_note(exc, f"; it asked to retry after {asked} s") from exc
            log.warning(
                "provider call failed; retrying",
                provider=provider,
                kind=exc.kind,
                status=exc.status,
                retry=retry + 1,
                wait_seconds=round(wait, 3),
            )
            await policy.sleep(wait)
            retry += 1


def _with_note(exc: ProviderError, note: str) -> ProviderError:
    return ProviderError(
        exc.message + note,
        provider=exc.provider,
        kind=exc.kind,
        status=exc.status,
        retry_after=exc.retry_after,
    )
