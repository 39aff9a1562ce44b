"""The outbox relay sets an undeliverable row aside and carries on; outages are waited out.

Against a real MongoDB; the publisher stands in for the Kafka client and refuses, as
aiokafka does, a record above its 1 MiB request limit.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from bson import ObjectId
from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.events.bounds import encode_envelope
from muninn_shared.http.health import run_checks
from muninn_shared.storage import outbox_dead_letters
from muninn_shared.storage.outbox import DEAD_LETTERS, OUTBOX, Outbox, OutboxRelay
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.infra import Infra

KAFKA_REQUEST_LIMIT = 1_048_576
EMOJI = "\U0001f600"

Doc = dict[str, Any]


class FakeKafka:
    def __init__(self) -> None:
        self.published: list[tuple[str, EventEnvelope]] = []
        self.down = False

    async def publish(self, topic: str, event: EventEnvelope) -> None:
        if self.down:
            raise KafkaConnectionError("Unable to bootstrap from [('127.0.0.1', 9)]")
        size = len(encode_envelope(event))
        if size > KAFKA_REQUEST_LIMIT:
            raise MessageSizeTooLargeError(
                f"The message is {size} bytes when serialized which is larger than the "
                "maximum request size you have configured with the max_request_size configuration"
            )
        self.published.append((topic, event))

    @property
    def users(self) -> list[str]:
        return [event.subject for _, event in self.published]


def message(user_id: str, content: str) -> EventEnvelope:
    return new_event(
        "conversation.message.created",
        source="conversation",
        subject=user_id,
        data={
            "user_id": user_id,
            "conversation_id": "c1",
            "message_id": ObjectId().__str__(),
            "role": "user",
            "content": content,
            "created_at": datetime.now(UTC),
        },
    )


def raw_row(event: EventEnvelope | None = None, **fields: Any) -> Doc:
    """A row as older code (or a corrupted write) left it: nothing measured, nothing cut."""
    row: Doc = {"_id": ObjectId(), "created_at": datetime.now(UTC), "published_at": None}
    if event is not None:
        row.update(
            event_id=str(event.id),
            topic="muninn.conversation.messages",
            user_id=event.subject,
            envelope=event.model_dump(mode="json"),
        )
    row.update(fields)
    return row


@pytest.fixture
async def db(mongo: AsyncMongoClient[Doc], unique: str) -> AsyncDatabase[Doc]:
    database = mongo[f"outboxdl_{unique}"]
    await Outbox(database).ensure_indexes()
    return database


def relay_for(db: AsyncDatabase[Doc], outbox: Outbox, kafka: FakeKafka) -> OutboxRelay:
    return OutboxRelay(db, outbox, kafka.publish, name="test", batch_size=50)


async def test_a_row_kafka_refuses_is_set_aside_and_the_rows_after_it_go_out(
    db: AsyncDatabase[Doc],
) -> None:
    outbox, kafka = Outbox(db), FakeKafka()
    await outbox.put(message("alice", "first"), None)
    poisoned = raw_row(message("mallory", EMOJI * 100_000))
    await db[OUTBOX].insert_one(poisoned)
    await outbox.put(message("bob", "My sister Ingrid lives in Bergen."), None)
    relay = relay_for(db, outbox, kafka)

    handled = await relay.run_once()

    assert handled == 3
    assert kafka.users == ["alice", "bob"]
    assert await db[OUTBOX].count_documents({}) == 0
    [dead] = await outbox.dead_letters()
    assert dead["_id"] == poisoned["_id"]
    assert dead["event_id"] == poisoned["event_id"]
    assert dead["envelope"] == poisoned["envelope"]
    assert "too large" in dead["error"]
    assert relay.dead_lettered == 1
    assert await outbox.dead_letter_count() == 1


async def test_rows_no_retry_can_publish_are_set_aside_with_their_reason(
    db: AsyncDatabase[Doc],
) -> None:
    outbox, kafka = Outbox(db), FakeKafka()
    invalid = raw_row(message("u1", "hi"))
    invalid["envelope"]["subject"] = ""
    unknown = raw_row(message("u2", "hi"))
    unknown["envelope"]["type"] = "conversation.message.teleported"
    no_envelope = raw_row(None, topic="muninn.conversation.messages", user_id="u3")
    for row in (invalid, unknown, no_envelope):
        await db[OUTBOX].insert_one(row)
    await outbox.put(message("u4", "still delivered"), None)

    await relay_for(db, outbox, kafka).run_once()

    assert kafka.users == ["u4"]
    errors = {d["_id"]: d["error"] for d in await outbox.dead_letters()}
    assert errors[invalid["_id"]].startswith("invalid envelope")
    assert errors[unknown["_id"]] == "unknown event type: conversation.message.teleported"
    assert errors[no_envelope["_id"]] == "invalid outbox row: no envelope"


async def test_a_row_above_the_cap_is_set_aside_before_kafka_sees_it(
    db: AsyncDatabase[Doc],
) -> None:
    outbox, kafka = Outbox(db, max_event_bytes=20_000), FakeKafka()
    await db[OUTBOX].insert_one(raw_row(message("u1", "x" * 30_000)))

    await relay_for(db, outbox, kafka).run_once()

    assert kafka.published == []
    [dead] = await outbox.dead_letters()
    assert dead["error"].startswith("message too large")


async def test_an_unreachable_broker_is_waited_out_not_dead_lettered(
    db: AsyncDatabase[Doc],
) -> None:
    outbox, kafka = Outbox(db), FakeKafka()
    await outbox.put(message("u1", "one"), None)
    await outbox.put(message("u1", "two"), None)
    relay = relay_for(db, outbox, kafka)
    kafka.down = True

    with pytest.raises(KafkaConnectionError):
        await relay.run_once()

    assert await db[OUTBOX].count_documents({}) == 2
    assert await outbox.dead_letter_count() == 0
    kafka.down = False
    assert await relay.run_once() == 2
    assert [event.data["content"] for _, event in kafka.published] == ["one", "two"]


async def test_the_outbox_cuts_an_oversized_message_when_it_is_written(
    db: AsyncDatabase[Doc],
) -> None:
    outbox, kafka = Outbox(db), FakeKafka()
    await outbox.put(message("u1", EMOJI * 100_000), None)

    await relay_for(db, outbox, kafka).run_once()

    [(_, event)] = kafka.published
    assert event.data["content_truncated"] is True
    assert event.data["content_length"] == 100_000
    assert len(encode_envelope(event)) <= outbox.max_event_bytes
    assert await outbox.dead_letter_count() == 0


async def test_a_requeued_dead_letter_goes_out_cut_after_the_rows_already_waiting(
    db: AsyncDatabase[Doc],
) -> None:
    outbox, kafka = Outbox(db), FakeKafka()
    poisoned = raw_row(message("mallory", EMOJI * 100_000))
    await db[OUTBOX].insert_one(poisoned)
    relay = relay_for(db, outbox, kafka)
    await relay.run_once()
    await outbox.put(message("bob", "waiting"), None)

    requeued = await outbox.requeue(poisoned["_id"])

    assert requeued is not None
    assert await outbox.dead_letter_count() == 0
    await relay.run_once()
    assert kafka.users == ["bob", "mallory"]
    _, event = kafka.published[1]
    assert str(event.id) == poisoned["event_id"]
    assert event.data["content_truncated"] is True
    assert await outbox.requeue(poisoned["_id"]) is None


async def test_setting_aside_twice_keeps_one_dead_letter(db: AsyncDatabase[Doc]) -> None:
    outbox = Outbox(db)
    row = raw_row(message("u1", "hi"))
    await db[OUTBOX].insert_one(row)

    await outbox.set_aside(row, "first attempt")
    await outbox.set_aside(row, "retried after a crash")

    assert await db[OUTBOX].count_documents({}) == 0
    [dead] = await outbox.dead_letters()
    assert dead["error"] == "retried after a crash"


async def test_an_erasure_discards_the_users_dead_letters(db: AsyncDatabase[Doc]) -> None:
    outbox = Outbox(db)
    mine, theirs = raw_row(message("erased", "secret")), raw_row(message("kept", "hello"))
    for row in (mine, theirs):
        await db[OUTBOX].insert_one(row)
        await outbox.set_aside(row, "refused")

    assert await outbox.discard_pending_for("erased", None) == 1

    assert [d["user_id"] for d in await outbox.dead_letters()] == ["kept"]


async def test_readiness_stays_ready_and_shows_the_dead_letter_count(
    infra: Infra, unique: str
) -> None:
    runtime = infra.runtime(f"outboxready{unique}", log_level="WARNING")
    try:
        checks = {"outbox": runtime.readiness_checks["outbox"]}
        assert await run_checks(checks) == {"outbox": "ok"}
        for n in range(2):
            row = raw_row(message(f"u{n}", "hi"))
            await runtime.db[OUTBOX].insert_one(row)
            await runtime.outbox.set_aside(row, "refused")
        assert await run_checks(checks) == {"outbox": "ok: 2 outbox dead letters"}
    finally:
        await runtime.mongo.close()


async def test_the_operator_command_lists_shows_and_requeues(
    infra: Infra, mongo: AsyncMongoClient[Doc], unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"cli{unique}_"
    monkeypatch.setenv("MUNINN_MONGO_URI", infra.mongo_uri)
    monkeypatch.setenv("MUNINN_MONGO_DATABASE_PREFIX", prefix)
    db = mongo[f"{prefix}conversation"]
    outbox = Outbox(db)
    row = raw_row(message("u1", "hi"))
    await db[OUTBOX].insert_one(row)
    await outbox.set_aside(row, "refused by Kafka: MessageSizeTooLargeError()")

    async def command(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        args = outbox_dead_letters.parser().parse_args(["--service", "conversation", *argv])
        status = await outbox_dead_letters.run(args, out)
        return status, out.getvalue()

    status, listed = await command("list")
    assert status == 0
    summary = json.loads(listed.splitlines()[0])
    assert summary["id"] == str(row["_id"])
    assert summary["type"] == "conversation.message.created"
    assert summary["error"].startswith("refused by Kafka")
    assert listed.splitlines()[-1].startswith("1 outbox dead letter")

    status, shown = await command("show", str(row["_id"]))
    assert status == 0
    assert json.loads(shown)["envelope"]["data"]["content"] == "hi"

    status, requeued = await command("requeue", str(row["_id"]))
    assert status == 0
    assert "re-queued" in requeued
    assert await db[DEAD_LETTERS].count_documents({}) == 0
    [back] = await db[OUTBOX].find({}).to_list()
    assert back["event_id"] == row["event_id"]

    assert (await command("show", str(row["_id"])))[0] == 1
    with pytest.raises(SystemExit):
        await command("requeue", "not-an-id")
