"""Typed event handlers on FastStream subscribers.

Each handler is registered for a topic and a set of event types. A delivery is:
parsed into an :class:`EventEnvelope`, checked against the catalogue (the source must be the
event's producer and the subject the user in its data), applied at most once per consumer
(the applied marker and the handler's writes share one MongoDB transaction), and retried with
backoff when the handler fails on it; after the last attempt it is published to the topic's
dead-letter topic with the error, then acknowledged — never silently dropped.

A failure that says MongoDB or Kafka is down (see :mod:`muninn_shared.messaging.outages`) is
not the event's fault: the consumer waits, with capped backoff and without committing its
offset, for as long as the outage lasts, then applies the event. If even the dead-letter
publish fails for another reason the message is not acknowledged and Kafka redelivers it.

Sealed personal fields (see :mod:`muninn_shared.events.sealing`) are opened with the user's
key before the handler runs. Identity not handing out the key is an outage like the others;
a user whose key erasure destroyed has nothing left to apply: the event is skipped (ids
logged), never dead-lettered. A sealed field that does not open is dead-lettered as untrusted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import structlog
from faststream.exceptions import NackMessage
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from pydantic import ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_shared.deadletters.records import (
    DEFAULT_MAX_BYTES,
    MAX_ERROR_CHARS,
    Origin,
    Reason,
    dead_letter_record,
)
from muninn_shared.events import EventEnvelope, Topic, dead_letter_topic
from muninn_shared.events.sealing import SealBrokenError
from muninn_shared.events.trust import untrusted_because
from muninn_shared.events.wire import decode_envelope
from muninn_shared.logging import get_logger
from muninn_shared.messaging.event_keys import EventKeys, UserErasedError
from muninn_shared.messaging.outages import MONGODB, unavailable_dependency
from muninn_shared.messaging.pacing import pace_empty_fetches as install_fetch_pacing
from muninn_shared.metrics import METRICS
from muninn_shared.model_calls import on_behalf_of
from muninn_shared.storage.idempotency import ProcessedEvents
from muninn_shared.storage.parking import ParkedEvents
from muninn_shared.storage.routed import serving
from muninn_shared.storage.routes import RouteTable, UserRoute
from muninn_shared.storage.tombstones import ErasureTombstones

log = get_logger(__name__)

Outcome = Literal["applied", "skipped", "parked", "dead_lettered", "not_wanted"]
"""What became of a delivery; ``not_wanted`` (another type on the topic) is not measured."""

TransactionalHandler = Callable[[EventEnvelope, AsyncClientSession], Awaitable[None]]


@dataclass(frozen=True)
class Waiting:
    """A consumer holding its partition until a dependency answers again."""

    consumer: str
    dependency: str
    since: datetime
    error: str


class EventConsumers:
    """Registers a service's event handlers on its broker."""

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        service: str,
        instance_id: str,
        processed: ProcessedEvents,
        tombstones: ErasureTombstones,
        max_attempts: int = 5,
        retry_base_seconds: float = 0.2,
        outage_backoff_max_seconds: float = 30.0,
        dead_letter_max_bytes: int = DEFAULT_MAX_BYTES,
        fetch_max_wait_ms: int = 100,
        group_prefix: str = "",
        pace_empty_fetches: bool = False,
        keys: EventKeys | None = None,
        routes: RouteTable | None = None,
        parked: ParkedEvents | None = None,
    ) -> None:
        """``pace_empty_fetches``: only against the development broker (see messaging/pacing.py).
        ``keys`` open sealed personal fields; None reads events as they come. ``routes``: where
        each user's content lives (a content service); an event is applied in its subject's.
        ``parked``: where events wait while their subject's own database is down."""
        self._broker = broker
        self._routes = routes
        self._parked = parked
        self._handlers: dict[str, TransactionalHandler] = {}
        self._keys = keys
        self._service = service
        self._instance_id = instance_id
        self._processed = processed
        self._tombstones = tombstones
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._outage_backoff_max = outage_backoff_max_seconds
        self._dead_letter_max_bytes = dead_letter_max_bytes
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._group_prefix = group_prefix
        self._late_erasure: Callable[[str], Awaitable[None]] | None = None
        self._stopping = asyncio.Event()
        self._waiting: dict[str, Waiting] = {}
        self.registered: list[tuple[str, str, frozenset[str]]] = []
        self._subscribers: list[tuple[str, Any]] = []
        if pace_empty_fetches:
            install_fetch_pacing()

    @property
    def waiting(self) -> list[Waiting]:
        """Consumers currently waiting out an outage (readiness reports them)."""
        return list(self._waiting.values())

    def start(self) -> None:
        self._stopping.clear()

    def stop(self) -> None:
        """Release deliveries that wait (for an outage or a retry) so the broker can stop.

        Their messages are not acknowledged: whoever owns the partition next gets them again.
        Without this the broker would wait its graceful timeout for them, then cancel them.
        """
        self._stopping.set()

    def on_late_erasure(self, sweep: Callable[[str], Awaitable[None]]) -> None:
        """Run ``sweep(user_id)`` when an event was applied for a user erased meanwhile.

        The tombstone check before a handler and the erasure run in different transactions,
        so a handler can commit just before or after the erasure did; checking again after
        each commit (the erasure's own included) and sweeping closes that window.
        """
        self._late_erasure = sweep

    def on(
        self, topic: Topic, *types: str, name: str, on_main: bool = False
    ) -> Callable[[TransactionalHandler], TransactionalHandler]:
        """Decorate ``async def handler(event, session)``; its writes must use ``session``.

        The handler runs in the database of the event's subject (a BYOD user's own), unless
        ``on_main``: it keeps service-wide state (the users' routes themselves)."""
        wanted = frozenset(types)
        consumer = f"{self._service}.{name}"
        group = f"{self._group_prefix}{consumer}"

        def register(handler: TransactionalHandler) -> TransactionalHandler:
            async def consume(body: Any, message: KafkaMessage) -> None:
                record = message.raw_message
                origin = Origin(
                    topic.value,
                    getattr(record, "partition", None),
                    getattr(record, "offset", None),
                )
                # The event is read from the record's bytes, not from FastStream's decoded
                # body: FastStream decodes only ``application/json``, and this reads the
                # structured CloudEvent and the previous release's shape alike.
                started = time.perf_counter()
                outcome: Outcome | Literal["failed"] = "failed"
                try:
                    outcome = await self._deliver(
                        consumer, wanted, handler, origin=origin, raw=message.body, on_main=on_main
                    )
                finally:
                    # "failed": handed back unacknowledged (a stop, a dead letter not published).
                    if outcome != "not_wanted":
                        METRICS.consumer_duration.record(
                            time.perf_counter() - started,
                            {"consumer": consumer, "outcome": outcome},
                        )

            consume.__name__ = f"consume_{name.replace('-', '_').replace('.', '_')}"
            subscriber = self._broker.subscriber(
                topic.value,
                group_id=group,
                # Static membership: a restarted process takes its partitions back at once
                # instead of waiting for the broker to expire the dead member.
                group_instance_id=f"{group}:{self._instance_id}",
                auto_offset_reset="earliest",
                # Also the idle re-fetch interval (see messaging/pacing.py): the most an event
                # waits for an idle consumer on a broker that does not hold fetches itself.
                fetch_max_wait_ms=self._fetch_max_wait_ms,
                ack_policy=AckPolicy.NACK_ON_ERROR,
                title=consumer,
                description=handler.__doc__ or "",
            )
            subscriber(consume)
            self._subscribers.append((consumer, subscriber))
            self.registered.append((topic.value, consumer, wanted))
            if not on_main:
                self._handlers[consumer] = handler
            return handler

        return register

    async def _deliver(
        self,
        consumer: str,
        wanted: frozenset[str],
        handler: TransactionalHandler,
        *,
        origin: Origin,
        raw: bytes,
        on_main: bool = False,
    ) -> Outcome:
        """Handle one delivery; what became of it."""
        try:
            event = decode_envelope(raw)
        except ValidationError as exc:
            await self._dead_letter(
                consumer, origin, raw, "invalid-envelope", f"invalid envelope: {exc}"
            )
            return "dead_lettered"
        if wanted and event.type not in wanted:
            return "not_wanted"
        bound = log.bind(
            consumer=consumer, event_id=str(event.id), event_type=event.type, user_id=event.subject
        )
        distrust = untrusted_because(event)
        if distrust is not None:
            bound.error("untrusted event refused", source=event.source, reason=distrust)
            await self._dead_letter(
                consumer, origin, raw, "untrusted", f"untrusted event: {distrust}"
            )
            return "dead_lettered"
        failures = 0
        outage_retries = 0
        first = self._route_of(event, on_main)
        if (
            first is not None
            and self._parked is not None
            and await self._parked.has_parked(consumer, event.subject)
        ):
            # The user's earlier events wait for their database: this one queues behind them.
            await self._park(consumer, event, raw, first, bound, origin.topic)
            return "parked"
        while True:
            route = None
            try:
                route = self._route_of(event, on_main)
                # Model calls a handler makes are usage of the event's subject.
                with serving(route), on_behalf_of(event.subject):
                    await self._apply_once(consumer, handler, event, bound)
                self._resumed(consumer, bound)
                return "applied"
            except asyncio.CancelledError:
                raise
            except UserErasedError:
                # Its key died with the user: nothing in it can be read or applied again.
                self._resumed(consumer, bound)
                bound.info("event of an erased user skipped: its key is destroyed")
                return "skipped"
            except SealBrokenError as exc:
                bound.error("sealed event refused", reason=str(exc))
                await self._dead_letter(
                    consumer, origin, raw, "untrusted", f"untrusted event: {exc}"
                )
                return "dead_lettered"
            except Exception as exc:
                error = _describe(exc)
                dependency = unavailable_dependency(exc)
                if route is not None and route.store_id is not None and dependency is not None:
                    if dependency == MONGODB:
                        assert self._routes is not None
                        self._routes.mark_down(route.store_id, error)
                    if dependency == MONGODB or dependency.startswith("user store"):
                        # The subject's own database, not the service's: only their events
                        # wait, parked, so the partition's other users go on.
                        if self._parked is not None:
                            await self._park(consumer, event, raw, route, bound, origin.topic)
                            return "parked"
                        dependency = f"user store {route.store_id}"
                if dependency is not None:
                    self._wait_on(consumer, dependency, error, bound)
                    await self._pause(self._outage_delay(outage_retries))
                    outage_retries += 1
                    continue
                failures += 1
                bound.warning("event handler failed", attempt=failures, error=error)
                if failures >= self._max_attempts:
                    await self._dead_letter(consumer, origin, raw, "handler-failed", error)
                    return "dead_lettered"
                await self._pause(self._retry_base * (2 ** (failures - 1)))

    async def lag(self) -> list[tuple[dict[str, str], float]]:
        """Per consumer, the messages between its position and the end of the partitions this
        replica holds, from what the client already knows (no request to the broker)."""
        series: list[tuple[dict[str, str], float]] = []
        for consumer, subscriber in self._subscribers:
            client = getattr(subscriber, "consumer", None)
            if client is None or not hasattr(client, "assignment"):
                continue  # not started, or an in-process test broker
            behind = 0
            for partition in client.assignment():
                end = client.highwater(partition)
                if end is None:
                    continue  # nothing fetched from it yet
                # Bounded: a partition whose position is being reset must not stall the step.
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1.0):
                        behind += max(0, end - await client.position(partition))
            series.append(({"consumer": consumer}, float(behind)))
        return series

    def _route_of(self, event: EventEnvelope, on_main: bool) -> UserRoute | None:
        if on_main or self._routes is None:
            return None
        return self._routes.route_of(event.subject)

    async def _park(
        self,
        consumer: str,
        event: EventEnvelope,
        raw: bytes,
        route: UserRoute,
        bound: structlog.stdlib.BoundLogger,
        topic: str,
    ) -> None:
        assert self._parked is not None
        store_id = route.store_id or "switching"
        await self._parked.park(consumer, event.subject, str(event.id), store_id, topic, raw)
        bound.info("event parked until the user's own database answers", store_id=store_id)

    async def replay_parked(self, batch: int = 100) -> int:
        """Apply parked events, each user's in order, whose database answers again; how many.

        A user whose database still fails keeps theirs for the next pass. An event that
        fails for itself is retried like any delivery, then dead-lettered."""
        if self._parked is None:
            return 0
        applied = 0
        for consumer, user_id in await self._parked.waiting():
            handler = self._handlers.get(consumer)
            if handler is None:
                continue  # a consumer of another release; its events wait for it
            for doc in await self._parked.of(consumer, user_id, batch):
                if not await self._replay_one(consumer, handler, doc):
                    break
                applied += 1
        return applied

    async def _replay_one(
        self, consumer: str, handler: TransactionalHandler, doc: dict[str, Any]
    ) -> bool:
        """Apply one parked event; False when its user's database is still unavailable."""
        assert self._parked is not None
        raw = bytes(doc["raw"])
        event = decode_envelope(raw)
        bound = log.bind(
            consumer=consumer, event_id=str(event.id), event_type=event.type, user_id=event.subject
        )
        for failures in range(1, self._max_attempts + 1):
            route = self._route_of(event, on_main=False)
            try:
                with serving(route), on_behalf_of(event.subject):
                    await self._apply_once(consumer, handler, event, bound)
                break
            except asyncio.CancelledError:
                raise
            except UserErasedError:
                break
            except Exception as exc:
                dependency = unavailable_dependency(exc)
                if dependency is not None:
                    if dependency == MONGODB and route is not None and route.store_id:
                        assert self._routes is not None
                        self._routes.mark_down(route.store_id, _describe(exc))
                    return False
                bound.warning("parked event failed", attempt=failures, error=_describe(exc))
                if failures == self._max_attempts:
                    origin = Origin(str(doc["topic"]), None, None)
                    await self._dead_letter(consumer, origin, raw, "handler-failed", _describe(exc))
        await self._parked.done(doc["_id"])
        bound.info("parked event applied")
        return True

    async def _apply_once(
        self,
        consumer: str,
        handler: TransactionalHandler,
        event: EventEnvelope,
        bound: structlog.stdlib.BoundLogger,
    ) -> None:
        if await self._tombstones.is_erased(event.subject) and not event.type.startswith(
            "identity.user.eras"
        ):
            # An earlier delivery may have committed its writes and failed (or died)
            # before its sweep: this one is the last chance to remove them.
            if self._late_erasure is not None and await self._processed.already_applied(
                consumer, str(event.id)
            ):
                await self._late_erasure(event.subject)
            bound.info("event for an erased user ignored")
            return
        # Opened after the tombstone check: an erased user's event is swept, not opened.
        opened = await self._keys.open(event) if self._keys is not None else event
        await self._processed.apply_once(consumer, str(event.id), lambda s: handler(opened, s))
        # Also after the erasure itself: a handler that committed while the erasure's
        # transaction ran is invisible to that transaction's snapshot and checked the
        # tombstone before it existed; only a pass after the erasure commits sees it.
        if self._late_erasure is not None and await self._tombstones.is_erased(event.subject):
            await self._late_erasure(event.subject)

    def _outage_delay(self, retries: int) -> float:
        growth = 2.0 ** min(retries, 20)
        return min(self._outage_backoff_max, max(self._retry_base, 0.1) * growth)

    def _wait_on(
        self, consumer: str, dependency: str, error: str, bound: structlog.stdlib.BoundLogger
    ) -> None:
        current = self._waiting.get(consumer)
        if current is None or current.dependency != dependency:
            bound.warning(
                "dependency unavailable: consumer waits", dependency=dependency, error=error
            )
            since = datetime.now(UTC) if current is None else current.since
            self._waiting[consumer] = Waiting(consumer, dependency, since, error)

    def _resumed(self, consumer: str, bound: structlog.stdlib.BoundLogger) -> None:
        waited = self._waiting.pop(consumer, None)
        if waited is not None:
            bound.warning(
                "dependency back: consumer resumes",
                dependency=waited.dependency,
                waited_seconds=round((datetime.now(UTC) - waited.since).total_seconds(), 1),
            )

    async def _pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or give the message back at once when the service stops."""
        if not self._stopping.is_set():
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the event is set, and a stopping service would hang on this delivery.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self._stopping.wait()
        if self._stopping.is_set():
            raise NackMessage()

    async def _dead_letter(
        self, consumer: str, origin: Origin, raw: bytes, reason: Reason, error: str
    ) -> None:
        log.error(
            "event dead-lettered",
            topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
            consumer=consumer,
            reason=reason,
            error=error[:2000],
        )
        record = dead_letter_record(
            consumer=consumer,
            origin=origin,
            reason=reason,
            error=error,
            raw=raw,
            max_bytes=self._dead_letter_max_bytes,
        )
        outage_retries = 0
        while True:
            try:
                await self._broker.publish(
                    record,
                    topic=dead_letter_topic(origin.topic),
                    key=_subject_of(raw),
                    headers={
                        "x-muninn-error": error[:500],
                        "x-muninn-consumer": consumer,
                        "x-muninn-reason": reason,
                    },
                )
                self._resumed(consumer, log.bind(consumer=consumer))
                METRICS.consumer_dead_letters.add(1, {"consumer": consumer, "reason": reason})
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                dependency = unavailable_dependency(exc)
                if dependency is None:
                    raise
                self._wait_on(consumer, dependency, _describe(exc), log.bind(consumer=consumer))
                await self._pause(self._outage_delay(outage_retries))
                outage_retries += 1


def _describe(exc: BaseException) -> str:
    # Bounded: an exception can carry the whole input (a validation error echoing a payload).
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:MAX_ERROR_CHARS]


def _subject_of(raw: bytes) -> bytes | None:
    """The original's key (its subject), so a user's dead letters stay in order too."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    subject = body.get("subject") if isinstance(body, dict) else None
    return subject.encode() if isinstance(subject, str) and subject else None
