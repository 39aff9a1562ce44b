"""Bulk reads by key that stay fast on small MongoDB-protocol servers.

A long ``$in`` list is matched element by element against every candidate, which costs
quadratic time on servers without mongod's optimisations; slices of 50 keep it linear and
cost real MongoDB only a few extra round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from muninn_shared.storage.mongo import Document
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

IN_LIMIT = 50


def slices(keys: Sequence[str], size: int = IN_LIMIT) -> Iterator[list[str]]:
    for start in range(0, len(keys), size):
        yield list(keys[start : start + size])


async def find_in(
    collection: AsyncCollection[Document],
    field: str,
    keys: Iterable[str],
    session: AsyncClientSession | None,
    *,
    extra: Document | None = None,
    projection: Document | None = None,
) -> list[Document]:
    """Documents whose ``field`` is one of ``keys`` (and which match ``extra``)."""
    found: list[Document] = []
    for part in slices(sorted(set(keys))):
        query = {field: {"$in": part}, **(extra or {})}
        found += [d async for d in collection.find(query, projection, session=session)]
    return found


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


async def update_each(
    collection: AsyncCollection[Document],
    updates: Sequence[tuple[str, Document]],
    session: AsyncClientSession | None,
) -> None:
    """Apply one update document per ``_id``; identical updates go out together.

    Firing a chunk of one-shot reminders gives each the same change, so one ``update_many``
    per slice replaces a bulk write of per-document updates (cheaper on every server).
    """
    groups: dict[Any, tuple[Document, list[str]]] = {}
    for doc_id, update in updates:
        groups.setdefault(_frozen(update), (update, []))[1].append(doc_id)
    singles: list[UpdateOne] = []
    for update, ids in groups.values():
        if len(ids) == 1:
            singles.append(UpdateOne({"_id": ids[0]}, update))
            continue
        for part in slices(ids):
            await collection.update_many({"_id": {"$in": part}}, update, session=session)
    if singles:
        await collection.bulk_write(singles, ordered=False, session=session)
