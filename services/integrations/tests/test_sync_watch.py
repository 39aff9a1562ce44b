"""The watcher's bookkeeping: leases follow eligibility, and a change that lands while the
connection's sync is running is synced again once that sync ends."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.connectors.port import WatchOutcome
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint
from muninn_integrations.sync.models import JobKind, JobStatus, SyncJob
from muninn_integrations.sync.service import SyncService
from muninn_integrations.watch.service import SyncWatcher, WatchPolicy
from muninn_integrations.watch.store import WatchStore

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


class Leases:
    def __init__(self) -> None:
        self.held: dict[str, str] = {}
        self.rested: set[str] = set()

    async def claim(
        self, user_id: str, connection_id: str, owner: str, now: datetime, until: datetime
    ) -> bool:
        if self.held.get(connection_id, owner) != owner or connection_id in self.rested:
            return False
        self.held[connection_id] = owner
        return True

    async def renew(self, connection_ids: Collection[str], owner: str, until: datetime) -> set[str]:
        return {c for c in connection_ids if self.held.get(c) == owner}

    async def release(self, connection_id: str, owner: str) -> None:
        if self.held.get(connection_id) == owner:
            del self.held[connection_id]

    async def rest(self, connection_id: str, owner: str, until: datetime) -> None:
        self.held.pop(connection_id, None)
        self.rested.add(connection_id)


class Connections:
    def __init__(self) -> None:
        self.realtime_now: list[tuple[str, str]] = []

    async def realtime(self, limit: int) -> list[tuple[str, str]]:
        return self.realtime_now[:limit]

    async def endpoint(self, user_id: str, connection_id: str) -> tuple[Any, Endpoint]:
        return None, cast(Endpoint, connection_id)


class Mailbox:
    """A source that can push: each ``changed.set()`` wakes one wait."""

    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.closed = 0

    async def wait_for_change(
        self, *, timeout: float, listening: asyncio.Event | None = None
    ) -> WatchOutcome:
        try:
            async with asyncio.timeout(timeout):
                await self.changed.wait()
        except TimeoutError:
            return WatchOutcome.TIMEOUT
        self.changed.clear()
        return WatchOutcome.CHANGED

    async def aclose(self) -> None:
        self.closed += 1


class Feed:
    """A source that cannot push (no wait_for_change)."""

    async def aclose(self) -> None:
        return None


class Registry:
    def __init__(self, sources: dict[str, Any]) -> None:
        self.sources = sources

    def open(self, endpoint: Endpoint) -> Any:
        return self.sources[cast(str, endpoint)]


class Sync:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.running: set[str] = set()

    async def request(
        self, user_id: str, connection_id: str, *, full: bool, trigger: str = "manual"
    ) -> tuple[SyncJob, bool]:
        running = connection_id in self.running
        if not running:
            self.requests.append(trigger)
        job = SyncJob(
            id="j",
            connection_id=connection_id,
            job_type=JobKind.INCREMENTAL,
            status=JobStatus.RUNNING if running else JobStatus.PENDING,
            trigger=trigger,
            created_at=NOW,
        )
        return job, not running


def watcher(
    leases: Leases, connections: Connections, sources: dict[str, Any], sync: Sync, owner: str
) -> SyncWatcher:
    return SyncWatcher(
        store=cast(WatchStore, leases),
        connections=cast(ConnectionService, connections),
        registry=cast(ConnectorRegistry, Registry(sources)),
        sync=cast(SyncService, sync),
        owner=owner,
        policy=WatchPolicy(
            max_watches=10,
            wait_seconds=5,
            scan_seconds=0.01,
            rest_after_unsupported=timedelta(hours=1),
        ),
        clock=lambda: NOW,
    )


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_change_during_a_running_sync_is_synced_again_when_it_ends() -> None:
    leases, connections, sync, mailbox = Leases(), Connections(), Sync(), Mailbox()
    connections.realtime_now = [("c1", "u1")]
    watching = watcher(leases, connections, {"c1": mailbox}, sync, "a")
    await watching.scan()
    assert watching.watched == {"c1"}

    mailbox.changed.set()
    await settle()
    assert sync.requests == ["push"]

    sync.running.add("c1")  # that sync started; another change lands while it runs
    mailbox.changed.set()
    await settle()
    await watching.scan()
    assert sync.requests == ["push"]

    sync.running.clear()  # it ended: the change it may have missed is synced now
    await watching.scan()
    assert sync.requests == ["push", "push"]
    await watching.scan()
    assert sync.requests == ["push", "push"]
    await watching.stop()
    assert mailbox.closed == 1
    assert leases.held == {}


async def test_a_second_replica_does_not_watch_what_the_first_holds() -> None:
    leases, connections, mailbox = Leases(), Connections(), Mailbox()
    connections.realtime_now = [("c1", "u1")]
    first = watcher(leases, connections, {"c1": mailbox}, Sync(), "a")
    second = watcher(leases, connections, {"c1": mailbox}, Sync(), "b")
    await first.scan()
    await second.scan()
    assert (first.watched, second.watched) == ({"c1"}, frozenset())
    await first.stop()
    await second.scan()
    assert second.watched == {"c1"}
    await second.stop()


async def test_a_connection_no_longer_realtime_is_let_go_and_a_source_without_push_rests() -> None:
    leases, connections, mailbox = Leases(), Connections(), Mailbox()
    connections.realtime_now = [("c1", "u1"), ("feed", "u1")]
    watching = watcher(leases, connections, {"c1": mailbox, "feed": Feed()}, Sync(), "a")
    await watching.scan()
    await settle()
    assert leases.rested == {"feed"}

    connections.realtime_now = []  # paused, disconnected or set to hourly
    await watching.scan()
    assert watching.watched == frozenset()
    assert mailbox.closed == 1
    assert leases.held == {}
