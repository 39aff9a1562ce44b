"""Client-side long polling for brokers that answer an empty fetch at once.

A Kafka broker holds a fetch that finds no data for up to ``fetch.max.wait.ms`` before it
answers, so an idle consumer costs next to nothing. Some Kafka-protocol servers (the embedded
one ``make run`` uses among them) answer immediately, and aiokafka then re-fetches in a tight
loop: each idle consumer burns a fifth of a core. After an empty fetch that came back early,
the fetcher here waits out the rest of ``fetch_max_wait_ms`` itself.

It replaces a private aiokafka method, so it is installed only against the development broker:
when ``MUNINN_KAFKA_PACE_EMPTY_FETCHES`` is set, which the dev stack (``muninn_devstack``) and the
test fixtures do when they start the packaged broker. Production processes never install it.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.consumer.fetcher import Fetcher

_PACED_MARKER = "_muninn_paced"


def pace_empty_fetches(sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Install the pacing once per process (idempotent). ``sleep`` waits out the rest of an
    empty fetch; it is given rather than looked up on ``asyncio`` so that replacing it touches
    this wait alone."""
    original = Fetcher._proc_fetch_request
    if getattr(original, _PACED_MARKER, False):
        return

    # ``__wrapped__`` (inspect.unwrap) leads back to aiokafka's own method.
    @functools.wraps(original)
    async def paced(self: Fetcher, assignment: Any, node_id: Any, request: Any) -> bool:
        started = time.monotonic()
        got_records: bool = await original(self, assignment, node_id, request)
        if not got_records:
            remaining = self._fetch_max_wait_ms / 1000 - (time.monotonic() - started)
            if remaining > 0:
                try:
                    await sleep(remaining)
                except asyncio.CancelledError:
                    # aiokafka cancels fetch tasks on close or reassignment and expects them
                    # to end quietly, as its own coroutine does.
                    return False
        return got_records

    setattr(paced, _PACED_MARKER, True)
    Fetcher._proc_fetch_request = paced  # type: ignore[method-assign]
