"""Outbox → relay → Kafka → idempotent consumer, with both sides SIGKILLed mid-stream."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from muninn_devstack.servers import ManagedProcess
from pymongo import AsyncMongoClient

from tests.integration.infra import Infra

TOTAL = 300


def _worker(role: str, user: str, db_suffix: str, infra: Infra, logs: Path) -> ManagedProcess:
    return ManagedProcess(
        name=role,
        argv=[
            sys.executable,
            "-m",
            "tests.integration.workers.outbox_worker",
            role,
            user,
            str(TOTAL),
        ],
        log_path=logs / f"{role}.log",
        env={
            "MUNINN_SERVICE_NAME": f"outboxtest_{db_suffix}",
            "MUNINN_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "MUNINN_MONGO_URI": infra.mongo_uri,
            "MUNINN_OUTBOX_POLL_INTERVAL_SECONDS": "0.05",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
    )


async def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


async def test_every_event_applied_exactly_once_across_crashes(
    infra: Infra, mongo: AsyncMongoClient, unique: str, tmp_path: Path
) -> None:
    producer_db = mongo[f"muninn_outboxtest_p{unique}"]
    consumer_db = mongo[f"muninn_outboxtest_c{unique}"]
    user = f"user-{unique}"
    consumer = _worker("consumer", user, f"c{unique}", infra, tmp_path)
    producer = _worker("producer", user, f"p{unique}", infra, tmp_path)
    consumer.start()
    producer.start()
    try:
        # Kill the producer/relay once part of the stream has gone out, then restart it.
        await _wait_for(lambda: _count(producer_db.changes, 80), 60, "producer progress")
        producer.kill()
        await _wait_for(lambda: _count(consumer_db.applied, 40), 60, "consumer progress")
        # Kill the consumer mid-stream too, then bring both back.
        consumer.kill()
        producer = _worker("producer", user, f"p{unique}", infra, tmp_path)
        producer.start()
        consumer = _worker("consumer", user, f"c{unique}", infra, tmp_path)
        consumer.start()
        await _wait_for(lambda: _count(consumer_db.applied, TOTAL), 120, "all events applied")
        await asyncio.sleep(2)  # let any redelivery land before counting
    finally:
        producer.stop()
        consumer.stop()

    applied = {doc["_id"]: doc["count"] async for doc in consumer_db.applied.find()}
    assert sorted(applied) == list(range(TOTAL)), "an acknowledged event was lost"
    assert set(applied.values()) == {1}, (
        f"an event was applied twice: {[k for k, v in applied.items() if v != 1]}"
    )
    assert await producer_db.outbox.count_documents({}) == 0


async def _count(collection, at_least: int) -> bool:
    # Collection metadata, not a scan: these polls share the database with the workers.
    return await collection.estimated_document_count() >= at_least
