"""How a consumer delivers one message: outages waited out, forged events refused, bounded dead letters.

The consumer runs against in-memory stand-ins for the applied-event marker store and the
broker's publish; the real wire protocols are covered in tests/integration.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from faststream.exceptions import NackMessage
from muninn_shared.deadletters.records import Origin, dead_letter_record
from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.events.sealing import SEALED, seal_event
from muninn_shared.messaging.consumer import EventConsumers
from muninn_shared.messaging.event_keys import EventKeys, IdentityUnavailableError, UserErasedError
from muninn_shared.messaging.outages import unavailable_dependency
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.settings import ServiceSettings
from pymongo.errors import (
    AutoReconnect,
    ConnectionFailure,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

CONSUMER = "probe.deliveries"
Message = Callable[..., EventEnvelope]


class Applied:
    """Stands in for ProcessedEvents: runs the work once per (consumer, event id)."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def apply_once(
        self, consumer: str, event_id: str, work: Callable[[Any], Awaitable[None]]
    ) -> bool:
        if event_id in self.ids:
            return False
        await work(None)
        self.ids.append(event_id)
        return True


class NobodyErased:
    async def is_erased(self, user_id: str) -> bool:
        return False


class RecordingBroker:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.failures: list[BaseException] = []

    async def publish(self, message: Any, **options: Any) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.published.append({"message": message, **options})


def consumers(broker: RecordingBroker, applied: Applied, **options: Any) -> EventConsumers:
    settings: dict[str, Any] = {
        "max_attempts": 3,
        "retry_base_seconds": 0.001,
        "outage_backoff_max_seconds": 0.005,
    }
    return EventConsumers(
        broker,  # type: ignore[arg-type]
        service="probe",
        instance_id="0",
        processed=applied,  # type: ignore[arg-type]
        tombstones=NobodyErased(),  # type: ignore[arg-type]
        **{**settings, **options},
    )


def routing_event(user: str = "u-1", *, source: str = "byod") -> EventEnvelope:
    return new_event(
        "byod.routing.changed",
        source=source,
        subject=user,
        data={"user_id": user, "version": 1, "placement": "hosted"},
    )


async def deliver(
    target: EventConsumers,
    handler: Callable[[EventEnvelope, Any], Awaitable[None]],
    body: dict[str, Any],
    *,
    topic: Topic = Topic.BYOD_ROUTING,
) -> None:
    raw = json.dumps(body).encode()
    await target._deliver(
        CONSUMER, frozenset(), handler, origin=Origin(topic.value, 2, 41), raw=raw
    )


def transient_transaction_error() -> OperationFailure:
    error = OperationFailure("WriteConflict", code=112)
    error._add_error_label("TransientTransactionError")
    return error


def wrapped_connection_failure() -> RuntimeError:
    try:
        raise ConnectionFailure("connection refused")
    except ConnectionFailure as exc:
        try:
            raise RuntimeError("could not load the profile") from exc
        except RuntimeError as wrapped:
            return wrapped


OUTAGES: list[Callable[[], BaseException]] = [
    lambda: AutoReconnect("127.0.0.1:27017: connection closed"),
    lambda: ServerSelectionTimeoutError("No servers found yet"),
    lambda: NetworkTimeout("timed out"),
    lambda: OperationFailure("not primary", code=10107),
    transient_transaction_error,
    wrapped_connection_failure,
    lambda: KafkaConnectionError("Unable to bootstrap from 127.0.0.1:9092"),
]


@pytest.mark.parametrize(
    "outage",
    OUTAGES,
    ids=[
        "auto-reconnect",
        "server-selection",
        "network-timeout",
        "not-primary",
        "transient-transaction",
        "wrapped",
        "kafka",
    ],
)
async def test_an_outage_longer_than_the_attempts_is_waited_out(
    outage: Callable[[], BaseException],
) -> None:
    broker, applied = RecordingBroker(), Applied()
    target = consumers(broker, applied)
    calls: list[str] = []

    async def handler(event: EventEnvelope, session: Any) -> None:
        calls.append(event.subject)
        if len(calls) <= 10:  # far more failures than max_attempts (3)
            raise outage()

    event = routing_event()
    await deliver(target, handler, event.model_dump(mode="json"))
    assert applied.ids == [str(event.id)], "applied once the dependency answered"
    assert broker.published == [], "nothing dead-lettered for an outage"
    assert target.waiting == []


def test_only_dependency_failures_count_as_outages() -> None:
    assert unavailable_dependency(ValueError("bad input")) is None
    assert unavailable_dependency(DuplicateKeyError("E11000")) is None
    assert unavailable_dependency(OperationFailure("bad query", code=2)) is None
    assert unavailable_dependency(ConnectionRefusedError("a user's webhook host")) is None
    assert unavailable_dependency(AutoReconnect("x")) == "mongodb"
    assert unavailable_dependency(KafkaConnectionError("x")) == "kafka"
    group = ExceptionGroup("several", [ValueError("a"), NetworkTimeout("b")])
    assert unavailable_dependency(group) == "mongodb"


async def test_a_handler_failing_on_its_input_is_dead_lettered_after_bounded_attempts() -> None:
    broker, applied = RecordingBroker(), Applied()
    target = consumers(broker, applied)
    calls: list[str] = []

    async def handler(event: EventEnvelope, session: Any) -> None:
        calls.append(event.subject)
        raise ValueError("the record has no store")

    await deliver(target, handler, routing_event().model_dump(mode="json"))
    assert len(calls) == 3
    assert len(broker.published) == 1
    record = json.loads(broker.published[0]["message"])
    assert record["reason"] == "handler-failed"
    assert "the record has no store" in record["error"]
    assert (record["topic"], record["partition"], record["offset"]) == (
        Topic.BYOD_ROUTING.value,
        2,
        41,
    )
    assert broker.published[0]["topic"] == "muninn.byod.routing.dlq"


async def test_a_dead_letter_publish_waits_out_a_broker_outage() -> None:
    broker, applied = RecordingBroker(), Applied()
    broker.failures = [KafkaConnectionError("broker down") for _ in range(6)]
    target = consumers(broker, applied)

    async def handler(event: EventEnvelope, session: Any) -> None:
        raise ValueError("rejected")

    await deliver(target, handler, routing_event().model_dump(mode="json"))
    assert len(broker.published) == 1
    assert target.waiting == []


async def test_a_waiting_delivery_is_released_when_the_service_stops() -> None:
    broker, applied = RecordingBroker(), Applied()
    target = consumers(broker, applied, outage_backoff_max_seconds=3600.0)

    async def handler(event: EventEnvelope, session: Any) -> None:
        raise ServerSelectionTimeoutError("No servers found yet")

    delivery = asyncio.create_task(
        deliver(target, handler, routing_event().model_dump(mode="json"))
    )
    while not target.waiting:
        await asyncio.sleep(0.01)
    assert target.waiting[0].dependency == "mongodb"
    target.stop()
    # Given back unacknowledged (FastStream rewinds the partition to it), not dead-lettered.
    with pytest.raises(NackMessage):
        await asyncio.wait_for(delivery, 30)
    assert broker.published == []
    assert applied.ids == []


async def test_readiness_reports_a_consumer_waiting_for_its_database() -> None:
    runtime = ServiceRuntime(ServiceSettings(service_name="readyprobe", log_level="WARNING"))
    broker, applied = RecordingBroker(), Applied()
    target = consumers(broker, applied, outage_backoff_max_seconds=3600.0)
    runtime.consumers = target
    release = asyncio.Event()

    async def handler(event: EventEnvelope, session: Any) -> None:
        if not release.is_set():
            raise AutoReconnect("connection refused")

    delivery = asyncio.create_task(
        deliver(target, handler, routing_event().model_dump(mode="json"))
    )
    try:
        while not target.waiting:
            await asyncio.sleep(0.01)
        with pytest.raises(RuntimeError, match="waits for mongodb"):
            await runtime.readiness_checks["consumers"]()
    finally:
        target.stop()
        with pytest.raises(NackMessage):
            await delivery
        await runtime.mongo.close()


def erasure_request(user: str, *, source: str, subject: str | None = None) -> dict[str, Any]:
    event = new_event(
        "identity.user.erasure_requested",
        source=source,
        subject=subject or user,
        data={
            "user_id": user,
            "erasure_id": uuid.uuid4().hex,
            "services": ["probe"],
            "requested_at": datetime.now(UTC).isoformat(),
        },
    )
    return event.model_dump(mode="json")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (erasure_request("victim", source="memory"), "source 'memory' does not produce"),
        (
            erasure_request("victim", source="identity", subject="attacker"),
            "subject 'attacker' differs from data.user_id 'victim'",
        ),
    ],
    ids=["wrong-producer", "subject-is-not-the-user"],
)
async def test_a_forged_erasure_request_is_refused_and_dead_lettered(
    body: dict[str, Any], why: str
) -> None:
    broker, applied = RecordingBroker(), Applied()
    target = consumers(broker, applied)
    erased: list[str] = []

    async def erase(event: EventEnvelope, session: Any) -> None:
        erased.append(event.data["user_id"])

    await deliver(target, erase, body, topic=Topic.IDENTITY_USERS)
    assert erased == []
    assert len(broker.published) == 1
    record = json.loads(broker.published[0]["message"])
    assert record["reason"] == "untrusted"
    assert why in record["error"]


async def test_an_erasure_request_from_identity_about_its_subject_is_applied() -> None:
    broker, applied = RecordingBroker(), Applied()
    target = consumers(broker, applied)
    erased: list[str] = []

    async def erase(event: EventEnvelope, session: Any) -> None:
        erased.append(event.data["user_id"])

    await deliver(
        target, erase, erasure_request("ada", source="identity"), topic=Topic.IDENTITY_USERS
    )
    assert erased == ["ada"]
    assert broker.published == []


async def test_a_confirmation_in_another_services_name_is_refused() -> None:
    broker, applied = RecordingBroker(), Applied()
    target = consumers(broker, applied)
    confirmed: list[str] = []

    async def confirm(event: EventEnvelope, session: Any) -> None:
        confirmed.append(event.data["service"])

    forged = new_event(
        "privacy.erasure.completed",
        source="memory",
        subject="ada",
        data={"user_id": "ada", "erasure_id": "e1", "service": "conversation"},
    )
    await deliver(
        target, confirm, forged.model_dump(mode="json"), topic=Topic.ERASURE_CONFIRMATIONS
    )
    assert confirmed == []
    assert "data.service" in json.loads(broker.published[0]["message"])["error"]


async def test_a_dead_letter_of_a_huge_message_fits_the_broker() -> None:
    broker, applied = RecordingBroker(), Applied()
    limit = 100_000
    target = consumers(broker, applied, dead_letter_max_bytes=limit)
    body = routing_event().model_dump(mode="json")
    body["data"]["padding"] = "\U0001f600" * 100_000  # ~1.2 MB once JSON-escaped

    async def handler(event: EventEnvelope, session: Any) -> None:
        raise ValueError("x" * 50_000)

    await deliver(target, handler, body)
    published = broker.published[0]["message"]
    assert isinstance(published, bytes)
    assert len(published) <= limit
    record = json.loads(published)
    assert record["truncated"] is True
    assert record["message"] is None
    assert record["message_bytes"] == len(json.dumps(body).encode())
    assert record["message_head"].startswith('{"specversion"')
    assert (record["topic"], record["partition"], record["offset"]) == (
        Topic.BYOD_ROUTING.value,
        2,
        41,
    )
    assert record["consumer"] == CONSUMER
    assert record["event_id"] == body["id"]
    assert record["error"].startswith("ValueError: xxx")


@pytest.mark.parametrize("limit", [10_000, 50_000, 900_000])
def test_a_record_is_never_over_its_limit_whatever_the_characters(limit: int) -> None:
    for filler in ("a", "\u00e9", "\U0001f600", "\x01", '"'):
        raw = json.dumps({"subject": "u", "data": filler * 400_000}, ensure_ascii=False).encode()
        record = dead_letter_record(
            consumer="c",
            origin=Origin("t", 0, 1),
            reason="handler-failed",
            error="e" * 20_000,
            raw=raw,
            max_bytes=limit,
        )
        assert len(record) <= limit
        assert json.loads(record)["subject"] == "u"


def test_a_small_message_is_kept_whole() -> None:
    raw = routing_event().model_dump_json().encode()
    record = json.loads(
        dead_letter_record(
            consumer="c", origin=Origin("t", 0, 1), reason="handler-failed", error="e", raw=raw
        )
    )
    assert record["truncated"] is False
    assert record["message"] == json.loads(raw)


def test_the_reason_for_refusing_an_event_is_short_whatever_the_forger_sent() -> None:
    from muninn_shared.events.trust import untrusted_because

    huge = "a" * 100_000
    event = EventEnvelope.model_validate(erasure_request("victim", source=huge, subject=huge))
    reason = untrusted_because(event)
    assert reason is not None
    assert len(reason) < 400
    event = EventEnvelope.model_validate(erasure_request("victim", source="identity", subject=huge))
    reason = untrusted_because(event)
    assert reason is not None
    assert "differs from data.user_id" in reason
    assert len(reason) < 400


async def test_a_subscriber_applies_the_structured_event_and_the_previous_shape() -> None:
    from faststream.kafka import KafkaBroker, TestKafkaBroker
    from muninn_shared.messaging.broker import publish_event

    broker = KafkaBroker()
    applied = Applied()
    target = EventConsumers(
        broker,
        service="probe",
        instance_id="0",
        processed=applied,  # type: ignore[arg-type]
        tombstones=NobodyErased(),  # type: ignore[arg-type]
    )
    seen: list[EventEnvelope] = []

    @target.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="wire")
    async def record(event: EventEnvelope, session: Any) -> None:
        seen.append(event)

    current, previous = routing_event("u-1"), routing_event("u-2")
    old_value = previous.model_dump(mode="json")
    del old_value["dataschema"]
    old_value["schema_version"] = 1
    # Exactly what the previous release's publish_event sent: JSON content type, ce_* headers.
    old_headers = {
        "content-type": "application/json",
        "ce_type": previous.type,
        "ce_id": str(previous.id),
        "ce_source": previous.source,
    }
    async with TestKafkaBroker(broker) as test_broker:
        await publish_event(test_broker, Topic.BYOD_ROUTING.value, current)
        await test_broker.publish(
            json.dumps(old_value).encode(),
            topic=Topic.BYOD_ROUTING.value,
            key=previous.key,
            headers=old_headers,
        )
    assert seen == [current, previous]
    assert applied.ids == [str(current.id), str(previous.id)]


class IdentityKeys:
    """Stands in for identity's key endpoint: one key per user, erasures, outages."""

    def __init__(self, *, unavailable_for: int = 0) -> None:
        self.keys: dict[str, bytes] = {}
        self.erased: set[str] = set()
        self.unavailable_for = unavailable_for
        self.calls = 0

    async def fetch(self, user_id: str) -> bytes:
        self.calls += 1
        if self.calls <= self.unavailable_for:
            raise IdentityUnavailableError("identity unreachable: ConnectError()")
        if user_id in self.erased:
            raise UserErasedError(user_id)
        return self.keys.setdefault(user_id, uuid.uuid4().bytes * 2)


def sealed(identity: IdentityKeys, event: EventEnvelope) -> EventEnvelope:
    return seal_event(event, identity.keys.setdefault(event.subject, uuid.uuid4().bytes * 2))


async def deliver_sealed(
    identity: IdentityKeys, event: EventEnvelope
) -> tuple[RecordingBroker, Applied, list[EventEnvelope]]:
    broker, applied = RecordingBroker(), Applied()
    target = consumers(broker, applied, keys=EventKeys(identity.fetch))
    seen: list[EventEnvelope] = []

    async def handler(opened: EventEnvelope, session: Any) -> None:
        seen.append(opened)

    await deliver(target, handler, event.model_dump(mode="json"), topic=Topic.CONVERSATION_MESSAGES)
    assert target.waiting == []
    return broker, applied, seen


async def test_a_handler_sees_sealed_fields_opened(message_event: Message) -> None:
    identity = IdentityKeys()
    event = sealed(identity, message_event(content="my sister Ingrid lives in Bergen"))
    _, applied, seen = await deliver_sealed(identity, event)
    assert len(applied.ids) == 1
    assert seen[0].data["content"] == "my sister Ingrid lives in Bergen"
    assert SEALED not in seen[0].data


async def test_an_erased_users_sealed_event_is_skipped_not_dead_lettered(
    message_event: Message,
) -> None:
    identity = IdentityKeys()
    event = sealed(identity, message_event())
    identity.erased.add("u-1")
    broker, applied, seen = await deliver_sealed(identity, event)
    assert seen == []
    assert applied.ids == []
    assert broker.published == [], "an erased user's event is acknowledged, not dead-lettered"


async def test_identity_down_is_waited_out_and_the_event_applied_after(
    message_event: Message,
) -> None:
    identity = IdentityKeys(unavailable_for=10)  # far more failures than max_attempts (3)
    event = sealed(identity, message_event(content="my sister Ingrid lives in Bergen"))
    broker, _applied, seen = await deliver_sealed(identity, event)
    assert identity.calls == 11
    assert len(seen) == 1
    assert seen[0].data["content"].startswith("my sister")
    assert broker.published == [], "nothing dead-lettered while identity is down"


async def test_a_sealed_field_from_another_users_event_is_dead_lettered_as_untrusted(
    message_event: Message,
) -> None:
    identity = IdentityKeys()
    victim = sealed(identity, message_event("u-victim"))
    mine = sealed(identity, message_event("u-1"))
    forged = mine.model_copy(update={"data": {**mine.data, SEALED: victim.data[SEALED]}})
    broker, applied, seen = await deliver_sealed(identity, forged)
    assert seen == []
    assert applied.ids == []
    assert [p["headers"]["x-muninn-reason"] for p in broker.published] == ["untrusted"]


def test_identity_unavailable_counts_as_an_outage() -> None:
    assert unavailable_dependency(IdentityUnavailableError("down")) == "identity"
