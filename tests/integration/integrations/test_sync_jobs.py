"""Sync jobs against a real MongoDB-protocol server, with a scripted source.

What the service does with what a source answers: pages applied once each and announced
through the outbox, progress, the cursor saved for the next incremental sync, a killed
replica's job resumed from its last page by another, refused credentials, an outage waited
out, an expired cursor answered with a full sync, cancellation.
"""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from muninn_integrations.connections.models import (
    ConnectionStatus,
    CredentialsConnect,
    Provider,
    ProviderInfo,
)
from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.connections.store import ConnectionStore
from muninn_integrations.connectors.port import (
    Change,
    Collection,
    Connector,
    CredentialsRejectedError,
    CursorExpiredError,
    RecordKind,
    SourceUnavailableError,
    SyncPage,
)
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.models import JobKind, JobStatus
from muninn_integrations.sync.service import SyncService
from muninn_integrations.sync.sinks import Action, Applied, SyncScope
from muninn_integrations.sync.store import SyncStore
from muninn_shared.storage.outbox import OUTBOX, Outbox
from muninn_shared.vault.keyring import parse_key_ring
from muninn_shared.vault.service import Vault
from muninn_shared.vault.store import VaultStore
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Db = AsyncDatabase[dict[str, Any]]


@dataclass
class Script:
    """The source: ``items`` by external id, served in id order after the cursor."""

    items: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    refuse: bool = False
    down: int = 0  # answers to fail before serving again
    expire_cursors: bool = False
    hang_after_pages: int | None = None
    served_from: list[str | None] = field(default_factory=list)

    def page(self, cursor: str | None, size: int) -> SyncPage[str]:
        if self.refuse:
            raise CredentialsRejectedError("The server refused the app password.")
        if self.down > 0:
            self.down -= 1
            raise SourceUnavailableError("The server is not answering.", retry_after=1)
        if cursor is not None and self.expire_cursors:
            self.expire_cursors = False
            raise CursorExpiredError("The server no longer knows this sync token.")
        self.served_from.append(cursor)
        after = int(cursor or 0)
        keys = sorted(self.items, key=int)
        pending = [k for k in keys if int(k) > after][:size]
        changes: list[Change[str]] = [
            Change(RecordKind.CONTACT, k, "book", self.items[k], etag=self.items[k])
            for k in pending
        ]
        changes += [Change(RecordKind.CONTACT, k, "book", None) for k in sorted(self.deleted)]
        self.deleted.clear()
        last = pending[-1] if pending else str(after)
        more = bool(pending) and int(last) < int(keys[-1])
        return SyncPage(changes=changes, cursor=last, more=more, items_total=len(keys))


class ScriptedConnector:
    def __init__(self, script: Script) -> None:
        self._script = script
        self._pages = 0

    async def check(self) -> list[Collection]:
        return [Collection(id="book", name="Friends", kind=RecordKind.CONTACT)]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[str]:
        if (
            self._script.hang_after_pages is not None
            and self._pages >= self._script.hang_after_pages
        ):
            await asyncio.Event().wait()  # a replica that stopped answering mid-sync
        self._pages += 1
        return self._script.page(cursor, page_size)

    async def aclose(self) -> None:
        return None


class MemorySink:
    """A sink writing to one collection, as the record features do."""

    kind = RecordKind.CONTACT

    def __init__(self, db: Db) -> None:
        self._records = db["test_records"]

    async def apply(
        self, scope: SyncScope, changes: Sequence[Change[Any]], session: AsyncClientSession
    ) -> list[Applied]:
        applied: list[Applied] = []
        for change in changes:
            key = {
                "user_id": scope.user_id,
                "connection_id": scope.connection_id,
                "external_id": change.external_id,
            }
            current = await self._records.find_one(key, session=session)
            if change.record is None:
                if current is not None:
                    await self._records.delete_one({"_id": current["_id"]}, session=session)
                    applied.append(Applied(current["_id"], Action.DELETED))
                continue
            stamp = {
                "value": change.record,
                "generation": scope.generation or (current or {}).get("generation"),
            }
            if current is None:
                record_id = uuid.uuid4().hex
                await self._records.insert_one({"_id": record_id, **key, **stamp}, session=session)
                applied.append(Applied(record_id, Action.CREATED, {"name": change.record}))
            elif (
                current["value"] != change.record
                or current.get("generation") != stamp["generation"]
            ):
                await self._records.update_one(
                    {"_id": current["_id"]}, {"$set": stamp}, session=session
                )
                if current["value"] != change.record:
                    applied.append(Applied(current["_id"], Action.UPDATED, {"name": change.record}))
        return applied

    async def sweep(self, scope: SyncScope, session: AsyncClientSession) -> list[Applied]:
        stale = self._records.find(
            {
                "user_id": scope.user_id,
                "connection_id": scope.connection_id,
                "generation": {"$ne": scope.generation},
            },
            session=session,
        )
        gone = [doc["_id"] async for doc in stale]
        await self._records.delete_many({"_id": {"$in": gone}}, session=session)
        return [Applied(record_id, Action.DELETED) for record_id in gone]

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> list[Applied]:
        query = {"user_id": user_id, "connection_id": connection_id}
        gone = [doc["_id"] async for doc in self._records.find(query, {"_id": 1}, session=session)]
        await self._records.delete_many(query, session=session)
        return [Applied(record_id, Action.DELETED) for record_id in gone]


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    db: Db
    script: Script
    connections: ConnectionService
    clock: Clock
    services: list[SyncService]
    user_id: str
    connection_id: str = ""
    followed: list[tuple[RecordKind, int]] = field(default_factory=list)

    async def follow(
        self, scope: SyncScope, kind: RecordKind, applied: Sequence[Applied], session: Any
    ) -> None:
        self.followed.append((kind, len(applied)))

    def replica(self, owner: str) -> SyncService:
        registry = self.connections._registry
        service = SyncService(
            client=self.connections._client,
            store=SyncStore(self.db),
            connections=self.connections,
            registry=registry,
            sinks=[MemorySink(self.db)],
            announcer=RecordAnnouncer(Outbox(self.db)),
            followers=[self.follow],
            owner=owner,
            lease=timedelta(seconds=60),
            page_size=10,
            max_attempts=3,
            retry_base_seconds=5,
            poll_seconds=0.05,
            clock=self.clock,
        )
        self.services.append(service)
        return service

    async def records(self) -> dict[str, str]:
        return {d["external_id"]: d["value"] async for d in self.db["test_records"].find({})}

    async def events(self) -> list[dict[str, Any]]:
        rows = self.db[OUTBOX].find({"envelope.type": "integrations.record.synced"})
        return [row["envelope"] async for row in rows]


@pytest.fixture
async def world(mongo: AsyncMongoClient[dict[str, Any]], unique: str) -> World:
    db = mongo[f"sync_{unique}"]
    for store in (SyncStore(db), ConnectionStore(db), VaultStore(db)):
        await store.ensure_indexes()
    script = Script(items={str(n): f"contact {n}" for n in range(1, 26)})
    registry = ConnectorRegistry()

    def opener(endpoint: Endpoint) -> Connector[Any]:
        return ScriptedConnector(script)

    registry.register(
        ProviderInfo(
            provider=Provider.CARDDAV,
            name="Contacts",
            kinds=[RecordKind.CONTACT],
            auth="app_password",
            writable=False,
            available=True,
        ),
        opener,
    )
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    connections = ConnectionService(
        client=mongo,
        store=ConnectionStore(db),
        vault=Vault(VaultStore(db), parse_key_ring(f"k1:{key}")),
        registry=registry,
        check_timeout=10,
        on_disconnect=[SyncStore(db).forget_connection],
    )
    world = World(
        db=db,
        script=script,
        connections=connections,
        clock=Clock(),
        services=[],
        user_id=uuid.uuid4().hex,
    )
    connection = await connections.connect(
        world.user_id,
        CredentialsConnect(
            provider=Provider.CARDDAV,
            server_url="https://dav.example.org/",
            username="ana",
            password="pw",
        ),  # type: ignore[arg-type]
    )
    world.connection_id = connection.id
    return world


async def test_a_full_sync_applies_every_page_once_then_syncs_incrementally(world: World) -> None:
    sync = world.replica("a")
    job, new = await sync.request(world.user_id, world.connection_id, full=False)
    assert new
    assert job.job_type is JobKind.FULL  # nothing saved yet: everything
    again, new_again = await sync.request(world.user_id, world.connection_id, full=False)
    assert (again.id, new_again) == (job.id, False)

    assert await sync.run_next()
    done = await sync.get(world.user_id, job.id)
    assert done.status is JobStatus.COMPLETED
    assert (done.items_processed, done.items_total, done.progress_percentage) == (25, 25, 100)
    assert world.script.served_from == [None, "10", "20"]
    assert len(await world.records()) == 25
    assert world.followed == [
        (RecordKind.CONTACT, 10),
        (RecordKind.CONTACT, 10),
        (RecordKind.CONTACT, 5),
    ]
    events = await world.events()
    assert len(events) == 25
    assert {e["data"]["data"]["action"] for e in events} == {"created"}
    connection = await world.connections.get(world.user_id, world.connection_id)
    assert connection.status is ConnectionStatus.CONNECTED
    assert connection.sync_count == 1
    assert connection.last_sync_at is not None

    # A change at the source arrives by an incremental sync from the saved cursor.
    world.script.items["26"] = "contact 26"
    world.script.deleted.add("3")
    del world.script.items["3"]
    incremental, _ = await sync.request(world.user_id, world.connection_id, full=False)
    assert incremental.job_type is JobKind.INCREMENTAL
    assert await sync.run_next()
    assert world.script.served_from[-1] == "25"
    records = await world.records()
    assert "26" in records
    assert "3" not in records
    assert len(await world.events()) == 27


async def test_a_killed_replica_is_resumed_from_its_last_page_by_another(world: World) -> None:
    first = world.replica("a")
    job, _ = await first.request(world.user_id, world.connection_id, full=True)
    world.script.hang_after_pages = 1
    running = asyncio.create_task(first.run_next())
    while (
        len(world.script.served_from) < 1
        or (await first.get(world.user_id, job.id)).items_processed == 0
    ):
        await asyncio.sleep(0.01)
    running.cancel()  # the replica dies with one page committed
    with pytest.raises(asyncio.CancelledError):
        await running
    world.script.hang_after_pages = None

    second = world.replica("b")
    assert not await second.run_next()  # the lease still holds
    world.clock.now += timedelta(seconds=61)
    assert await second.run_next()
    done = await second.get(world.user_id, job.id)
    assert done.status is JobStatus.COMPLETED
    assert world.script.served_from == [None, "10", "20"]  # resumed after page one, not from zero
    assert len(await world.records()) == 25
    assert len(await world.events()) == 25  # no record announced twice


async def test_refused_credentials_expire_the_connection_without_retries(world: World) -> None:
    sync = world.replica("a")
    world.script.refuse = True
    job, _ = await sync.request(world.user_id, world.connection_id, full=False)
    assert await sync.run_next()
    failed = await sync.get(world.user_id, job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error_message == "The server refused the app password."
    connection = await world.connections.get(world.user_id, world.connection_id)
    assert connection.status is ConnectionStatus.EXPIRED
    world.clock.now += timedelta(days=1)
    assert not await sync.run_next()
    assert await world.connections.due_for_sync(world.clock.now, 10) == []


async def test_an_outage_is_waited_out_with_back_off(world: World) -> None:
    sync = world.replica("a")
    world.script.down = 1
    job, _ = await sync.request(world.user_id, world.connection_id, full=False)
    assert await sync.run_next()
    waiting = await sync.get(world.user_id, job.id)
    assert waiting.status is JobStatus.PENDING
    assert waiting.attempts == 1
    assert waiting.not_before is not None
    assert waiting.not_before > world.clock.now
    assert not await sync.run_next()  # not before its time
    world.clock.now += timedelta(minutes=5)
    assert await sync.run_next()
    assert (await sync.get(world.user_id, job.id)).status is JobStatus.COMPLETED
    assert len(await world.records()) == 25


async def test_an_outage_that_lasts_fails_the_job_and_marks_the_connection(world: World) -> None:
    sync = world.replica("a")
    world.script.down = 10
    job, _ = await sync.request(world.user_id, world.connection_id, full=False)
    for _ in range(3):
        world.clock.now += timedelta(hours=1)
        assert await sync.run_next()
    failed = await sync.get(world.user_id, job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.attempts == 2
    connection = await world.connections.get(world.user_id, world.connection_id)
    assert connection.status is ConnectionStatus.ERROR
    retried = await sync.retry(world.user_id, job.id)
    assert retried.status is JobStatus.PENDING


async def test_an_expired_cursor_turns_into_a_full_sync_that_sweeps(world: World) -> None:
    sync = world.replica("a")
    await sync.request(world.user_id, world.connection_id, full=False)
    assert await sync.run_next()
    # Gone at the source while its cursor expired: only a full sync can notice.
    del world.script.items["7"]
    world.script.expire_cursors = True
    job, _ = await sync.request(world.user_id, world.connection_id, full=False)
    assert job.job_type is JobKind.INCREMENTAL
    assert await sync.run_next()
    done = await sync.get(world.user_id, job.id)
    assert done.status is JobStatus.COMPLETED
    assert done.job_type is JobKind.FULL
    assert "7" not in await world.records()
    deleted = [e for e in await world.events() if e["data"]["data"]["action"] == "deleted"]
    assert len(deleted) == 1


async def test_cancel_and_disconnect(world: World) -> None:
    sync = world.replica("a")
    job, _ = await sync.request(world.user_id, world.connection_id, full=False)
    cancelled = await sync.cancel(world.user_id, job.id)
    assert cancelled.status is JobStatus.CANCELLED
    assert not await sync.run_next()
    other_user = uuid.uuid4().hex
    with pytest.raises(Exception, match="not found"):
        await sync.cancel(other_user, job.id)
    with pytest.raises(Exception, match="not found"):
        await sync.request(other_user, world.connection_id, full=False)
    _fresh, new = await sync.request(world.user_id, world.connection_id, full=False)
    assert new
    await world.connections.disconnect(world.user_id, world.connection_id, purge=False)
    assert not await sync.run_next() or (await world.db["sync_jobs"].count_documents({})) == 0
    assert await world.db["sync_jobs"].count_documents({}) == 0
    assert await world.db["sync_states"].count_documents({}) == 0
