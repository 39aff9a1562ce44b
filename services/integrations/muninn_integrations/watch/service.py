"""Realtime connections whose source can push (IMAP IDLE) are synced as soon as it does.

Each scan finds the connected, enabled ``realtime`` connections, takes the lease of those no
other replica watches (up to a per-replica cap), and keeps one wait open per connection.
When the source says something changed, an incremental sync is queued at once; a change that
arrives while that connection's sync is already running is queued again once it ends, so the
running pass cannot swallow it. The schedule still polls every realtime connection, so a
watch that fails only delays a change to the next scheduled sync.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError

from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.connectors.port import (
    ConnectorError,
    CredentialsRejectedError,
    Watchable,
    WatchOutcome,
)
from muninn_integrations.connectors.registry import ConnectorRegistry
from muninn_integrations.sync.models import JobStatus
from muninn_integrations.sync.service import SyncService
from muninn_integrations.watch.store import WatchStore

log = get_logger(__name__)

MAX_BACKOFF_SECONDS = 300.0


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WatchPolicy:
    max_watches: int  # push waits one replica keeps open (one server connection each)
    wait_seconds: float  # one wait's length; IMAP asks for IDLE to be renewed within 29 min
    scan_seconds: float  # how often leases are renewed and new connections looked for
    rest_after_unsupported: timedelta  # a source that cannot push is tried again after this

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.scan_seconds * 3)


@dataclass
class _Watch:
    user_id: str
    task: asyncio.Task[None]
    changed: bool = False  # a change not yet covered by a sync that started after it


class SyncWatcher:
    def __init__(
        self,
        *,
        store: WatchStore,
        connections: ConnectionService,
        registry: ConnectorRegistry,
        sync: SyncService,
        owner: str,
        policy: WatchPolicy,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._connections = connections
        self._registry = registry
        self._sync = sync
        self._owner = owner
        self._policy = policy
        self._clock = clock
        self._watches: dict[str, _Watch] = {}

    @property
    def watched(self) -> frozenset[str]:
        return frozenset(self._watches)

    async def run_forever(self) -> None:
        try:
            while True:
                await self.scan()
                await asyncio.sleep(self._policy.scan_seconds)
        finally:
            await self.stop()

    async def scan(self) -> None:
        """Renew, drop and take leases; queue the syncs of changes left waiting."""
        now = self._clock()
        until = now + self._policy.lease
        for connection_id, watch in list(self._watches.items()):
            if watch.task.done():
                if not watch.task.cancelled() and watch.task.exception() is not None:
                    log.warning(
                        "sync_watch_crashed",
                        connection_id=connection_id,
                        error=repr(watch.task.exception()),
                    )
                await self._forget(connection_id)
        eligible = dict(await self._connections.realtime(limit=self._policy.max_watches * 4))
        held = await self._store.renew(self._watches.keys(), self._owner, until)
        for connection_id in list(self._watches):
            if connection_id not in held or connection_id not in eligible:
                await self._forget(connection_id)
        for connection_id, user_id in eligible.items():
            if len(self._watches) >= self._policy.max_watches:
                break
            if connection_id in self._watches:
                continue
            if await self._store.claim(user_id, connection_id, self._owner, now, until):
                self._start(user_id, connection_id)
        for connection_id, watch in self._watches.items():
            if watch.changed:
                await self._queue(connection_id, watch)

    async def stop(self) -> None:
        for connection_id in list(self._watches):
            await self._forget(connection_id)

    def _start(self, user_id: str, connection_id: str) -> None:
        task = asyncio.create_task(
            self._watch(user_id, connection_id), name=f"sync-watch:{connection_id}"
        )
        self._watches[connection_id] = _Watch(user_id, task)

    async def _forget(self, connection_id: str) -> None:
        watch = self._watches.pop(connection_id, None)
        if watch is None:
            return
        watch.task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await watch.task
        with suppress(Exception):  # an unreleased lease simply runs out
            await self._store.release(connection_id, self._owner)

    async def _watch(self, user_id: str, connection_id: str) -> None:
        bound = log.bind(connection_id=connection_id)
        backoff = 1.0
        while True:
            try:
                if not await self._wait_on_source(user_id, connection_id):
                    await self._store.rest(
                        connection_id,
                        self._owner,
                        self._clock() + self._policy.rest_after_unsupported,
                    )
                    bound.info("sync_watch_unsupported")
                    return
            except ProblemError:  # the connection is gone
                return
            except CredentialsRejectedError:
                return  # the next scheduled sync marks the connection expired
            except (ConnectorError, OSError) as exc:
                bound.info("sync_watch_interrupted", error=type(exc).__name__)
                await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _wait_on_source(self, user_id: str, connection_id: str) -> bool:
        """Wait on the source until it fails; False when it cannot push at all."""
        _, endpoint = await self._connections.endpoint(user_id, connection_id)
        connector = self._registry.open(endpoint)
        try:
            if not isinstance(connector, Watchable):
                return False
            while True:
                outcome = await connector.wait_for_change(timeout=self._policy.wait_seconds)
                if outcome is WatchOutcome.UNSUPPORTED:
                    return False
                if outcome is WatchOutcome.CHANGED:
                    watch = self._watches.get(connection_id)
                    if watch is not None:
                        await self._queue(connection_id, watch)
        finally:
            await connector.aclose()

    async def _queue(self, connection_id: str, watch: _Watch) -> None:
        watch.changed = True
        try:
            job, _ = await self._sync.request(
                watch.user_id, connection_id, full=False, trigger="push"
            )
        except ProblemError:
            return  # gone, or its previous job is finishing: the next scan asks again
        # A pending job has not read the source yet, so it will see the change.
        watch.changed = job.status is JobStatus.RUNNING
