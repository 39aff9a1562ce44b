"""Password hashing with argon2id (RFC 9106 parameters, tunable by settings).

Each hash or verification holds ``memory_cost_kib`` of memory (64 MiB by default) on a worker
thread for its whole run, so a burst of sign-ins could otherwise take the process past its
memory limit. A fixed number of slots runs at once, a short queue waits for them, and a
caller beyond that is told to come back (503 with Retry-After) instead of piling up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError

log = get_logger(__name__)

T = TypeVar("T")


class HashingSlots:
    """At most ``size`` hashes at once; at most ``max_waiting`` callers queued for a slot,
    each for at most ``max_wait_seconds``."""

    def __init__(
        self, *, size: int, max_waiting: int, max_wait_seconds: float, retry_after_seconds: int
    ) -> None:
        self.size = size
        self._free = asyncio.Semaphore(size)
        self._max_waiting = max_waiting
        self._max_wait = max_wait_seconds
        self._retry_after = retry_after_seconds
        self._waiting = 0

    async def acquire(self) -> None:
        if not self._free.locked():
            await self._free.acquire()
            return
        if self._waiting >= self._max_waiting:
            raise self._busy()
        self._waiting += 1
        try:
            await asyncio.wait_for(self._free.acquire(), self._max_wait)
        except TimeoutError:
            raise self._busy() from None
        finally:
            self._waiting -= 1

    def release(self) -> None:
        self._free.release()

    def _busy(self) -> ProblemError:
        log.warning("password hashing at capacity", slots=self.size, waiting=self._waiting)
        return ProblemError(
            503,
            "Too many sign-ins are being checked right now; try again shortly.",
            code="password-hashing-busy",
            headers={"Retry-After": str(self._retry_after)},
        )


class Passwords:
    def __init__(
        self,
        *,
        time_cost: int,
        memory_cost_kib: int,
        slots: HashingSlots,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._hasher = hasher or PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1
        )
        self._slots = slots
        # Verifying against a real hash for unknown emails keeps login timing uniform.
        self._decoy = self._hasher.hash("muninn-decoy-password")

    async def hash(self, password: str) -> str:
        return await self._in_slot(lambda: self._hasher.hash(password))

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return (
                    self._hasher.verify(stored_hash or self._decoy, password)
                    and stored_hash is not None
                )
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await self._in_slot(check)

    async def _in_slot(self, work: Callable[[], T]) -> T:
        await self._slots.acquire()
        running = asyncio.ensure_future(asyncio.to_thread(work))
        # The slot is free when the thread is, not when the caller stops waiting: a request
        # cancelled mid-hash leaves its thread (and its memory) running to the end.
        running.add_done_callback(self._release_slot)
        return await asyncio.shield(running)

    def _release_slot(self, done: asyncio.Future[Any]) -> None:
        self._slots.release()
        if not done.cancelled():
            done.exception()  # retrieved here so an abandoned hash leaves no warning

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
