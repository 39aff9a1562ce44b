"""What the stores of synced records (calendar events, mail messages, contact sources) share:
one document per (user, connection, external id), stamped by a full sync with its
``generation`` so that the records it did not see can be found and swept."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection


async def ensure_synced_indexes(collection: AsyncCollection[Any]) -> None:
    """A record's key at its source, unique, and the sweep's (connection, generation)."""
    await ensure_index(
        collection,
        [("user_id", ASCENDING), ("connection_id", ASCENDING), ("external_id", ASCENDING)],
        unique=True,
    )
    await ensure_index(
        collection,
        [("user_id", ASCENDING), ("connection_id", ASCENDING), ("generation", ASCENDING)],
    )


def stale_query(user_id: str, connection_id: str, generation: str) -> dict[str, Any]:
    """The connection's records not stamped ``generation``: gone when that full sync ends."""
    return {"user_id": user_id, "connection_id": connection_id, "generation": {"$ne": generation}}


async def stale_external_ids(
    collection: AsyncCollection[Any],
    user_id: str,
    connection_id: str,
    generation: str,
    session: AsyncClientSession | None,
) -> list[str]:
    """The external ids of the connection's records not stamped ``generation``."""
    found = collection.find(
        stale_query(user_id, connection_id, generation), {"external_id": 1}, session=session
    )
    return [doc["external_id"] async for doc in found]


async def connection_records(
    collection: AsyncCollection[Any],
    user_id: str,
    connection_id: str,
    session: AsyncClientSession | None,
) -> list[dict[str, Any]]:
    """The user's documents of one connection (its records, or what was made of them), whole."""
    found = collection.find({"user_id": user_id, "connection_id": connection_id}, session=session)
    return await found.to_list(None)


async def delete_connection_records(
    collection: AsyncCollection[Any], user_id: str, connection_id: str, session: AsyncClientSession
) -> list[str]:
    """Delete the connection's records; their ids."""
    query = {"user_id": user_id, "connection_id": connection_id}
    ids = [doc["_id"] async for doc in collection.find(query, {"_id": 1}, session=session)]
    await collection.delete_many(query, session=session)
    return ids
