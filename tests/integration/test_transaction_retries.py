"""Transactions retry a conflict until they commit, and give an outage back to their caller.

PyMongo's ``with_transaction`` retries a transient error for 120 s, and a server that cannot
be reached is one inside a transaction: a consumer caught mid-transaction by an outage said
nothing for two minutes before it reported that it waits for MongoDB (a CI run failed on it).
``run_transaction`` keeps the retries to a window that opens at the first error. The server
here is this module's own, because one test stops it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from muninn_devstack.servers import ManagedProcess, free_port, mongo_uri, start_mongo
from muninn_shared.messaging.outages import unavailable_dependency
from muninn_shared.storage.mongo import Document, in_transaction, run_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError


class Server:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self._workdir = workdir
        self.process: ManagedProcess = self._start()

    def _start(self) -> ManagedProcess:
        return start_mongo(self._workdir / "mongo", self.port, self._workdir / "mongo.log")

    @property
    def uri(self) -> str:
        return mongo_uri(self.port)

    def restart_if_stopped(self) -> None:
        if not self.process.alive():
            self.process = self._start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    provided = Server(tmp_path_factory.mktemp("transactions"))
    try:
        yield provided
    finally:
        provided.process.stop()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[AsyncMongoClient[Document]]:
    await asyncio.to_thread(server.restart_if_stopped)
    connected: AsyncMongoClient[Document] = AsyncMongoClient(
        server.uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    try:
        yield connected
    finally:
        await connected.close()


@pytest.fixture
def notes(client: AsyncMongoClient[Document], unique: str) -> AsyncCollection[Document]:
    return client[f"txn{unique}"].notes


Work = Callable[[AsyncClientSession], Awaitable[None]]


def counted(work: Work) -> tuple[Work, list[int]]:
    attempts: list[int] = []

    async def attempt(session: AsyncClientSession) -> None:
        attempts.append(len(attempts) + 1)
        await work(session)

    return attempt, attempts


@pytest.mark.timeout(60)
async def test_a_write_conflict_is_retried_until_both_writers_commit(
    client: AsyncMongoClient[Document], unique: str
) -> None:
    counters = client[f"txn{unique}"].counters
    await counters.insert_one({"_id": "c", "value": 0})
    first_wrote, second_conflicted = asyncio.Event(), asyncio.Event()

    async def first(session: AsyncClientSession) -> None:
        await counters.update_one({"_id": "c"}, {"$inc": {"value": 1}}, session=session)
        first_wrote.set()
        # Commit only once the other writer has met this uncommitted write.
        await asyncio.wait_for(second_conflicted.wait(), 30)

    async def second(session: AsyncClientSession) -> None:
        await first_wrote.wait()
        try:
            await counters.update_one({"_id": "c"}, {"$inc": {"value": 10}}, session=session)
        except PyMongoError:
            second_conflicted.set()
            raise
        second_conflicted.set()

    second_attempt, second_attempts = counted(second)
    await asyncio.gather(
        in_transaction(client, first),
        in_transaction(client, second_attempt),
    )

    assert len(second_attempts) >= 2, "the conflicting writer ran again"
    assert (await counters.find_one({"_id": "c"}) or {})["value"] == 11


@pytest.mark.timeout(60)  # with_transaction's 120 s of retries would overrun this
async def test_an_unreachable_server_ends_the_retries_and_reads_as_an_outage(
    server: Server, notes: AsyncCollection[Document]
) -> None:
    await notes.insert_one({"_id": "warm-up"})
    await asyncio.to_thread(server.process.stop)

    async def write(session: AsyncClientSession) -> None:
        await notes.insert_one({"_id": "during the outage"}, session=session)

    attempt, attempts = counted(write)
    async with notes.database.client.start_session() as session:
        with pytest.raises(PyMongoError) as raised:
            await run_transaction(session, attempt, retry_seconds=2)

    assert len(attempts) >= 2, "a blip is ridden out first"
    assert raised.value.has_error_label("TransientTransactionError")
    assert unavailable_dependency(raised.value) == "mongodb"


@pytest.mark.timeout(60)
async def test_a_transaction_longer_than_the_window_is_not_cut_short(
    notes: AsyncCollection[Document],
) -> None:

    async def slow(session: AsyncClientSession) -> None:
        await notes.insert_one({"_id": "first"}, session=session)
        await asyncio.sleep(1.5)
        await notes.insert_one({"_id": "second"}, session=session)

    attempt, attempts = counted(slow)
    async with notes.database.client.start_session() as session:
        await run_transaction(session, attempt, retry_seconds=0.5)

    assert attempts == [1]
    assert {d["_id"] async for d in notes.find({})} == {"first", "second"}


@pytest.mark.timeout(60)
async def test_an_error_of_the_work_itself_aborts_at_once(notes: AsyncCollection[Document]) -> None:

    async def refused(session: AsyncClientSession) -> None:
        await notes.insert_one({"_id": "half done"}, session=session)
        raise ValueError("the input cannot be applied")

    attempt, attempts = counted(refused)
    async with notes.database.client.start_session() as session:
        with pytest.raises(ValueError, match="cannot be applied"):
            await run_transaction(session, attempt)
        assert not session.in_transaction

    assert attempts == [1]
    assert await notes.count_documents({}) == 0, "the aborted write is not applied"
