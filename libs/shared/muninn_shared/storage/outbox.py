"""Transactional outbox: a state change and the event announcing it commit together.

Writers call :meth:`Outbox.put` with the session of their transaction. The
:class:`OutboxRelay` publishes pending events in insertion order and marks them published.
A crash between publish and mark republishes the event: consumers are idempotent, so that is
harmless; an event is never lost once its transaction committed.

Every event is measured when it is written and cut to ``max_event_bytes`` (see
:mod:`muninn_shared.events.bounds`). A row the broker can never take (too large, not a valid
envelope, an unknown type, unserializable) is moved to the ``outbox_dead_letters`` collection
with its error, and the relay carries on with the rows after it: one bad row must not hold
back every event of the service. Broker and database outages are not the row's fault; the
relay waits them out. ``python -m muninn_shared.storage.outbox_dead_letters`` lists, shows and
re-queues what was set aside.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka.errors import (
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)
from bson import ObjectId
from pydantic import ValidationError
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from muninn_shared.events import EventEnvelope, spec_for
from muninn_shared.events.bounds import DEFAULT_EVENT_MAX_BYTES, encode_envelope, fit_event
from muninn_shared.events.catalogue import UnknownEventTypeError
from muninn_shared.events.sealing import fit_sealed_event
from muninn_shared.logging import get_logger
from muninn_shared.messaging.event_keys import UserErasedError
from muninn_shared.metrics import METRICS
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import in_transaction, update_one_and_read

log = get_logger(__name__)

OUTBOX = "outbox"
LEASES = "outbox_leases"
DEAD_LETTERS = "outbox_dead_letters"

Publish = Callable[[str, EventEnvelope], Awaitable[None]]
Seal = Callable[[EventEnvelope], Awaitable[EventEnvelope]]

# Events that confirm an erasure: never discarded with the erased user's pending events.
ERASURE_RECEIPTS = frozenset({"privacy.erasure.completed", "identity.user.erased"})

# What the broker answers about the record itself; retrying the same bytes cannot succeed.
UNDELIVERABLE_KAFKA_ERRORS = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    InvalidTopicError,
)


class UndeliverableRowError(Exception):
    """An outbox row that no retry can publish; it is set aside with this reason."""


class Outbox:
    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        *,
        max_event_bytes: int = DEFAULT_EVENT_MAX_BYTES,
        sealed: bool = False,
    ) -> None:
        """``sealed``: the relay seals personal fields, so the sealed event must fit the cap."""
        self._db = db
        self.max_event_bytes = max_event_bytes
        self._fit = fit_sealed_event if sealed else fit_event
        self._wakeup = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await ensure_index(self._db[OUTBOX], [("published_at", ASCENDING), ("_id", ASCENDING)])
        await ensure_index(self._db[OUTBOX], "user_id")
        await ensure_index(self._db[OUTBOX], "event_id", unique=True)
        await ensure_index(self._db[DEAD_LETTERS], "user_id")

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

    def _row(self, event: EventEnvelope, topic: str | None) -> dict[str, Any]:
        """The row for ``event``, its payload cut to the cap (EventTooLargeError if it cannot be)."""
        fitted = self._fit(event, self.max_event_bytes)
        if fitted is not event:
            log.info(
                "event text cut to fit the event size cap",
                event_id=str(event.id),
                event_type=event.type,
                max_bytes=self.max_event_bytes,
            )
        return {
            "_id": ObjectId(),
            "event_id": str(fitted.id),
            "topic": topic or spec_for(fitted.type).topic.value,
            "user_id": fitted.subject,
            "envelope": fitted.model_dump(mode="json"),
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
        about_user = {"user_id": user_id, "envelope.type": {"$nin": list(ERASURE_RECEIPTS)}}
        result = await self._db[OUTBOX].delete_many(about_user, session=session)
        set_aside = await self._db[DEAD_LETTERS].delete_many(about_user, session=session)
        return result.deleted_count + set_aside.deleted_count

    def checked(self, row: dict[str, Any]) -> tuple[str, EventEnvelope]:
        """The topic and envelope of a pending row, or UndeliverableRowError saying why not."""
        try:
            topic, raw = row["topic"], row["envelope"]
        except KeyError as exc:
            raise UndeliverableRowError(f"invalid outbox row: no {exc.args[0]}") from None
        if not isinstance(topic, str) or not topic:
            raise UndeliverableRowError("invalid outbox row: no topic")
        try:
            envelope = EventEnvelope.model_validate(raw)
        except ValidationError as exc:
            raise UndeliverableRowError(f"invalid envelope: {exc}") from None
        try:
            spec_for(envelope.type)
        except UnknownEventTypeError:
            raise UndeliverableRowError(f"unknown event type: {envelope.type}") from None
        try:
            size = len(encode_envelope(envelope))
        except (TypeError, ValueError) as exc:
            raise UndeliverableRowError(f"serialization error: {exc!r}") from None
        if size > self.max_event_bytes:
            raise UndeliverableRowError(
                f"message too large: {size} bytes, the cap is {self.max_event_bytes}"
            )
        return topic, envelope

    async def set_aside(self, row: dict[str, Any], error: str) -> None:
        """Move ``row`` from the outbox to the dead letters, with ``error``, in one transaction.

        The dead letter keeps the row's ``_id``: a crash or a retry of this move rewrites the
        same dead letter, so the row is never lost nor set aside twice.
        """
        dead_letter = {**row, "error": error[:2000], "dead_lettered_at": datetime.now(UTC)}

        async def move(session: AsyncClientSession) -> None:
            await self._db[DEAD_LETTERS].replace_one(
                {"_id": row["_id"]}, dead_letter, upsert=True, session=session
            )
            await self._db[OUTBOX].delete_one({"_id": row["_id"]}, session=session)

        await in_transaction(self._db.client, move)

    async def backlog(self) -> tuple[int, datetime | None]:
        """How many rows wait to be published, and when the oldest was written.

        Both walk the ``(published_at, _id)`` index: published rows are deleted, so what is
        left is the backlog itself, and the smallest ``_id`` is the oldest row."""
        waiting = {"published_at": None}
        count = await self._db[OUTBOX].count_documents(waiting)
        oldest = await self._db[OUTBOX].find_one(
            waiting, {"created_at": 1}, sort=[("published_at", ASCENDING), ("_id", ASCENDING)]
        )
        created = oldest.get("created_at") if oldest else None
        return count, created if isinstance(created, datetime) else None

    async def dead_letter_count(self) -> int:
        return await self._db[DEAD_LETTERS].count_documents({})

    async def dead_letters(self, limit: int = 100) -> list[dict[str, Any]]:
        """The rows set aside, newest first."""
        cursor = self._db[DEAD_LETTERS].find({}).sort("_id", DESCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def dead_letter(self, dead_letter_id: ObjectId) -> dict[str, Any] | None:
        return await self._db[DEAD_LETTERS].find_one({"_id": dead_letter_id})

    async def requeue(self, dead_letter_id: ObjectId) -> ObjectId | None:
        """Put a dead letter back at the end of the outbox; the id of its new row, or None.

        A valid envelope goes through the size cap again (so a message set aside as too large
        goes out cut); anything else goes back as it was, to be set aside again if still bad.
        """
        doc = await self.dead_letter(dead_letter_id)
        if doc is None:
            return None
        row = {
            key: value
            for key, value in doc.items()
            if key not in ("_id", "error", "dead_lettered_at")
        }
        with contextlib.suppress(ValidationError, KeyError, TypeError):
            envelope = EventEnvelope.model_validate(doc["envelope"])
            row = self._row(envelope, doc.get("topic"))
        row["_id"] = ObjectId()
        row["created_at"] = datetime.now(UTC)
        row["requeued_from"] = dead_letter_id

        async def move(session: AsyncClientSession) -> None:
            await self._db[OUTBOX].insert_one(row, session=session)
            await self._db[DEAD_LETTERS].delete_one({"_id": dead_letter_id}, session=session)

        await in_transaction(self._db.client, move)
        self._wakeup.set()
        new_id: ObjectId = row["_id"]
        return new_id


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
        seal: Seal | None = None,
    ) -> None:
        """``seal`` seals an event's personal fields before it is published."""
        self._db = db
        self._seal = seal
        self._outbox = outbox
        self._publish = publish
        self._name = name
        self._poll = poll_interval
        self._batch = batch_size
        self._lease = lease_seconds
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._lease_valid_until: datetime | None = None
        self.published = 0
        self.dead_lettered = 0

    @property
    def outbox(self) -> Outbox:
        """The outbox this relay drains."""
        return self._outbox

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
        """Publish one batch; returns how many rows it handled (published or set aside).

        A row that cannot be published whatever the retries is set aside and the rows after it
        go out; any other error (the broker or the database unreachable) ends the batch, and
        the loop tries again from the same row.
        """
        if not await self._hold_lease():
            return 0
        docs = await self._outbox.pending(self._batch)
        done: list[ObjectId] = []
        set_aside = 0
        try:
            for doc in docs:
                try:
                    topic, envelope = self._outbox.checked(doc)
                    if self._seal is not None:
                        envelope = await self._seal(envelope)
                    await self._publish(topic, envelope)
                except UndeliverableRowError as exc:
                    await self._set_aside(doc, str(exc))
                    set_aside += 1
                    continue
                except UNDELIVERABLE_KAFKA_ERRORS as exc:
                    await self._set_aside(doc, f"refused by Kafka: {exc!r}")
                    set_aside += 1
                    continue
                except UserErasedError:
                    # Erased meanwhile: its key is gone and nothing of it may be published.
                    log.info(
                        "outbox event of an erased user dropped",
                        relay=self._name,
                        event_id=doc.get("event_id"),
                        user_id=doc.get("user_id"),
                    )
                done.append(doc["_id"])
        finally:
            if done:
                await self._outbox.mark_published(done)
                self.published += len(done)
                METRICS.outbox_published.add(len(done))
        return len(done) + set_aside

    async def _set_aside(self, row: dict[str, Any], error: str) -> None:
        await self._outbox.set_aside(row, error)
        self.dead_lettered += 1
        METRICS.outbox_set_aside.add(1)
        envelope = row.get("envelope")
        log.error(
            "outbox event set aside as undeliverable",
            relay=self._name,
            row_id=str(row.get("_id")),
            event_id=row.get("event_id"),
            event_type=envelope.get("type") if isinstance(envelope, dict) else None,
            topic=row.get("topic"),
            # The reason only: the error itself (kept with the dead letter) can quote the row.
            reason=error.split(":", 1)[0],
            dead_letters=await self._outbox.dead_letter_count(),
            command="python -m muninn_shared.storage.outbox_dead_letters list",
        )

    async def _report_dead_letters(self) -> None:
        with contextlib.suppress(PyMongoError):
            count = await self._outbox.dead_letter_count()
            if count:
                log.warning(
                    "outbox dead letters waiting for an operator",
                    relay=self._name,
                    dead_letters=count,
                    command="python -m muninn_shared.storage.outbox_dead_letters list",
                )

    async def run(self) -> None:
        """The relay loop; it runs under the service's background tasks until cancelled."""
        # A local put wakes the relay before its transaction has committed, so after a wake-up
        # the relay looks again a few times at short intervals; idle, it polls every
        # ``poll_interval`` for rows written by other replicas.
        quick_retries = 0
        await self._report_dead_letters()
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

    async def release_lease(self) -> None:
        """Once the loop has stopped: let another replica take over without waiting."""
        with contextlib.suppress(PyMongoError):
            await self._db[LEASES].delete_one({"_id": self._name, "owner": self._owner})
