"""What the reminder, task, experience and notification stores share: one collection of
documents that each belong to one user (``user_id``), keyed by ``_id``, listed newest first."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from muninn_shared.pagination import fetch_page
from muninn_shared.problems import not_found
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document, update_one_and_read
from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.bulk import find_in, update_each
from muninn_scheduler.schema import PageQuery

T = TypeVar("T")
Record = TypeVar("Record", bound=BaseModel)


def record_from(model: type[Record], doc: Mapping[str, Any], **derived: Any) -> Record:
    """``model`` filled from the fields ``doc`` shares with it, ``_id`` as its ``id``."""
    fields = {k: v for k, v in doc.items() if k in model.model_fields and k not in derived}
    fields.pop("id", None)
    return model(id=doc["_id"], **fields, **derived)


def owner_query(user_id: str, **equal: str | StrEnum | None) -> Document:
    """``user_id``'s documents whose fields equal the given values (``None``: any value)."""
    return {"user_id": user_id, **{name: str(v) for name, v in equal.items() if v is not None}}


Index = list[tuple[str, int]]

# Behind ``page``: a user's documents newest first.
LISTING: Index = [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]


class UserDocuments:
    collection: ClassVar[str]
    what: ClassVar[str]  # one of the documents, as a 404 names it
    indexes: ClassVar[tuple[Index, ...]] = ()  # besides LISTING, for the feature's own queries

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection: AsyncCollection[Document] = db[self.collection]

    async def ensure_indexes(self) -> None:
        for keys in (LISTING, *self.indexes):
            await ensure_index(self._collection, keys)

    async def insert(self, doc: Document, session: AsyncClientSession | None = None) -> None:
        await self._collection.insert_one(doc, session=session)

    async def get(
        self, user_id: str, doc_id: str, session: AsyncClientSession | None = None
    ) -> Document | None:
        """The document, if it is ``user_id``'s (another user's id reads as missing)."""
        return await self._collection.find_one({"_id": doc_id, "user_id": user_id}, session=session)

    async def owned(
        self, user_id: str, doc_id: str, session: AsyncClientSession | None = None
    ) -> Document:
        """``get``, or a 404 problem when there is no such document of ``user_id``'s."""
        doc = await self.get(user_id, doc_id, session)
        if doc is None:
            raise not_found(self.what)
        return doc

    async def by_ids(
        self, doc_ids: Iterable[str], session: AsyncClientSession | None = None
    ) -> dict[str, Document]:
        docs = await find_in(self._collection, "_id", doc_ids, session)
        return {doc["_id"]: doc for doc in docs}

    async def update(
        self, doc_id: str, changes: Document, session: AsyncClientSession | None = None
    ) -> Document | None:
        """``$set`` the changes; the document as it is afterwards."""
        return await update_one_and_read(
            self._collection, {"_id": doc_id}, {"$set": changes}, session=session
        )

    async def update_each(
        self,
        updates: Sequence[tuple[str, Document, Document | None]],
        session: AsyncClientSession | None,
    ) -> None:
        """Per-document ``$set`` (and ``$inc``), batched: ``(id, changes, counters)``."""
        await update_each(
            self._collection,
            [(doc_id, _set_and_inc(changes, inc)) for doc_id, changes, inc in updates],
            session,
        )

    async def delete(self, doc_id: str, session: AsyncClientSession | None = None) -> None:
        await self._collection.delete_one({"_id": doc_id}, session=session)

    async def page(
        self,
        query: Document,
        paging: PageQuery,
        convert: Callable[[Mapping[str, Any]], T],
    ) -> tuple[list[T], str | None]:
        """One page of what ``query`` matches, newest first, and the cursor to the next."""
        return await fetch_page(
            self._collection, query, limit=paging.limit, cursor=paging.cursor, convert=convert
        )


def _set_and_inc(changes: Document, inc: Document | None) -> Document:
    update: Document = {"$set": changes}
    if inc:
        update["$inc"] = inc
    return update
