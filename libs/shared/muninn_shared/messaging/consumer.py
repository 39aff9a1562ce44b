"""Typed event handlers on FastStream subscribers.

Each handler is registered for a topic and a set of event types. A delivery is:
parsed into an :class:`EventEnvelope`, applied at most once per consumer (the applied marker
and the handler's writes share one MongoDB transaction), retried with backoff on failure, and
after the last attempt published to the topic's dead-letter topic with the error, then
acknowledged — never silently dropped. If even the dead-letter publish fails the message is
not acknowledged and Kafka redelivers it.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy
from pydantic import ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_shared.events import EventEnvelope, Topic, dead_letter_topic
from muninn_shared.logging import get_logger
from muninn_shared.messaging.pacing import pace_empty_fetches
from muninn_shared.storage.idempotency import ProcessedEvents
from muninn_shared.storage.tombstones import ErasureTombstones

log = get_logger(__name__)

TransactionalHandler = Callable[[EventEnvelope, AsyncClientSession], Awaitable[None]]


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
        fetch_max_wait_ms: int = 100,
        group_prefix: str = "",
    ) -> None:
        self._broker = broker
        self._service = service
        self._instance_id = instance_id
        self._processed = processed
        self._tombstones = tombstones
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._fetch_max_wait_ms = fetch_max_wait_ms
        self._group_prefix = group_prefix
        self._late_erasure: Callable[[str], Awaitable[None]] | None = None
        self.registered: list[tuple[str, str, frozenset[str]]] = []
        pace_empty_fetches()

    def on_late_erasure(self, sweep: Callable[[str], Awaitable[None]]) -> None:
        """Run ``sweep(user_id)`` when an event was applied for a user erased meanwhile.

        The tombstone check before a handler and the erasure run in different transactions,
        so a handler can commit just before or after the erasure did; checking again after
        each commit (the erasure's own included) and sweeping closes that window.
        """
        self._late_erasure = sweep

    def on(
        self, topic: Topic, *types: str, name: str
    ) -> Callable[[TransactionalHandler], TransactionalHandler]:
        """Decorate ``async def handler(event, session)``; its writes must use ``session``."""
        wanted = frozenset(types)
        consumer = f"{self._service}.{name}"
        group = f"{self._group_prefix}{consumer}"

        def register(handler: TransactionalHandler) -> TransactionalHandler:
            async def consume(body: Any) -> None:
                await self._deliver(topic, consumer, wanted, handler, body)

            consume.__name__ = f"consume_{name.replace('-', '_').replace('.', '_')}"
            self._broker.subscriber(
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
            )(consume)
            self.registered.append((topic.value, consumer, wanted))
            return handler

        return register

    async def _deliver(
        self,
        topic: Topic,
        consumer: str,
        wanted: frozenset[str],
        handler: TransactionalHandler,
        body: Any,
    ) -> None:
        try:
            event = EventEnvelope.model_validate(body)
        except ValidationError as exc:
            await self._dead_letter(topic, consumer, body, f"invalid envelope: {exc}")
            return
        if wanted and event.type not in wanted:
            return
        bound = log.bind(
            consumer=consumer, event_id=str(event.id), event_type=event.type, user_id=event.subject
        )
        last_error = ""
        for attempt in range(1, self._max_attempts + 1):
            try:
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
                await self._processed.apply_once(
                    consumer, str(event.id), lambda s: handler(event, s)
                )
                # Also after the erasure itself: a handler that committed while the erasure's
                # transaction ran is invisible to that transaction's snapshot and checked the
                # tombstone before it existed; only a pass after the erasure commits sees it.
                if self._late_erasure is not None and await self._tombstones.is_erased(
                    event.subject
                ):
                    await self._late_erasure(event.subject)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                bound.warning("event handler failed", attempt=attempt, error=last_error)
                if attempt < self._max_attempts:
                    await asyncio.sleep(self._retry_base * (2 ** (attempt - 1)))
        await self._dead_letter(topic, consumer, body, last_error)

    async def _dead_letter(self, topic: Topic, consumer: str, body: Any, error: str) -> None:
        log.error("event dead-lettered", topic=topic.value, consumer=consumer, error=error)
        await self._broker.publish(
            {"consumer": consumer, "topic": topic.value, "error": error, "message": body},
            topic=dead_letter_topic(topic.value),
            key=(body.get("subject", "") if isinstance(body, dict) else "").encode() or None,
            headers={"x-muninn-error": error[:500], "x-muninn-consumer": consumer},
        )
