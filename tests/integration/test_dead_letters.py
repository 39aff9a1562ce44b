"""A message that keeps failing goes to the dead-letter topic with its error; nothing is dropped."""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from muninn_shared.deadletters import cli as deadletters_cli
from muninn_shared.events import EventEnvelope, Topic, dead_letter_topic, new_event
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect


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
                        if isinstance(body.get("message"), dict)
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
    runtime = infra.runtime(
        f"dlqtest{unique}",
        consumer_max_attempts=3,
        consumer_retry_base_seconds=0.01,
        log_level="WARNING",
    )
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
                data={"user_id": user, "version": 1, "placement": "hosted"},
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
    check = ServiceRuntime(runtime.settings)
    try:
        assert await check.db.applied.count_documents({}) == 1
    finally:
        await check.mongo.close()
    uuid.UUID(failed["message"]["id"])


async def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = await deadletters_cli.run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


async def _listed(
    bootstrap: str, *extra: str, event_ids: set[str], wanted: int, timeout: float = 60
) -> list[dict]:
    """The listed dead letters of ``event_ids`` (a consumer reading a topic from its start
    also meets what earlier tests of the module left there), once ``wanted`` are there."""
    deadline = time.monotonic() + timeout
    while True:
        status, out, _ = await _cli("--bootstrap", bootstrap, "list", "--json", *extra)
        assert status == 0
        rows = [json.loads(line) for line in out.splitlines()]
        rows = [row for row in rows if row["event_id"] in event_ids]
        if len(rows) >= wanted or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.5)


async def test_dead_letters_are_listed_shown_and_redriven(infra: Infra, unique: str) -> None:
    runtime = infra.runtime(
        f"redrive{unique}",
        consumer_max_attempts=2,
        consumer_retry_base_seconds=0.01,
        dead_letter_max_bytes=10_000,
        log_level="ERROR",
    )
    small_user, large_user = f"small-{unique}", f"large-{unique}"
    store_is_broken = True

    @runtime.consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="redrive-probe")
    async def handler(event: EventEnvelope, session: AsyncClientSession) -> None:
        if event.subject not in (small_user, large_user):
            return
        if store_is_broken:
            raise RuntimeError("the store rejected the record")
        await runtime.db.applied.insert_one(
            {"_id": str(event.id), "user_id": event.subject}, session=session
        )

    consumer = f"redrive{unique}.redrive-probe"
    bootstrap = infra.kafka_bootstrap
    event_ids: set[str] = set()
    await runtime.start()
    try:
        for user in (small_user, large_user):
            data: dict[str, object] = {"user_id": user, "version": 1, "placement": "hosted"}
            event = new_event("byod.routing.changed", source="byod", subject=user, data=data)
            if user == large_user:
                event.data["padding"] = "x" * 50_000  # over the dead-letter limit: cut
            event_ids.add(str(event.id))
            await runtime.publish(Topic.BYOD_ROUTING.value, event)
        rows = await _listed(bootstrap, "--consumer", consumer, event_ids=event_ids, wanted=2)
        assert len(rows) == 2, rows
        by_truncation = {row["truncated"]: row for row in rows}
        assert by_truncation[False]["reason"] == "handler-failed"
        assert "the store rejected the record" in by_truncation[False]["error"]
        assert by_truncation[True]["origin"]["topic"] == Topic.BYOD_ROUTING.value

        status, out, _ = await _cli("--bootstrap", bootstrap, "show", by_truncation[True]["id"])
        assert status == 0
        shown = json.loads(out)
        assert shown["record"]["message"] is None
        assert shown["record"]["message_bytes"] > 50_000
        assert shown["record"]["consumer"] == consumer

        status, out, _ = await _cli("--bootstrap", bootstrap, "list", "--consumer", consumer)
        assert status == 0
        assert by_truncation[False]["id"] in out
        assert "dead" in out

        store_is_broken = False
        status, out, err = await _cli(
            "--bootstrap", bootstrap, "redrive", *(row["id"] for row in rows)
        )
        assert status == 0, err
        assert out.count("re-driven ") == 2
        deadline = time.monotonic() + 60
        while await runtime.db.applied.count_documents({}) < 2:
            assert time.monotonic() < deadline, "re-driven events were not applied"
            await asyncio.sleep(0.2)
        applied = {d["user_id"] async for d in runtime.db.applied.find({})}
        assert applied == {small_user, large_user}

        # Recorded as re-driven: no longer listed as dead, not re-driven twice by accident.
        assert await _listed(bootstrap, "--consumer", consumer, event_ids=event_ids, wanted=0) == []
        everything = await _listed(
            bootstrap, "--consumer", consumer, "--all", event_ids=event_ids, wanted=2
        )
        assert {row["redriven"] for row in everything} == {1}
        status, _, err = await _cli("--bootstrap", bootstrap, "redrive", by_truncation[False]["id"])
        assert status == 1
        assert "re-driven before" in err
        status, _, err = await _cli("--bootstrap", bootstrap, "show", "nonsense")
        assert status == 1
        assert "not a dead-letter id" in err
    finally:
        await runtime.stop()


async def test_forged_erasure_requests_are_not_applied(infra: Infra, unique: str) -> None:
    service = f"forgetest{unique}"
    runtime = infra.runtime(service, log_level="CRITICAL")
    install_erasure_consumer(runtime)
    victim, attacker = f"victim-{unique}", f"attacker-{unique}"
    await runtime.db.profiles.insert_one({"_id": victim, "user_id": victim})
    await runtime.start()
    try:
        forged = [
            erasure_requested(victim, service, source="memory"),
            erasure_requested(victim, service, subject=attacker),
        ]
        for event in forged:
            await runtime.publish(Topic.IDENTITY_USERS.value, event)
        dead = await _collect_dead_letters(
            infra.kafka_bootstrap, Topic.IDENTITY_USERS.value, {victim, attacker}
        )
        assert set(dead) == {victim, attacker}
        assert dead[victim]["body"]["reason"] == "untrusted"
        assert "source 'memory' does not produce" in dead[victim]["body"]["error"]
        assert "differs from data.user_id" in dead[attacker]["body"]["error"]
        assert await runtime.db.profiles.count_documents({"user_id": victim}) == 1
        assert not await runtime.tombstones.is_erased(victim)

        # The same request from identity about its own subject is applied.
        genuine = erasure_requested(victim, service)
        await runtime.publish(Topic.IDENTITY_USERS.value, genuine)
        deadline = time.monotonic() + 60
        while not await runtime.tombstones.is_erased(victim):
            assert time.monotonic() < deadline, "the genuine erasure was not applied"
            await asyncio.sleep(0.2)
        assert await runtime.db.profiles.count_documents({"user_id": victim}) == 0

        # Announced again (identity does so for a stuck erasure): erased and confirmed again.
        again = genuine.model_copy(update={"id": uuid.uuid4()})
        await runtime.publish(Topic.IDENTITY_USERS.value, again)
        confirmations = await collect(
            infra.kafka_bootstrap,
            Topic.ERASURE_CONFIRMATIONS.value,
            lambda body: body.get("subject") == victim,
            count=2,
        )
        assert len(confirmations) == 2
        assert {c["data"]["erasure_id"] for c in confirmations} == {genuine.data["erasure_id"]}
        assert {c["source"] for c in confirmations} == {service}
        assert await runtime.db.profiles.count_documents({"user_id": victim}) == 0
    finally:
        await runtime.stop()
