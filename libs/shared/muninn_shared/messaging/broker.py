"""The FastStream Kafka broker every service uses, with OpenTelemetry propagation in headers."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.security import BaseSecurity
from opentelemetry.sdk.trace import TracerProvider

from muninn_shared.events import EventEnvelope
from muninn_shared.events.catalogue import all_topics, dead_letter_topic
from muninn_shared.events.wire import encode_envelope, record_headers
from muninn_shared.logging import get_logger
from muninn_shared.messaging.security import admin_client_options

log = get_logger(__name__)

DEAD_LETTER_SUFFIX = dead_letter_topic("")


def create_broker(
    bootstrap: str,
    *,
    client_id: str,
    tracer_provider: TracerProvider | None,
    security: BaseSecurity | None = None,
    create_topics: bool = True,
) -> KafkaBroker:
    """``create_topics=False``: FastStream's subscribers must not create their topics through
    the admin client when they start (its default), as ensure_topics would not."""
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        security=security,
        allow_auto_create_topics=create_topics,
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=15000,
        graceful_timeout=10.0,
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=tracer_provider)],
        description="Muninn event bus",
    )


async def publish_event(broker: KafkaBroker, topic: str, event: EventEnvelope) -> None:
    # The outbox measured these very bytes against its size cap when the event was written.
    await broker.publish(
        encode_envelope(event), topic=topic, key=event.key, headers=record_headers(event)
    )


DAY_MS = 24 * 60 * 60 * 1000
# Events hold personal data an erasure cannot reach inside Kafka; a dead letter (which wraps
# one) is kept no longer than the event itself.
EVENT_RETENTION_MS = 7 * DAY_MS
DEAD_LETTER_RETENTION_MS = 7 * DAY_MS


def retention_ms(topic: str) -> int:
    return DEAD_LETTER_RETENTION_MS if topic.endswith(DEAD_LETTER_SUFFIX) else EVENT_RETENTION_MS


def new_topic(name: str, partitions: int) -> NewTopic:
    """How a topic is created: with its retention, whatever the broker's default."""
    return NewTopic(
        name=name,
        num_partitions=partitions,
        replication_factor=1,
        topic_configs={"retention.ms": str(retention_ms(name))},
    )


async def ensure_topics(
    bootstrap: str,
    *,
    partitions: int = 3,
    topics: list[str] | None = None,
    security: BaseSecurity | None = None,
) -> None:
    """Create the catalogue's topics (and their dead-letter topics) if missing. Idempotent."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, **admin_client_options(security)
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in (topics or all_topics()) if t not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([new_topic(t, partitions) for t in wanted])
            log.info("kafka topics created", topics=wanted)
    finally:
        await admin.close()
