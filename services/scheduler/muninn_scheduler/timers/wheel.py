"""The timer wheel: claims due timers and fires each one exactly once in effect.

Firing runs the kind's handler over a chunk of claimed timers, marks them fired and records
``scheduler.timer.fired`` in the outbox, all in one transaction that only commits while this
replica still holds every claim in the chunk. A replica killed mid-fire leaves claims whose
lease runs out; another replica (or this one, restarted) takes them over and the half-done
transaction never happened. A side effect outside the database (a webhook, an e-mail) is
made before that transaction, never inside it (``register_call``), so retrying the
transaction does not repeat it.

Handlers work on chunks so a backlog costs a handful of bulk writes per chunk rather than a
dozen round trips per timer. A chunk that fails (a poison timer, a lost claim) is split and
its timers fired one by one, so one bad timer never holds the others back.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.events.payloads import TimerFired
from muninn_shared.logging import get_logger
from muninn_shared.metrics import METRICS
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from muninn_shared.storage.routed import across_stores
from muninn_shared.storage.routes import RouteTable
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.timers.models import DueTimer, Misfire
from muninn_scheduler.timers.store import DueRef, TimerStore

log = get_logger(__name__)

SOURCE = "scheduler"


class Outcome(StrEnum):
    FIRED = "fired"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class FireContext:
    now: datetime

    def missed(self, timer: DueTimer) -> bool:
        """Past due by more than the timer's grace (the scheduler was down)."""
        return timer.missed(self.now)

    def skip(self, timer: DueTimer) -> bool:
        return self.missed(timer) and timer.misfire == Misfire.SKIP


TimerHandler = Callable[[DueTimer, FireContext, AsyncClientSession], Awaitable[Outcome]]
BatchHandler = Callable[
    [Sequence[DueTimer], FireContext, AsyncClientSession], Awaitable[Sequence[Outcome]]
]
Recorder = Callable[[AsyncClientSession], Awaitable[Outcome]]
OutsideCall = Callable[[DueTimer, FireContext], Awaitable[Recorder]]
Prepare = Callable[[Sequence[DueTimer], FireContext], Awaitable[BatchHandler]]


@dataclass(frozen=True)
class _Registration:
    prepare: Prepare  # runs outside the transaction; answers the handler that runs inside
    max_batch: int


def _ready(handler: BatchHandler) -> Prepare:
    async def prepare(timers: Sequence[DueTimer], context: FireContext) -> BatchHandler:
        return handler

    return prepare


class LostClaimError(Exception):
    """Another replica took a timer over; our transaction must not commit."""


def claim_batches(due: Sequence[DueRef], sizes: dict[str, int]) -> list[list[str]]:
    """Group due timers into claim batches: one kind each, at most ``sizes[kind]`` long, and
    no two timers acting on the same object.

    Two timers for one reminder in one batch would both read it before either wrote it; in
    separate batches the second sees what the first did, as sequential firing would.
    """
    batches: list[list[str]] = []
    open_batches: dict[str, tuple[list[str], set[str]]] = {}
    deferred: list[DueRef] = []
    for ref in due:
        size = sizes.get(ref.kind, 1)
        batch, seen = open_batches.get(ref.kind, ([], set()))
        key = ref.ref_id or ref.id
        if key in seen:
            deferred.append(ref)
            continue
        batch.append(ref.id)
        seen.add(key)
        if len(batch) >= size:
            batches.append(batch)
            open_batches.pop(ref.kind, None)
        else:
            open_batches[ref.kind] = (batch, seen)
    batches.extend(batch for batch, _ in open_batches.values())
    if deferred:
        batches.extend(claim_batches(deferred, sizes))
    return batches


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
        poll_interval: float = 0.5,
        max_attempts: int = 5,
        retry_base_seconds: float = 5.0,
        scan_batches: int = 10,
        routes: RouteTable | None = None,
    ) -> None:
        """``routes``: BYOD users' own databases, whose timers fire like those on main."""
        self._client = client
        self._routes = routes
        self._store = store
        self._outbox = outbox
        self._clock = clock
        self._owner = owner
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch_size
        self._scan = batch_size * scan_batches
        self._poll = poll_interval
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._handlers: dict[str, _Registration] = {}
        self._wake = asyncio.Event()
        self.fired = 0

    def register(self, kind: str, handler: TimerHandler) -> None:
        """A handler that fires one timer at a time (e.g. it calls out over the network)."""

        async def one_by_one(
            timers: Sequence[DueTimer], context: FireContext, session: AsyncClientSession
        ) -> list[Outcome]:
            return [await handler(timer, context, session) for timer in timers]

        self._add(kind, _Registration(_ready(one_by_one), 1))

    def register_batch(self, kind: str, handler: BatchHandler, *, max_batch: int = 0) -> None:
        """A handler that fires a chunk with bulk reads and writes; outcomes in input order."""
        self._add(kind, _Registration(_ready(handler), max_batch or self._batch))

    def register_call(self, kind: str, call: OutsideCall) -> None:
        """A handler with a side effect no transaction can take back (an HTTP call, an
        e-mail): ``call`` runs once per firing, outside any transaction, while this replica
        holds the claim; the ``Recorder`` it answers writes the outcome inside the firing
        transaction, and only that part is run again when the transaction is retried.

        A crash between the call and the commit fires the timer again once the claim lapses:
        such calls are at least once, and carry a stable id for the receiver to de-duplicate.
        """

        async def prepare(timers: Sequence[DueTimer], context: FireContext) -> BatchHandler:
            (timer,) = timers
            record = await call(timer, context)

            async def recorded(
                _: Sequence[DueTimer], __: FireContext, session: AsyncClientSession
            ) -> list[Outcome]:
                return [await record(session)]

            return recorded

        self._add(kind, _Registration(prepare, 1))

    def _add(self, kind: str, registration: _Registration) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for timer kind '{kind}' is already registered")
        self._handlers[kind] = registration

    def poke(self) -> None:
        """A timer was added that may be due soon: look now rather than at the next poll."""
        self._wake.set()

    # -- running -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Fire what is due, then wait for the poll interval or a poke; until cancelled.

        The service runs it under its BackgroundTasks (restarted with back-off if it crashes)."""
        while True:
            try:
                await self.run_due()
            except Exception as exc:  # a store hiccup must not stop the wheel
                log.warning("timer pass failed", error=repr(exc))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    async def run_due(self) -> int:
        """Fire everything due now on every store (main, then each BYOD user's own)."""
        return sum(await across_stores(self._routes, self._run_due_here))

    async def _run_due_here(self) -> int:
        """Fire everything due now (including abandoned claims); returns how many fired.

        One scan lists many due timers; claims then take them a batch at a time. Replicas
        start at different points of the list so they rarely race for the same batch.
        """
        total = 0
        sizes = {kind: reg.max_batch for kind, reg in self._handlers.items()}
        contested: set[str] = set()  # could not be claimed this pass: left for the next one
        while True:
            due = [
                ref
                for ref in await self._store.due(self._clock.now(), self._scan)
                if ref.id not in contested
            ]
            if not due:
                return total
            batches = claim_batches(due, sizes)
            start = random.randrange(len(batches))
            for ids in batches[start:] + batches[:start]:
                token, docs = await self._store.claim(
                    ids, self._owner, self._clock.now(), lease=self._lease
                )
                contested.update(set(ids) - {doc["_id"] for doc in docs})
                if docs:
                    total += await self._fire_claimed(token, docs)

    async def _fire_claimed(self, token: str, docs: list[dict[str, Any]]) -> int:
        timers = [DueTimer.from_doc(doc) for doc in docs]
        registration = self._handlers.get(timers[0].kind)
        if registration is None:
            for timer in timers:
                await self._store.fail(
                    timer.id, token, self._clock.now(), f"no handler for timer kind '{timer.kind}'"
                )
            return 0
        if registration.max_batch == 1:
            return await self._one_by_one(registration, timers, token)
        return await self._fire(registration, timers, token, whole_claim=True)

    async def _fire(
        self,
        registration: _Registration,
        chunk: list[DueTimer],
        token: str,
        *,
        whole_claim: bool = False,
    ) -> int:
        now = self._clock.now()
        context = FireContext(now=now)

        async def work(session: AsyncClientSession) -> Sequence[Outcome]:
            outcomes = await handler(chunk, context, session)
            fired = [t.id for t, o in zip(chunk, outcomes, strict=True) if o == Outcome.FIRED]
            skipped = [t.id for t, o in zip(chunk, outcomes, strict=True) if o != Outcome.FIRED]
            if not await self._store.complete(
                token, fired, skipped, now, session, whole_claim=whole_claim
            ):
                raise LostClaimError(token)
            await self._outbox.put_many([self._fired_event(t, now) for t in chunk], session)
            return outcomes

        try:
            handler = await registration.prepare(chunk, context)
            outcomes = await in_transaction(self._client, work)
        except LostClaimError:
            if len(chunk) > 1:
                return await self._one_by_one(registration, chunk, token)
            log.info("timer claim lost to another replica", timer_id=chunk[0].id)
            return 0
        except Exception as exc:
            if len(chunk) > 1:
                log.info("timer chunk failed; firing one by one", size=len(chunk), error=repr(exc))
                return await self._one_by_one(registration, chunk, token)
            await self._after_failure(chunk[0], token, now, exc)
            return 0
        self.fired += len(chunk)
        self._outbox.poke()
        for timer, outcome in zip(chunk, outcomes, strict=True):
            if outcome == Outcome.FIRED:
                METRICS.timer_lateness.record(
                    max(0.0, (now - timer.due_at).total_seconds()), {"kind": timer.kind}
                )
        return sum(1 for outcome in outcomes if outcome == Outcome.FIRED)

    @staticmethod
    def _fired_event(timer: DueTimer, now: datetime) -> EventEnvelope:
        return new_event(
            "scheduler.timer.fired",
            source=SOURCE,
            subject=timer.user_id,
            data=TimerFired(
                user_id=timer.user_id,
                timer_id=timer.id,
                kind=timer.kind,
                ref_id=timer.ref_id,
                due_at=timer.due_at,
                fired_at=now,
                late_seconds=max(0.0, (now - timer.due_at).total_seconds()),
            ),
        )

    async def _one_by_one(
        self, registration: _Registration, chunk: list[DueTimer], token: str
    ) -> int:
        started = time.monotonic()
        fired = 0
        for timer in chunk:
            if time.monotonic() - started > self._lease.total_seconds() / 3:
                # Slow one-by-one firing (network calls) must not let the rest of the claim lapse.
                await self._store.extend(token, self._clock.now() + self._lease)
                started = time.monotonic()
            fired += await self._fire(registration, [timer], token)
        return fired

    async def _after_failure(
        self, timer: DueTimer, token: str, now: datetime, exc: Exception
    ) -> None:
        log.warning("timer handler failed", timer_id=timer.id, kind=timer.kind, error=repr(exc))
        if timer.attempts >= self._max_attempts:
            await self._store.fail(timer.id, token, now, repr(exc))
            log.error("timer failed permanently", timer_id=timer.id, kind=timer.kind)
            return
        delay = self._retry_base * (2 ** (timer.attempts - 1))
        await self._store.release(timer.id, token, now + timedelta(seconds=delay), repr(exc))
