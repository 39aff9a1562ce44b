"""MongoDB on PyMongo's async API (Motor is end-of-life)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pymongo
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure, PyMongoError

Document = dict[str, Any]
T = TypeVar("T")


def create_mongo_client(uri: str, *, timeout_ms: int = 5000) -> AsyncMongoClient[Document]:
    """A client of ``uri``; ``timeout_ms`` bounds server selection and connecting unless the
    URI sets them itself (an operator's options win over the default)."""
    options = uri.lower()
    timeouts: dict[str, Any] = {
        name: timeout_ms
        for name in ("serverSelectionTimeoutMS", "connectTimeoutMS")
        if f"{name.lower()}=" not in options
    }
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        uuidRepresentation="standard",
        appname="muninn",
        **timeouts,
    )


@contextlib.contextmanager
def mongo_deadline(seconds: float) -> Iterator[None]:
    """Bound every PyMongo operation inside to ``seconds``, by the driver's own deadline.

    Never bound a PyMongo operation by cancelling it (``asyncio.timeout``, ``wait_for``): on
    Python 3.11 a cancellation that lands while the operation selects a server can leave the
    client's topology lock for ever unreleased, and then every later operation of that client,
    and its ``close()``, waits for ever. A readiness probe cancelling its pings through a
    database restart wedged a service's consumers, outbox relay and shutdown that way. Under
    this deadline PyMongo raises its own timeout error (a ``PyMongoError``) instead.
    """
    with pymongo.timeout(seconds):
        yield


# How long a transaction keeps retrying transient errors (a write conflict, a failover) once
# it has met one. PyMongo's ``with_transaction`` retries for 120 s, and an unreachable server
# is a transient error inside a transaction: a consumer caught mid-transaction by an outage
# spun silently for two minutes before it said that it waits for MongoDB, and a request held
# its caller as long. Callers wait out outages themselves (consumers with backoff, requests
# with a 503), so the transaction only has to ride out blips. The window opens at the first
# error, not at the start, so a long transaction (a large erasure) is never cut short.
TRANSACTION_RETRY_SECONDS = 20.0
_BACKOFF_FIRST = 0.005
_BACKOFF_MAX = 0.5


async def run_transaction(
    session: AsyncClientSession,
    work: Callable[[AsyncClientSession], Awaitable[T]],
    *,
    retry_seconds: float = TRANSACTION_RETRY_SECONDS,
) -> T:
    """Run ``work`` in a transaction of ``session`` and commit it, as ``with_transaction`` does
    (the convenient API of the transactions specification), retrying transient errors and
    unknown commit results for ``retry_seconds`` after the first one. Past that, the last
    error is raised as it is, labels included, for the caller to classify."""
    first_error_at: float | None = None
    attempt = 0

    def may_retry() -> bool:
        nonlocal first_error_at
        now = time.monotonic()
        if first_error_at is None:
            first_error_at = now
        return now - first_error_at < retry_seconds

    while True:
        if attempt:
            ceiling = min(_BACKOFF_FIRST * 1.5**attempt, _BACKOFF_MAX)
            # Jittered, so that writers who conflicted do not meet again in step.
            await asyncio.sleep(random.random() * ceiling)
        attempt += 1
        await session.start_transaction()
        try:
            result = await work(session)
        except BaseException as exc:
            if session.in_transaction:
                await session.abort_transaction()
            if (
                isinstance(exc, PyMongoError)
                and exc.has_error_label("TransientTransactionError")
                and may_retry()
            ):
                continue
            raise
        if not session.in_transaction:  # the work ended the transaction itself
            return result
        if await _commit(session, may_retry):
            return result


async def _commit(session: AsyncClientSession, may_retry: Callable[[], bool]) -> bool:
    """Commit; True once committed, False when the whole transaction must run again."""
    while True:
        try:
            await session.commit_transaction()
            return True
        except PyMongoError as exc:
            if (
                exc.has_error_label("UnknownTransactionCommitResult")
                and not _server_ran_out_of_time(exc)
                and may_retry()
            ):
                continue
            if exc.has_error_label("TransientTransactionError") and may_retry():
                return False
            raise


def _server_ran_out_of_time(exc: PyMongoError) -> bool:
    """A commit the server stopped at its time limit (MaxTimeMSExpired): retrying cannot help."""
    return isinstance(exc, OperationFailure) and exc.code == 50


async def in_transaction(
    client: AsyncMongoClient[Document], work: Callable[[AsyncClientSession], Awaitable[T]]
) -> T:
    """Run ``work`` in one multi-document transaction, retrying transient errors."""
    async with client.start_session() as session:
        return await run_transaction(session, work)


async def ping(db: AsyncDatabase[Document]) -> None:
    await db.command("ping")


async def erase_user_documents(
    db: AsyncDatabase[Document],
    user_id: str,
    *,
    session: AsyncClientSession | None = None,
    skip: frozenset[str] = frozenset(),
) -> dict[str, int]:
    """Delete every document carrying ``user_id`` in every collection of a service database.

    Every user-owned document carries ``user_id`` (an architecture rule), which is what makes
    this generic deletion complete.
    """
    deleted: dict[str, int] = {}
    for name in await db.list_collection_names():
        if name in skip or name.startswith("system."):
            continue
        result = await db[name].delete_many({"user_id": user_id}, session=session)
        if result.deleted_count:
            deleted[name] = result.deleted_count
    return deleted


async def update_one_and_read(
    collection: AsyncCollection[Document],
    query: Document,
    update: Document | list[Document],
    *,
    upsert: bool = False,
    projection: Document | None = None,
    session: AsyncClientSession | None = None,
) -> Document | None:
    """Update the one document ``query`` matches and return it as it is afterwards.

    What ``find_one_and_update(..., return_document=AFTER)`` answers, done as an update and a
    read by ``_id``: the embedded MongoDB-protocol server (secantusdb) walks the whole
    collection for every findAndModify, even one by ``_id`` (about 20 ms at 1,000 documents,
    54 ms at 3,000), while its updates and reads go by index. The update is still one atomic
    conditional write; the read may see a write that landed after it, as any later read would.

    A query without a plain ``_id`` is first resolved to one (by index), so an update that
    changes the fields it matched on is still read back. An upsert without a plain ``_id``
    is read back by its ``upserted_id``, or by ``query`` when another writer inserted first.
    """
    doc_id = query.get("_id")
    if doc_id is None or isinstance(doc_id, dict):
        if upsert:
            return await _upsert_and_read(collection, query, update, projection, session)
        found = await collection.find_one(query, {"_id": 1}, session=session)
        if found is None:
            return None
        doc_id = found["_id"]
        query = {**query, "_id": doc_id}
    result = await collection.update_one(query, update, upsert=upsert, session=session)
    if result.matched_count == 0 and result.upserted_id is None:
        return None
    return await collection.find_one({"_id": doc_id}, projection, session=session)


async def _upsert_and_read(
    collection: AsyncCollection[Document],
    query: Document,
    update: Document | list[Document],
    projection: Document | None,
    session: AsyncClientSession | None,
) -> Document | None:
    result = await collection.update_one(query, update, upsert=True, session=session)
    if result.upserted_id is not None:
        return await collection.find_one({"_id": result.upserted_id}, projection, session=session)
    return await collection.find_one(query, projection, session=session)
