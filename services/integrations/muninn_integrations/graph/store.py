"""The contact graph in MongoDB: ``contact_links``, one document per pair of the user's
contacts (``a`` < ``b``), unique per (user_id, a, b).

A link carries its last evidence (the meetings and e-mails both took part in, ≤ 50), the
count of all of them (``shared_interactions``), the moment of the latest
(``last_evidence_at``) and a ``strength`` refreshed whenever evidence changes and by the
daily sweep (silence alone lowers it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING, DeleteOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

CONTACT_LINKS = "contact_links"
MAX_LINKS = 200_000  # per user read whole (paths, clusters, the sweep): ~50,000 expected
EDGE_FIELDS = {"a": 1, "b": 1, "strength": 1, "type": 1}
SWEEP_FIELDS = {
    "a": 1,
    "b": 1,
    "strength": 1,
    "shared_interactions": 1,
    "last_evidence_at": 1,
    "mutual_connections": 1,
}
BY_STRENGTH = [("strength", DESCENDING), ("_id", ASCENDING)]

Doc = dict[str, Any]
Session = AsyncClientSession | None


def _by_strength(doc: Doc) -> tuple[float, str]:
    """``BY_STRENGTH`` in the process: strongest first, then by ``_id``."""
    return (-float(doc.get("strength") or 0.0), str(doc["_id"]))


def _reading_strength(fields: Mapping[str, int] | None) -> tuple[Doc | None, bool]:
    """``fields`` as a projection that reads ``strength``, which the in-process merge orders
    by, and whether ``strength`` had to be added to it."""
    if not fields or not any(fields.values()) or "strength" in fields:
        return (dict(fields) if fields else None), False
    return {**fields, "strength": 1}, True


class LinkStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._links = db[CONTACT_LINKS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._links, [("user_id", ASCENDING), ("a", ASCENDING), ("b", ASCENDING)], unique=True
        )
        await ensure_index(
            self._links, [("user_id", ASCENDING), ("a", ASCENDING), ("strength", DESCENDING)]
        )
        await ensure_index(
            self._links, [("user_id", ASCENDING), ("b", ASCENDING), ("strength", DESCENDING)]
        )
        await ensure_index(self._links, [("user_id", ASCENDING), ("strength", DESCENDING)])
        await ensure_index(self._links, [("user_id", ASCENDING), ("evidence.record_id", ASCENDING)])
        await ensure_index(self._links, [("user_id", ASCENDING), ("series.record_id", ASCENDING)])

    async def pairs(
        self, user_id: str, pairs: Sequence[tuple[str, str]], session: Session = None
    ) -> dict[tuple[str, str], Doc]:
        if not pairs:
            return {}
        wanted = set(pairs)
        found = self._links.find(
            {
                "user_id": user_id,
                "a": {"$in": sorted({a for a, _ in pairs})},
                "b": {"$in": sorted({b for _, b in pairs})},
            },
            session=session,
        )
        return {(doc["a"], doc["b"]): doc async for doc in found if (doc["a"], doc["b"]) in wanted}

    async def pair(self, user_id: str, a: str, b: str, session: Session = None) -> Doc | None:
        return await self._links.find_one({"user_id": user_id, "a": a, "b": b}, session=session)

    async def insert(self, doc: Doc, session: Session = None) -> None:
        await self._links.insert_one(doc, session=session)

    async def set(self, link_id: str, changes: Mapping[str, Any], session: Session = None) -> None:
        await self._links.update_one({"_id": link_id}, {"$set": dict(changes)}, session=session)

    async def delete(self, link_id: str, session: Session = None) -> None:
        await self._links.delete_one({"_id": link_id}, session=session)

    async def upsert_type(
        self, user_id: str, a: str, b: str, on_insert: Mapping[str, Any], changes: Doc
    ) -> Doc:
        found = await self._links.find_one_and_update(
            {"user_id": user_id, "a": a, "b": b},
            {"$set": changes, "$setOnInsert": dict(on_insert)},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert found is not None  # an upsert returning the document after it always finds one
        return dict(found)

    async def with_records(
        self, user_id: str, record_ids: Sequence[str], session: Session = None
    ) -> list[Doc]:
        found = self._links.find(
            {
                "user_id": user_id,
                "$or": [
                    {"evidence.record_id": {"$in": list(record_ids)}},
                    {"series.record_id": {"$in": list(record_ids)}},
                ],
            },
            session=session,
        )
        return await found.to_list(None)

    async def of_contacts(
        self,
        user_id: str,
        contact_ids: Sequence[str],
        *,
        min_strength: float = 0.0,
        limit: int | None,
        fields: Mapping[str, int] | None = None,
        session: Session = None,
    ) -> list[Doc]:
        """Links with one end among ``contact_ids``, strongest first.

        The two ends are asked for apart, each through its ``(user_id, a|b, strength)``
        index, and merged here: a MongoDB-protocol server may plan the ``$or`` of both as a
        scan of every user's links. Each half's strongest ``limit`` hold the union's.
        """
        ids = list(contact_ids)
        if not ids:
            return []
        projection, unasked = _reading_strength(fields)
        merged: dict[Any, Doc] = {}
        for end in ("a", "b"):
            query: Doc = {"user_id": user_id, end: {"$in": ids}}
            if min_strength > 0:
                query["strength"] = {"$gte": min_strength}
            found = self._links.find(query, projection, session=session).sort(BY_STRENGTH)
            for doc in await found.to_list(limit):
                merged.setdefault(doc["_id"], doc)
        strongest = sorted(merged.values(), key=_by_strength)[:limit]
        if unasked:
            for doc in strongest:
                doc.pop("strength", None)
        return strongest

    async def among(
        self, user_id: str, contact_ids: Sequence[str], *, min_strength: float, limit: int
    ) -> list[Doc]:
        """Links with both ends among ``contact_ids``, strongest first."""
        ids = list(contact_ids)
        query: Doc = {"user_id": user_id, "a": {"$in": ids}, "b": {"$in": ids}}
        if min_strength > 0:
            query["strength"] = {"$gte": min_strength}
        return await self._links.find(query).sort(BY_STRENGTH).to_list(limit)

    async def strongest(self, user_id: str, limit: int) -> list[Doc]:
        found = self._links.find({"user_id": user_id, "strength": {"$gt": 0}})
        return await found.sort(BY_STRENGTH).to_list(limit)

    async def edges(
        self,
        user_id: str,
        *,
        min_strength: float = 0.0,
        fields: Mapping[str, int] = EDGE_FIELDS,
        session: Session = None,
    ) -> list[Doc]:
        """All the user's links above ``min_strength``, only ``fields``."""
        query: Doc = {"user_id": user_id}
        if min_strength > 0:
            query["strength"] = {"$gte": min_strength}
        found = self._links.find(query, dict(fields), session=session)
        return await found.to_list(MAX_LINKS)

    async def users(self) -> AsyncIterator[str]:
        async for row in await self._links.aggregate([{"$group": {"_id": "$user_id"}}]):
            yield row["_id"]

    async def write(
        self,
        updates: Sequence[tuple[str, Mapping[str, Any]]],
        deletions: Sequence[str],
        session: Session = None,
    ) -> None:
        ops: list[UpdateOne | DeleteOne] = [
            UpdateOne({"_id": link_id}, {"$set": dict(changes)}) for link_id, changes in updates
        ]
        ops.extend(DeleteOne({"_id": link_id}) for link_id in deletions)
        for start in range(0, len(ops), 1_000):
            await self._links.bulk_write(ops[start : start + 1_000], ordered=False, session=session)
