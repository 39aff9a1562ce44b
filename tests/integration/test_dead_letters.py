"""A message that keeps failing goes to the dead-letter topic with its error; nothing is dropped."""

from __future__ import annotations

import json
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from muninn_shared.events import EventEnvelope, Topic, dead_letter_topic, new_event
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.settings import ServiceSettings
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra


async def _collect_dead_letters(
    bootstrap: str, topic: str, wanted: set[str], timeout: float = 60
) -> dict[str, dict]:
    consumer = AIOKafkaConsumer(
        dead_letter_topic(topic),
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    found: dict[str, dict] = {}
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and set(found) != wanted:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    body = json.loads(record.value)
                    marker = (
                        body["message"].get("subject")
                        if isinstance(body["message"], dict)
                        else None
                    )
                    if marker in wanted:
                        found[marker] = {"body": body, "headers": dict(record.headers)}
    finally:
        await consumer.stop()
    return found


async def test_failing_handler_and_poison_message_are_dead_lettered(
    infra: Infra, unique: str
) -> None:
    settings = ServiceSettings(
        service_name=f"dlqtest{unique}",
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        consumer_max_attempts=3,
        consumer_retry_base_seconds=0.01,
        log_level="WARNING",
    )
    runtime = ServiceRuntime(settings)
    attempts: list[str] = []
    failing_user, poison_user, healthy_user = f"fail-{unique}", f"poison-{unique}", f"ok-{unique}"

    @runtime.consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="dlq-probe")
    async def handler(event: EventEnvelope, session: AsyncClientSession) -> None:
        if event.subject == failing_user:
            attempts.append(event.subject)
            raise RuntimeError("the downstream store rejected this record")
        if event.subject == healthy_user:
            await runtime.db.applied.insert_one({"_id": str(event.id)}, session=session)

    await runtime.start()
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    try:
        for user in (failing_user, healthy_user):
            event = new_event(
                "byod.routing.changed",
                source="byod",
                subject=user,
                data={"user_id": user, "store_id": None, "status": "active"},
            )
            await runtime.publish(Topic.BYOD_ROUTING.value, event)
        # Valid JSON but not an envelope: cannot be parsed, must not be dropped either.
        await producer.send_and_wait(
            Topic.BYOD_ROUTING.value,
            json.dumps({"subject": poison_user, "nonsense": True}).encode(),
            key=poison_user.encode(),
        )
        dead = await _collect_dead_letters(
            infra.kafka_bootstrap, Topic.BYOD_ROUTING.value, {failing_user, poison_user}
        )
    finally:
        await producer.stop()
        await runtime.stop()

    assert set(dead) == {failing_user, poison_user}
    failed = dead[failing_user]["body"]
    assert "the downstream store rejected this record" in failed["error"]
    assert failed["consumer"] == f"dlqtest{unique}.dlq-probe"
    assert failed["message"]["type"] == "byod.routing.changed"
    assert dead[failing_user]["headers"]["x-muninn-consumer"] == failed["consumer"].encode()
    assert len(attempts) == 3, "bounded retries before dead-lettering"
    assert "invalid envelope" in dead[poison_user]["body"]["error"]
    # The healthy message behind them was still applied.
    check = ServiceRuntime(settings)
    try:
        assert await check.db.applied.count_documents({}) == 1
    finally:
        await check.mongo.close()
    uuid.UUID(failed["message"]["id"])
