"""MongoDB on PyMongo's async API (Motor is end-of-life)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
T = TypeVar("T")


def create_mongo_client(uri: str, *, timeout_ms: int = 5000) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        appname="muninn",
    )


async def in_transaction(
    client: AsyncMongoClient[Document], work: Callable[[AsyncClientSession], Awaitable[T]]
) -> T:
    """Run ``work`` in one multi-document transaction, retrying transient errors."""
    async with client.start_session() as session:
        result: T = await session.with_transaction(work)
        return result


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
