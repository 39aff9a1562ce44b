"""Two scheduler replicas share 10,000 due reminders: each fires once, none twice, none lost —
even when one replica is SIGKILLed half-way and restarted.

The timers are real reminder timers: every fire claims with a lease, reads the reminder,
creates and delivers an in-app notification (proactive message + inbox) and marks the timer
fired, in one transaction guarded by the claim.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from muninn_devstack.servers import ManagedProcess, free_port, port_open, wait_until
from pymongo import AsyncMongoClient

from tests.integration.infra import Infra
from tests.integration.scheduler_load import seed_reminders

TIMERS = 10_000
DEADLINE_SECONDS = 1500


def replica(name: str, infra: Infra, prefix: str, logs: Path) -> ManagedProcess:
    port = free_port()
    process = ManagedProcess(
        name=name,
        argv=[sys.executable, "-m", "muninn_scheduler"],
        log_path=logs / f"{name}.log",
        env={
            "MUNINN_PORT": str(port),
            "MUNINN_INSTANCE_ID": name,
            "MUNINN_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "MUNINN_MONGO_URI": infra.mongo_uri,
            "MUNINN_MONGO_DATABASE_PREFIX": prefix,
            "MUNINN_KAFKA_GROUP_PREFIX": prefix.rstrip("_") + ".",
            # Long enough that a chunk on a busy machine finishes inside it; a killed
            # replica's claims come back after it.
            "MUNINN_TIMER_LEASE_SECONDS": "15",
            "MUNINN_TIMER_BATCH_SIZE": "100",
            "MUNINN_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        },
    )
    process.start()
    wait_until(lambda: port_open(port), timeout=180, what=name, process=process)
    return process


POLL_SECONDS = 1.0


async def fired(db: Any) -> int:
    """Every fire inserts its notification in the same transaction, so the size of that
    collection is the progress: a metadata read, where counting timers by status would read
    thousands of documents from the database the replicas are firing against."""
    return int(await db.notifications.estimated_document_count())


async def progress(db: Any) -> dict[str, int]:
    return {
        status: await db.timers.count_documents({"status": status})
        for status in ("scheduled", "firing", "fired", "skipped", "failed")
    }


@pytest.mark.timeout(DEADLINE_SECONDS + 300)
async def test_two_replicas_fire_every_timer_exactly_once_through_a_crash(
    infra: Infra, mongo: AsyncMongoClient, unique: str, tmp_path: Path
) -> None:
    prefix = f"muninn_rep{unique}_"
    database = f"{prefix}scheduler"
    db = mongo[database]
    ids = await seed_reminders(
        mongo, database, TIMERS, due=datetime.now(UTC) - timedelta(seconds=1)
    )
    started = time.monotonic()
    deadline = started + DEADLINE_SECONDS
    first = replica("replica-a", infra, prefix, tmp_path)
    second = replica("replica-b", infra, prefix, tmp_path)
    restarted = False
    try:
        while await fired(db) < TIMERS // 3:
            assert time.monotonic() < deadline, (
                f"replicas made little progress: {await progress(db)}\n"
                f"{first.tail()}\n{second.tail()}"
            )
            await asyncio.sleep(POLL_SECONDS)
        print("before the crash:", await progress(db), f"{time.monotonic() - started:.0f}s")
        first.kill()  # mid-run, with claims in flight
        while (done := await fired(db)) < TIMERS:
            assert time.monotonic() < deadline, f"only {await progress(db)}\n{second.tail()}"
            if not restarted and done > TIMERS * 2 // 3:
                first = replica("replica-a", infra, prefix, tmp_path)
                restarted = True
            await asyncio.sleep(POLL_SECONDS)
        print(f"all {TIMERS} fired {time.monotonic() - started:.0f}s after the replicas started")
    finally:
        first.stop()
        second.stop()

    assert restarted, "the killed replica came back"
    fired_counts = {
        doc["_id"]: doc["fired_count"] async for doc in db.reminders.find({}, {"fired_count": 1})
    }
    assert len(fired_counts) == TIMERS
    assert set(fired_counts.values()) == {1}, "every reminder fired exactly once"
    grouped = await db.notifications.aggregate([{"$group": {"_id": "$ref_id", "n": {"$sum": 1}}}])
    per_reminder = await grouped.to_list(None)
    assert len(per_reminder) == TIMERS, "none lost"
    assert {row["n"] for row in per_reminder} == {1}, "none twice"
    assert {row["_id"] for row in per_reminder} == set(ids)
    assert await db.notifications.count_documents({"status": "unread"}) == TIMERS
    claimers = {
        doc["claim"].split(":")[1]
        async for doc in db.timers.find({"status": "fired"}, {"claim": 1})
    }
    assert claimers == {"replica-a", "replica-b"}, "both replicas did share the work"
