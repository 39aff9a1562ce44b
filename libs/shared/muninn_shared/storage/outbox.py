"""Transactional outbox: a state change and the event announcing it commit together.

Writers call :meth:`Outbox.put` with the session of their transaction. The
:class:`OutboxRelay` publishes pending events in insertion order and marks them published.
A crash between publish and mark republishes the event: consumers are idempotent, so that is
harmless; an event is never lost once its transaction committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from muninn_shared.events import EventEnvelope, spec_for
from muninn_shared.logging import get_logger
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read

log = get_logger(__name__)

OUTBOX = "outbox"
LEASES = "outbox_leases"

Publish = Callable[[str, EventEnvelope], Awaitable[None]]

# Events that confirm an erasure: never discarded with the erased user's pending events.
ERASURE_RECEIPTS = frozenset({"privacy.erasure.completed", "identity.user.erased"})


class Outbox:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db
        self._wakeup = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await ensure_index(self._db[OUTBOX], [("published_at", ASCENDING), ("_id", ASCENDING)])
        await ensure_index(self._db[OUTBOX], "user_id")
        await ensure_index(self._db[OUTBOX], "event_id", unique=True)

    async def put(
        self, event: EventEnvelope, session: AsyncClientSession | None, *, topic: str | None = None
    ) -> None:
        """Record ``event`` inside the caller's transaction (``session``).

        ``topic`` overrides the catalogue's topic; only for dead-letter topics.
        """
        await self._db[OUTBOX].insert_one(self._row(event, topic), session=session)
        self._wakeup.set()

    async def put_many(
        self, events: Sequence[EventEnvelope], session: AsyncClientSession | None
    ) -> None:
        """Record several events in one round trip, in order, inside the caller's transaction."""
        if not events:
            return
        await self._db[OUTBOX].insert_many([self._row(e, None) for e in events], session=session)
        self._wakeup.set()

    @staticmethod
    def _row(event: EventEnvelope, topic: str | None) -> dict[str, Any]:
        return {
            "_id": ObjectId(),
            "event_id": str(event.id),
            "topic": topic or spec_for(event.type).topic.value,
            "user_id": event.subject,
            "envelope": event.model_dump(mode="json"),
            "created_at": datetime.now(UTC),
            "published_at": None,
        }

    def poke(self) -> None:
        self._wakeup.set()

    async def wait(self, timeout: float) -> bool:
        """Wait for a local put or the timeout; True when a put woke us."""
        woken = False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wakeup.wait()
            woken = True
        self._wakeup.clear()
        return woken

    async def pending(self, limit: int) -> list[dict[str, Any]]:
        cursor = self._db[OUTBOX].find({"published_at": None}).sort("_id", ASCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def mark_published(self, ids: list[ObjectId]) -> None:
        # Published rows are deleted, not flagged: Kafka is now the record, and an erased
        # user must leave no trace here.
        await self._db[OUTBOX].delete_many({"_id": {"$in": ids}})

    async def discard_pending_for(self, user_id: str, session: AsyncClientSession | None) -> int:
        """Drop unpublished events about an erased user so they cannot recreate data downstream.

        The erasure's own receipt stays: it carries no personal data, and without it the
        erasure would never be confirmed (a sweep after the erasure must not swallow it).
        """
        result = await self._db[OUTBOX].delete_many(
            {"user_id": user_id, "envelope.type": {"$nin": list(ERASURE_RECEIPTS)}},
            session=session,
        )
        return result.deleted_count


QUICK_RETRY_DELAYS = (0.02, 0.05, 0.1, 0.25)


class OutboxRelay:
    """Publishes a service's outbox. Among replicas, one holds a lease and publishes.

    One publisher at a time keeps each user's events in commit order.
    """

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        outbox: Outbox,
        publish: Publish,
        *,
        name: str,
        poll_interval: float = 0.2,
        batch_size: int = 100,
        lease_seconds: float = 10.0,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._publish = publish
        self._name = name
        self._poll = poll_interval
        self._batch = batch_size
        self._lease = lease_seconds
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._task: asyncio.Task[None] | None = None
        self._lease_valid_until: datetime | None = None
        self.published = 0

    async def _hold_lease(self) -> bool:
        now = datetime.now(UTC)
        # Renew only once half the lease has run out: an idle relay would otherwise write the
        # lease document on every poll.
        if self._lease_valid_until is not None and now < self._lease_valid_until:
            return True
        self._lease_valid_until = None
        try:
            doc = await update_one_and_read(
                self._db[LEASES],
                {"_id": self._name, "$or": [{"owner": self._owner}, {"expires_at": {"$lt": now}}]},
                {
                    "$set": {
                        "owner": self._owner,
                        "expires_at": now + timedelta(seconds=self._lease),
                    }
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # another replica holds a live lease
        held = doc is not None and doc.get("owner") == self._owner
        if held:
            self._lease_valid_until = now + timedelta(seconds=self._lease / 2)
        return held

    async def run_once(self) -> int:
        """Publish one batch; returns how many events went out."""
        if not await self._hold_lease():
            return 0
        docs = await self._outbox.pending(self._batch)
        done: list[ObjectId] = []
        try:
            for doc in docs:
                envelope = EventEnvelope.model_validate(doc["envelope"])
                await self._publish(doc["topic"], envelope)
                done.append(doc["_id"])
        finally:
            if done:
                await self._outbox.mark_published(done)
                self.published += len(done)
        return len(done)

    async def _loop(self) -> None:
        # A local put wakes the relay before its transaction has committed, so after a wake-up
        # the relay looks again a few times at short intervals; idle, it polls every
        # ``poll_interval`` for rows written by other replicas.
        quick_retries = 0
        while True:
            try:
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except (PyMongoError, OSError, Exception) as exc:  # keep relaying through outages
                log.warning("outbox relay error", relay=self._name, error=repr(exc))
                self._lease_valid_until = None
                sent = 0
                await asyncio.sleep(min(self._poll * 5, 2.0))
            if sent >= self._batch:
                continue
            if sent:
                quick_retries = 0
            if quick_retries:
                quick_retries -= 1
                if await self._outbox.wait(QUICK_RETRY_DELAYS[-1 - quick_retries]):
                    quick_retries = len(QUICK_RETRY_DELAYS)
                continue
            if await self._outbox.wait(self._poll):
                quick_retries = len(QUICK_RETRY_DELAYS)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"outbox-relay:{self._name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(PyMongoError):
            await self._db[LEASES].delete_one({"_id": self._name, "owner": self._owner})
