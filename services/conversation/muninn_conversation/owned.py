"""What the workspace stores (projects, notes, snippets, bookmarks) share: documents owned by one user.

Every read and write is scoped by ``user_id``, so another user's id finds nothing (and the
service answers 404, never 403). Pages run newest first on ``order_field``, ties by id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from muninn_shared.pagination import decode_cursor, encode_cursor
from muninn_shared.problems import not_found
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

Doc = dict[str, Any]


def keyset_after(query: Doc, before: tuple[datetime, str] | None, field: str = "updated_at") -> Doc:
    """``query`` narrowed to what sorts after a (timestamp, id) cursor, newest first."""
    if before is None:
        return query
    at, item_id = before
    older = {"$or": [{field: {"$lt": at}}, {field: at, "_id": {"$lt": item_id}}]}
    return {"$and": [query, older]}


def matching(**equal: Any) -> Doc:
    """Equality conditions on the fields given a value (``None``: any value)."""
    return {name: value for name, value in equal.items() if value is not None}


def new_owned(user_id: str, **fields: Any) -> Doc:
    """A new document of the user's, with a fresh id, created and updated now."""
    at = now()
    return {
        "_id": uuid.uuid4().hex,
        "user_id": user_id,
        **fields,
        "created_at": at,
        "updated_at": at,
    }


def now() -> datetime:
    """Millisecond precision: what MongoDB keeps, so a fresh response matches a later read."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class OwnedDocuments:
    def __init__(
        self, collection: AsyncCollection[Doc], *, order_field: str = "updated_at"
    ) -> None:
        self._owned = collection
        self._order_field = order_field

    async def insert(self, doc: Doc) -> None:
        await self._owned.insert_one(doc)

    async def get(self, user_id: str, item_id: str) -> Doc | None:
        return await self._owned.find_one({"_id": item_id, "user_id": user_id})

    async def update(self, user_id: str, item_id: str, changes: Doc) -> Doc | None:
        return await update_one_and_read(
            self._owned, {"_id": item_id, "user_id": user_id}, {"$set": changes}
        )

    async def delete(
        self, user_id: str, item_id: str, session: AsyncClientSession | None = None
    ) -> bool:
        result = await self._owned.delete_one({"_id": item_id, "user_id": user_id}, session=session)
        return result.deleted_count == 1

    async def page(
        self, query: Doc, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Doc]:
        """Up to ``limit`` documents matching ``query`` after the ``before`` position."""
        cursor = self._owned.find(keyset_after(query, before, self._order_field))
        order = [(self._order_field, DESCENDING), ("_id", DESCENDING)]
        return [d async for d in cursor.sort(order).limit(limit)]

    async def newest_page(
        self, query: Doc, *, limit: int, cursor: str | None
    ) -> tuple[list[Doc], str | None]:
        """One page after the opaque ``cursor`` (400 problem on a bad one) and the next cursor."""
        docs = await self.page(
            query, limit=limit + 1, before=decode_cursor(cursor) if cursor else None
        )
        if len(docs) <= limit:
            return docs, None
        last = docs[limit - 1]
        return docs[:limit], encode_cursor(last[self._order_field], last["_id"])


async def owned_or_404(store: OwnedDocuments, user_id: str, item_id: str, noun: str) -> Doc:
    """The user's document, or a 404 problem naming ``noun`` (also for another user's id)."""
    doc = await store.get(user_id, item_id)
    if doc is None:
        raise not_found(noun)
    return doc
