"""Sync jobs: queued by schedule or by hand, run by whichever replica holds the lease.

Each page of changes is applied, announced (outbox) and its cursor saved in one transaction,
so a replica killed mid-sync leaves the job at its last committed page; another replica
claims it when the lease runs out and goes on from there. A source that is down is waited
out with jittered back-off; refused credentials stop the job and mark the connection
``expired`` until the user acts.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError, or_not_found
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.routed import across_stores, serving_user
from muninn_shared.storage.routes import RouteTable
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from muninn_integrations.connections.models import Connection, ConnectionStatus
from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.connectors.port import (
    Change,
    ConnectorError,
    CredentialsRejectedError,
    CursorExpiredError,
    RecordKind,
    SourceUnavailableError,
)
from muninn_integrations.connectors.registry import ConnectorRegistry
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.models import JobKind, JobStatus, SyncJob, SyncJobPage
from muninn_integrations.sync.sinks import Applied, RecordSink, SyncScope
from muninn_integrations.sync.store import SyncStore, sync_job_from_doc

log = get_logger(__name__)


# Derives more from a page just applied, in its transaction (interactions from mail).
Follower = Callable[[SyncScope, RecordKind, Sequence[Applied], AsyncClientSession], Awaitable[None]]


class LeaseLostError(RuntimeError):
    """Another replica took the job over (this one was too slow) or it was removed."""


def connection_scope(user_id: str, connection: Connection, generation: str | None) -> SyncScope:
    """The scope a sync of ``connection`` applies its pages in. Its user name is the
    account's own address when it is one (a Google account, most IMAP logins)."""
    name = (connection.username or "").strip().lower()
    account = name if "@" in name else None
    return SyncScope(user_id, connection.id, connection.provider.value, generation, account)


def utcnow() -> datetime:
    return datetime.now(UTC)


class SyncService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: SyncStore,
        connections: ConnectionService,
        registry: ConnectorRegistry,
        sinks: Sequence[RecordSink],
        announcer: RecordAnnouncer,
        followers: Sequence[Follower] = (),
        owner: str,
        lease: timedelta,
        page_size: int,
        max_attempts: int,
        retry_base_seconds: float,
        poll_seconds: float,
        clock: Callable[[], datetime] = utcnow,
        routes: RouteTable | None = None,
    ) -> None:
        """``routes``: BYOD users' own databases, where their jobs and synced records live."""
        self._routes = routes
        self._client = client
        self._store = store
        self._connections = connections
        self._registry = registry
        self._sinks: Mapping[RecordKind, RecordSink] = {sink.kind: sink for sink in sinks}
        self._announcer = announcer
        self._followers = tuple(followers)
        self._owner = owner
        self._lease = lease
        self._page_size = page_size
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._poll = poll_seconds
        self._clock = clock
        self._wake = asyncio.Event()

    # -- the API -----------------------------------------------------------------------------

    async def request(
        self, user_id: str, connection_id: str, *, full: bool, trigger: str = "manual"
    ) -> tuple[SyncJob, bool]:
        """Queue a sync of the connection; (the job, whether it is new). One runs at a time:
        asking while one is queued or running returns that one."""
        with serving_user(self._routes, user_id):
            return await self._request(user_id, connection_id, full=full, trigger=trigger)

    async def _request(
        self, user_id: str, connection_id: str, *, full: bool, trigger: str
    ) -> tuple[SyncJob, bool]:
        await self._connections.get(user_id, connection_id)
        saved = await self._store.saved_cursor(connection_id)
        kind = JobKind.FULL if full or saved is None else JobKind.INCREMENTAL
        now = self._clock()
        job_id = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "_id": job_id,
            "user_id": user_id,
            "connection_id": connection_id,
            "job_type": kind.value,
            "status": JobStatus.PENDING.value,
            "progress_percentage": 0,
            "items_processed": 0,
            "items_total": None,
            "records_changed": 0,
            "attempts": 0,
            "error_message": None,
            "cancel_requested": False,
            "trigger": trigger,
            "cursor": None if kind is JobKind.FULL else saved,
            "generation": job_id if kind is JobKind.FULL else None,
            "created_at": now,
            "started_at": None,
            "completed_at": None,
            "not_before": now,
            "lease_owner": None,
            "lease_until": None,
        }

        async def work(session: AsyncClientSession) -> None:
            await self._store.take_slot(user_id, connection_id, job_id, session)
            await self._store.insert_job(doc, session)

        try:
            await in_transaction(self._client, work)
        except DuplicateKeyError:
            active = await self._store.active_job_id(connection_id)
            job = await self._store.get(user_id, active) if active else None
            if job is None:
                raise ProblemError(
                    409, "A sync of this connection is finishing; try again.", code="sync-busy"
                ) from None
            return job, False
        self._wake.set()
        return sync_job_from_doc(doc), True

    async def get(self, user_id: str, job_id: str) -> SyncJob:
        return or_not_found(await self._store.get(user_id, job_id), "Sync job")

    async def page(
        self, user_id: str, *, connection_id: str | None, limit: int, cursor: str | None
    ) -> SyncJobPage:
        items, next_cursor = await self._store.page(
            user_id, connection_id=connection_id, limit=limit, cursor=cursor
        )
        return SyncJobPage(items=items, next_cursor=next_cursor)

    async def cancel(self, user_id: str, job_id: str) -> SyncJob:
        job = await self.get(user_id, job_id)
        if job.status is JobStatus.PENDING:

            async def work(session: AsyncClientSession) -> dict[str, Any] | None:
                cancelled = await self._store.cancel_pending(
                    user_id, job_id, self._clock(), session
                )
                if cancelled is not None:
                    await self._store.release_slot(job.connection_id, job_id, session)
                return cancelled

            if await in_transaction(self._client, work) is not None:
                return await self.get(user_id, job_id)
        if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
            # A running job stops after the page it is applying, which stays applied.
            if await self._store.request_cancel(user_id, job_id) is not None:
                return await self.get(user_id, job_id)
            return await self.get(user_id, job_id)
        raise ProblemError(
            409, f"This sync has already ended ({job.status.value}).", code="sync-ended"
        )

    async def retry(self, user_id: str, job_id: str) -> SyncJob:
        job = await self.get(user_id, job_id)
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise ProblemError(
                409, "Only a failed or cancelled sync can be retried.", code="sync-not-ended"
            )
        retried, _ = await self.request(
            user_id, job.connection_id, full=job.job_type is JobKind.FULL, trigger="retry"
        )
        return retried

    async def forget_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> int:
        return await self._store.forget_connection(user_id, connection_id, session)

    # -- background --------------------------------------------------------------------------

    async def queue_due(self, limit: int = 100) -> int:
        """Queue a sync for every connection whose scheduled time has come."""
        now = self._clock()
        queued = 0
        for user_id, connection in await self._connections.due_for_sync(now, limit):
            await self._connections.schedule_next(connection, now)
            try:
                _, new = await self.request(user_id, connection.id, full=False, trigger="schedule")
            except ProblemError:
                continue  # removed meanwhile, or its previous job is just finishing
            queued += int(new)
        return queued

    async def work_forever(self) -> None:
        while True:
            if not await self.run_next():
                self._wake.clear()
                with suppress(TimeoutError):
                    async with asyncio.timeout(self._poll):
                        await self._wake.wait()

    async def run_next(self) -> bool:
        """Claim and run one job, from the main store or a BYOD user's own; False when none
        is ready on any."""
        return any(await across_stores(self._routes, self._run_next_here))

    async def _run_next_here(self) -> bool:
        doc = await self._store.claim(self._owner, self._clock(), self._lease)
        if doc is None:
            return False
        await self._run(doc)
        return True

    async def _run(self, doc: dict[str, Any]) -> None:
        job_id, user_id, connection_id = doc["_id"], doc["user_id"], doc["connection_id"]
        bound = log.bind(job_id=job_id, connection_id=connection_id, user_id=user_id)
        try:
            connection, endpoint = await self._connections.endpoint(user_id, connection_id)
        except ProblemError:
            await self._end(doc, JobStatus.CANCELLED, "The connection was removed.")
            return
        info = self._connections.info(connection.provider)
        kinds = info.kinds if info is not None else []
        # A connection may bring several kinds (a Google account: calendar, contacts, mail).
        sinks = [self._sinks[kind] for kind in kinds if kind in self._sinks]
        if not sinks or len(sinks) != len(kinds):
            await self._end(doc, JobStatus.FAILED, "This instance cannot sync this provider.")
            return
        try:
            connector = self._registry.open(endpoint)
        except CredentialsRejectedError as refused:
            await self._stop_for_credentials(doc, connection, refused)
            return
        try:
            await self._pages(doc, connection, connector, sinks)
        except CursorExpiredError:
            bound.info("sync cursor expired at the source; syncing in full")
            restarted = await self._store.update_held(
                job_id,
                self._owner,
                {"job_type": JobKind.FULL.value, "cursor": None, "generation": job_id},
            )
            if restarted is not None and doc.get("job_type") != JobKind.FULL.value:
                await self._run(restarted)
            else:
                await self._end(doc, JobStatus.FAILED, "The source rejected a full sync.")
        except CredentialsRejectedError as refused:
            await self._stop_for_credentials(doc, connection, refused)
        except SourceUnavailableError as unavailable:
            await self._back_off(
                doc, connection, unavailable.public_message, unavailable.retry_after
            )
        except ConnectorError as error:
            await self._end(doc, JobStatus.FAILED, error.public_message)
            await self._connections.record_sync(
                connection_id,
                status=ConnectionStatus.ERROR,
                error_message=error.public_message,
                at=self._clock(),
            )
        except LeaseLostError:
            bound.warning("sync job taken over by another replica")
        except Exception:
            bound.exception("sync job crashed; it will be retried")
            await self._back_off(doc, connection, "The sync stopped unexpectedly.", None)
        finally:
            await connector.aclose()

    async def _pages(
        self,
        doc: dict[str, Any],
        connection: Connection,
        connector: Any,
        sinks: Sequence[RecordSink],
    ) -> None:
        job_id, user_id = doc["_id"], doc["user_id"]
        scope = connection_scope(user_id, connection, doc.get("generation"))
        cursor: str | None = doc.get("cursor")
        processed: int = doc.get("items_processed", 0)
        total: int | None = doc.get("items_total")
        while True:
            page = await connector.changes(cursor, page_size=self._page_size)
            if page.items_total is not None and cursor is None:
                total = page.items_total
            processed += len(page.changes)

            fields = {
                "cursor": page.cursor,
                "items_total": total,
                "progress_percentage": progress(processed, total, page.more),
                "lease_until": self._clock() + self._lease,
            }

            async def apply(
                session: AsyncClientSession, page: Any = page, fields: Any = fields
            ) -> dict[str, Any]:
                changed = 0
                for sink, changes in routed(sinks, page.changes):
                    applied = await sink.apply(scope, changes, session)
                    await self._announcer.announce(scope, sink.kind, applied, session)
                    for follow in self._followers:
                        await follow(scope, sink.kind, applied, session)
                    changed += len(applied)
                saved = await self._store.save_page(
                    job_id,
                    self._owner,
                    fields,
                    session,
                    processed=len(page.changes),
                    changed=changed,
                )
                if saved is None:
                    raise LeaseLostError(job_id)
                return saved

            saved = await in_transaction(self._client, apply)
            cursor = page.cursor
            if saved.get("cancel_requested"):
                await self._end(saved, JobStatus.CANCELLED, None)
                return
            if not page.more:
                break
        await self._complete(doc, scope, sinks, cursor, connection)

    async def _complete(
        self,
        doc: dict[str, Any],
        scope: SyncScope,
        sinks: Sequence[RecordSink],
        cursor: str | None,
        connection: Connection,
    ) -> None:
        job_id = doc["_id"]
        now = self._clock()

        async def work(session: AsyncClientSession) -> None:
            if scope.generation is not None:
                for sink in sinks:
                    removed = await sink.sweep(scope, session)
                    await self._announcer.announce(scope, sink.kind, removed, session)
            ended = await self._store.update_held(
                job_id,
                self._owner,
                {
                    "status": JobStatus.COMPLETED.value,
                    "progress_percentage": 100,
                    "completed_at": now,
                    "lease_owner": None,
                    "lease_until": None,
                },
                session,
            )
            if ended is None:
                raise LeaseLostError(job_id)
            await self._store.release_slot(
                connection.id, job_id, session, cursor=cursor, save_cursor=True
            )

        await in_transaction(self._client, work)
        await self._connections.record_sync(
            connection.id, status=ConnectionStatus.CONNECTED, error_message=None, at=now
        )

    async def _stop_for_credentials(
        self, doc: dict[str, Any], connection: Connection, refused: CredentialsRejectedError
    ) -> None:
        await self._end(doc, JobStatus.FAILED, refused.public_message)
        await self._connections.record_sync(
            connection.id,
            status=ConnectionStatus.EXPIRED,
            error_message=refused.public_message,
            at=self._clock(),
        )

    async def _back_off(
        self,
        doc: dict[str, Any],
        connection: Connection,
        reason: str,
        retry_after: float | None,
    ) -> None:
        attempts = int(doc.get("attempts", 0)) + 1
        if attempts >= self._max_attempts:
            await self._end(doc, JobStatus.FAILED, reason)
            await self._connections.record_sync(
                connection.id, status=ConnectionStatus.ERROR, error_message=reason, at=self._clock()
            )
            return
        delay = self._retry_base * 2 ** (attempts - 1) * random.uniform(0.8, 1.2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        await self._store.update_held(
            doc["_id"],
            self._owner,
            {
                "status": JobStatus.PENDING.value,
                "attempts": attempts,
                "error_message": reason,
                "not_before": self._clock() + timedelta(seconds=delay),
                "lease_owner": None,
                "lease_until": None,
            },
        )

    async def _end(self, doc: dict[str, Any], status: JobStatus, reason: str | None) -> None:
        job_id = doc["_id"]

        async def work(session: AsyncClientSession) -> None:
            await self._store.update_held(
                job_id,
                self._owner,
                {
                    "status": status.value,
                    "error_message": reason,
                    "completed_at": self._clock(),
                    "lease_owner": None,
                    "lease_until": None,
                },
                session,
            )
            await self._store.release_slot(doc["connection_id"], job_id, session)

        await in_transaction(self._client, work)


def routed(
    sinks: Sequence[RecordSink], changes: Sequence[Change[Any]]
) -> list[tuple[RecordSink, Sequence[Change[Any]]]]:
    """Each sink with the changes of its kind. A connection of one kind hands its sink the
    whole page, as it always did; one of several kinds hands each sink only its own."""
    if len(sinks) == 1:
        return [(sinks[0], changes)]
    routes: list[tuple[RecordSink, Sequence[Change[Any]]]] = []
    for sink in sinks:
        mine = [change for change in changes if change.kind == sink.kind]
        if mine:
            routes.append((sink, mine))
    return routes


def progress(processed: int, total: int | None, more: bool) -> int:
    if not more:
        return 100
    if not total:
        return 0
    return max(0, min(99, processed * 100 // total))
