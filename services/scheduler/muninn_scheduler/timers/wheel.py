"""The timer wheel: claims due timers and fires each one exactly once in effect.

Firing runs the kind's handler, marks the timer fired and records ``scheduler.timer.fired``
in the outbox, all in one transaction that only commits while this replica still holds the
claim. A replica killed mid-fire leaves a claim whose lease runs out; another replica (or
this one, restarted) takes it over and the half-done transaction never happened.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from muninn_shared.events import new_event
from muninn_shared.events.payloads import TimerFired
from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.timers.models import DueTimer, Misfire, TimerStatus
from muninn_scheduler.timers.store import TimerStore

log = get_logger(__name__)

SOURCE = "scheduler"


class Outcome(StrEnum):
    FIRED = "fired"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class FireContext:
    now: datetime
    missed: bool
    """Past due by more than the timer's grace (the scheduler was down)."""

    def skip(self, timer: DueTimer) -> bool:
        return self.missed and timer.misfire == Misfire.SKIP


TimerHandler = Callable[[DueTimer, FireContext, AsyncClientSession], Awaitable[Outcome]]


class LostClaimError(Exception):
    """Another replica took this timer over; our transaction must not commit."""


class TimerWheel:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: TimerStore,
        outbox: Outbox,
        clock: Clock,
        owner: str,
        lease_seconds: float = 30.0,
        batch_size: int = 100,
        concurrency: int = 8,
        poll_interval: float = 0.5,
        max_attempts: int = 5,
        retry_base_seconds: float = 5.0,
    ) -> None:
        self._client = client
        self._store = store
        self._outbox = outbox
        self._clock = clock
        self._owner = owner
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch_size
        self._concurrency = concurrency
        self._poll = poll_interval
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._handlers: dict[str, TimerHandler] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.fired = 0

    def register(self, kind: str, handler: TimerHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for timer kind '{kind}' is already registered")
        self._handlers[kind] = handler

    def poke(self) -> None:
        """A timer was added that may be due soon: look now rather than at the next poll."""
        self._wake.set()

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"timer-wheel:{self._owner}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception as exc:  # a store hiccup must not stop the wheel
                log.warning("timer pass failed", error=repr(exc))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def run_due(self) -> int:
        """Fire everything due now (including abandoned claims); returns how many fired."""
        total = 0
        while True:
            token, docs = await self._store.claim_due(
                self._owner, self._clock.now(), lease=self._lease, batch=self._batch
            )
            if not docs:
                return total
            gate = asyncio.Semaphore(self._concurrency)
            results = await asyncio.gather(
                *(self._fire_gated(gate, DueTimer.from_doc(doc), token) for doc in docs)
            )
            total += sum(results)

    async def _fire_gated(self, gate: asyncio.Semaphore, timer: DueTimer, token: str) -> bool:
        async with gate:
            return await self._fire(timer, token)

    async def _fire(self, timer: DueTimer, token: str) -> bool:
        handler = self._handlers.get(timer.kind)
        now = self._clock.now()
        if handler is None:
            await self._fail(timer, token, f"no handler for timer kind '{timer.kind}'")
            return False
        context = FireContext(now=now, missed=timer.missed(now))

        async def work(session: AsyncClientSession) -> Outcome:
            outcome = await handler(timer, context, session)
            status = TimerStatus.FIRED if outcome == Outcome.FIRED else TimerStatus.SKIPPED
            if not await self._store.complete(timer.id, token, status, now, session):
                raise LostClaimError(timer.id)
            event = TimerFired(
                user_id=timer.user_id,
                timer_id=timer.id,
                kind=timer.kind,
                ref_id=timer.ref_id,
                due_at=timer.due_at,
                fired_at=now,
                late_seconds=max(0.0, (now - timer.due_at).total_seconds()),
            )
            await self._outbox.put(
                new_event(
                    "scheduler.timer.fired", source=SOURCE, subject=timer.user_id, data=event
                ),
                session,
            )
            return outcome

        try:
            outcome = await in_transaction(self._client, work)
        except LostClaimError:
            log.info("timer claim lost to another replica", timer_id=timer.id)
            return False
        except Exception as exc:
            log.warning("timer handler failed", timer_id=timer.id, kind=timer.kind, error=repr(exc))
            if timer.attempts >= self._max_attempts:
                await self._fail(timer, token, repr(exc))
            else:
                delay = self._retry_base * (2 ** (timer.attempts - 1))
                await self._store.release(
                    timer.id, token, now + timedelta(seconds=delay), repr(exc)
                )
            return False
        self.fired += 1
        self._outbox.poke()
        return outcome == Outcome.FIRED

    async def _fail(self, timer: DueTimer, token: str, error: str) -> None:
        async def work(session: AsyncClientSession) -> None:
            await self._store.complete(
                timer.id, token, TimerStatus.FAILED, self._clock.now(), session, error=error
            )

        await in_transaction(self._client, work)
        log.error("timer failed permanently", timer_id=timer.id, kind=timer.kind, error=error)
