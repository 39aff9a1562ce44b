"""An event applied while the user's erasure commits leaves nothing behind.

The tombstone check before a handler and the erasure are separate transactions, so a
handler can commit a write just after the erasure did, or while the erasure's transaction
runs (invisible to its snapshot). The consumer checks the tombstone again after each commit,
the erasure's own included, and sweeps the user's data; without that the write would survive.

The tests wait for the handler's transaction to commit before they wait for the sweep: a
handler signals from inside its transaction, and a read between that signal and the commit
sees nothing yet, which would look like a sweep that already happened.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from muninn_shared.events import EventEnvelope, Topic, new_event, spec_for
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect


async def test_a_write_racing_the_erasure_is_swept(infra: Infra, unique: str) -> None:
    runtime, user = _racing_runtime(infra, unique, "latetest")
    change = _routing_change(user)
    commits = _observe_commits(runtime, change, "late-probe")

    await runtime.start()
    try:
        await _race_the_erasure_and_wait_for_the_sweep(runtime, user, change, commits)
    finally:
        await runtime.stop()


async def test_a_write_whose_sweep_failed_is_swept_on_redelivery(infra: Infra, unique: str) -> None:
    """A failure after the commit (a failover during the sweep, a crash) retries the event.

    The retry finds the tombstone before the handler and must still sweep what the first
    attempt committed, not only skip the event.
    """
    runtime, user = _racing_runtime(infra, unique, "sweeptest")
    change = _routing_change(user)
    commits = _observe_commits(runtime, change, "late-probe")
    sweep = runtime.consumers._late_erasure
    assert sweep is not None
    sweeps_tried: list[str] = []

    async def sweep_failing_once(user_id: str) -> None:
        sweeps_tried.append(user_id)
        if len(sweeps_tried) == 1:
            raise ConnectionError("the database went away during the sweep")
        await sweep(user_id)

    runtime.consumers.on_late_erasure(sweep_failing_once)

    await runtime.start()
    try:
        await _race_the_erasure_and_wait_for_the_sweep(runtime, user, change, commits)
        assert len(sweeps_tried) == 2
    finally:
        await runtime.stop()


@dataclass
class _Commits:
    done: asyncio.Event = field(default_factory=asyncio.Event)
    documents_left: list[int] = field(default_factory=list)


def _racing_runtime(infra: Infra, unique: str, prefix: str) -> tuple[ServiceRuntime, str]:
    """A service whose handler sees the user's erasure land while it runs."""
    runtime = infra.runtime(
        f"{prefix}{unique}", log_level="WARNING", consumer_retry_base_seconds=0.05
    )
    install_erasure_consumer(runtime)
    user = f"racer-{unique}"

    @runtime.consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="late-probe")
    async def remember(event: EventEnvelope, session: AsyncClientSession) -> None:
        if event.subject != user:
            return  # another test's event on the module's topic
        # The erasure commits while this handler runs: its tombstone lands first.
        await runtime.tombstones.record(event.subject, None)
        await runtime.db.profiles.insert_one(
            {"_id": event.subject, "user_id": event.subject, "email": "x@example.com"},
            session=session,
        )

    return runtime, user


def _observe_commits(runtime: ServiceRuntime, change: EventEnvelope, probe: str) -> _Commits:
    """Done once the probe's transaction for ``change`` committed, noting what it left."""
    commits = _Commits()
    original_apply = runtime.processed.apply_once

    async def apply_and_observe(consumer: str, event_id: str, work: object) -> bool:
        ran = await original_apply(consumer, event_id, work)  # type: ignore[arg-type]
        if consumer.endswith(probe) and event_id == str(change.id) and ran:
            # The consumer has not checked for a late erasure yet: nothing was swept so far.
            left = await runtime.db.profiles.count_documents({"user_id": change.subject})
            commits.documents_left.append(left)
            commits.done.set()
        return ran

    runtime.processed.apply_once = apply_and_observe  # type: ignore[method-assign]
    return commits


def _routing_change(user: str) -> EventEnvelope:
    return new_event(
        "byod.routing.changed",
        source="byod",
        subject=user,
        data={"user_id": user, "version": 1, "placement": "hosted"},
    )


async def _race_the_erasure_and_wait_for_the_sweep(
    runtime: ServiceRuntime, user: str, change: EventEnvelope, commits: _Commits
) -> None:
    """Publishes the change whose write races the erasure; it commits, then is swept."""
    await runtime.publish(Topic.BYOD_ROUTING.value, change)
    await asyncio.wait_for(commits.done.wait(), 90)
    assert commits.documents_left == [1], "the racing write committed"
    await _wait_until_swept(runtime, user)


async def _wait_until_swept(runtime: ServiceRuntime, user: str) -> None:
    deadline = time.monotonic() + 30
    while await runtime.db.profiles.count_documents({"user_id": user}):
        assert time.monotonic() < deadline, "the racing write was never swept"
        await asyncio.sleep(0.1)


async def test_a_write_committed_during_the_erasure_transaction_is_swept(
    infra: Infra, unique: str
) -> None:
    service = f"midtest{unique}"
    runtime = infra.runtime(service, log_level="WARNING")
    user = f"midway-{unique}"
    probe_committed = asyncio.Event()

    async def publish_probe() -> None:
        await runtime.publish(
            Topic.BYOD_ROUTING.value,
            new_event(
                "byod.routing.changed",
                source="byod",
                subject=user,
                data={"user_id": user, "version": 1, "placement": "hosted"},
            ),
        )

    install_erasure_consumer(runtime)
    record_tombstone = runtime.tombstones.record

    async def record_once_the_probe_committed(user_id: str, session: Any) -> None:
        # The erasure has deleted what it saw and not committed yet: the other consumer
        # commits its write now, checking a tombstone that does not exist yet.
        await publish_probe()
        await asyncio.wait_for(probe_committed.wait(), 90)
        await record_tombstone(user_id, session)

    runtime.tombstones.record = record_once_the_probe_committed  # type: ignore[method-assign]

    @runtime.consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="midway-probe")
    async def remember(event: EventEnvelope, session: AsyncClientSession) -> None:
        await runtime.db.profiles.insert_one(
            {"_id": event.subject, "user_id": event.subject, "email": "y@example.com"},
            session=session,
        )

    original_apply = runtime.processed.apply_once

    async def apply_and_signal(consumer: str, event_id: str, work: object) -> bool:
        ran = await original_apply(consumer, event_id, work)  # type: ignore[arg-type]
        if consumer.endswith("midway-probe"):
            probe_committed.set()
        return ran

    runtime.processed.apply_once = apply_and_signal  # type: ignore[method-assign]

    await runtime.start()
    try:
        await runtime.publish(
            Topic.IDENTITY_USERS.value,
            erasure_requested(user, service),
        )
        deadline = time.monotonic() + 120
        while not await runtime.tombstones.is_erased(user):
            assert time.monotonic() < deadline, "the erasure never committed"
            await asyncio.sleep(0.1)
        assert probe_committed.is_set()
        deadline = time.monotonic() + 30
        while await runtime.db.profiles.count_documents({"user_id": user}) and (
            time.monotonic() < deadline
        ):
            await asyncio.sleep(0.1)
        assert await runtime.db.profiles.count_documents({"user_id": user}) == 0
        # The sweep after the erasure drops the user's pending events, never its receipt.
        receipts = await collect(
            infra.kafka_bootstrap,
            spec_for("privacy.erasure.completed").topic.value,
            lambda b: b.get("subject") == user and b.get("type") == "privacy.erasure.completed",
            timeout=60,
        )
        assert len(receipts) == 1, "the erasure is confirmed"
        assert receipts[0]["data"]["service"] == service
    finally:
        await runtime.stop()
