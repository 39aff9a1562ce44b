"""Index creation that costs nothing when the index is already there.

``createIndexes`` for an existing index is a no-op on mongod, but a MongoDB-protocol server
may still take the collection's DDL lock for it, which waits on every write in flight. A
replica restarting under load would then stall its peers' transactions at start-up; listing
the indexes first keeps start-up to reads once the schema exists.

A TTL index (``expireAfterSeconds``) is the exception: its expiry follows a setting, and an
index made before it had one must gain it, so a differing expiry is retuned in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

IndexKeys = str | Sequence[tuple[str, Any]]


def index_name(keys: IndexKeys) -> str:
    """The name MongoDB gives an index with these keys when none is given."""
    pairs = [(keys, 1)] if isinstance(keys, str) else list(keys)
    return "_".join(f"{field}_{direction}" for field, direction in pairs)


async def ensure_index(collection: AsyncCollection[Any], keys: IndexKeys, **options: Any) -> str:
    """Create the index unless one of that name exists; returns its name.

    An existing index whose ``expireAfterSeconds`` differs from the one asked for is retuned.
    """
    name = str(options.get("name") or index_name(keys))
    existing = (await collection.index_information()).get(name)
    if existing is None:
        created: str = await collection.create_index(keys, **options)
        return created
    expiry = options.get("expireAfterSeconds")
    if expiry is not None and existing.get("expireAfterSeconds") != expiry:
        # collMod changes the expiry (or makes a plain single-field index a TTL one) without
        # rebuilding the index or leaving a moment without it.
        await collection.database.command(
            "collMod", collection.name, index={"name": name, "expireAfterSeconds": expiry}
        )
    return name
