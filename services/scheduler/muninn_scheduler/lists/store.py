"""Lists, their items and their members in MongoDB.

A list and its items carry its owner's ``user_id`` (they are the owner's data: erased and
exported with the owner); a membership carries the member's. Quantities are Decimal128.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from bson.decimal128 import Decimal128
from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document, update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from muninn_scheduler.lists.models import Item
from muninn_scheduler.schema import PageQuery

LISTS = "lists"
LIST_ITEMS = "list_items"
LIST_MEMBERS = "list_members"
MAX_ITEMS_READ = 2000  # a list longer than this is not a shopping list

T = TypeVar("T")
Session = AsyncClientSession | None


def quantity_value(quantity: Decimal) -> Decimal128:
    return Decimal128(quantity)


def quantity_of(doc: Mapping[str, Any]) -> Decimal:
    value = doc.get("quantity", 1)
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(str(value))


def item_from_doc(doc: Mapping[str, Any]) -> Item:
    return Item(
        id=doc["_id"],
        list_id=doc["list_id"],
        name=doc["name"],
        category=doc.get("category") or "other",
        quantity=quantity_of(doc),
        unit=doc.get("unit"),
        completed=bool(doc.get("completed")),
        completed_at=doc.get("completed_at"),
        added_by=doc.get("added_by"),
        completed_by=doc.get("completed_by"),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


class ListStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._lists = db[LISTS]
        self._items = db[LIST_ITEMS]
        self._members = db[LIST_MEMBERS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._lists, [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(
            self._lists, [("user_id", ASCENDING), ("name_key", ASCENDING)], unique=True
        )
        await ensure_index(
            self._items,
            [
                ("user_id", ASCENDING),
                ("list_id", ASCENDING),
                ("created_at", DESCENDING),
                ("_id", DESCENDING),
            ],
        )
        await ensure_index(
            self._members, [("list_id", ASCENDING), ("user_id", ASCENDING)], unique=True
        )
        await ensure_index(self._members, [("user_id", ASCENDING), ("status", ASCENDING)])

    # -- lists -------------------------------------------------------------------------------

    async def insert_list(self, doc: Document, session: Session = None) -> bool:
        """False when the owner already has a list of that name."""
        try:
            await self._lists.insert_one(doc, session=session)
        except DuplicateKeyError:
            return False
        return True

    async def get_list(self, list_id: str, session: Session = None) -> Document | None:
        return await self._lists.find_one({"_id": list_id}, session=session)

    async def lists_of(self, user_id: str, session: Session = None) -> list[Document]:
        """The user's own lists, oldest first."""
        cursor = self._lists.find({"user_id": user_id}, session=session).sort("created_at", 1)
        return await cursor.to_list(500)

    async def lists_by_ids(
        self, list_ids: Sequence[str], session: Session = None
    ) -> list[Document]:
        if not list_ids:
            return []
        cursor = self._lists.find({"_id": {"$in": list(list_ids)}}, session=session)
        return await cursor.to_list(len(list_ids))

    async def by_name(
        self, user_id: str, name_key: str, session: Session = None
    ) -> Document | None:
        return await self._lists.find_one(
            {"user_id": user_id, "name_key": name_key}, session=session
        )

    async def default_of(self, user_id: str, session: Session = None) -> Document | None:
        return await self._lists.find_one({"user_id": user_id, "is_default": True}, session=session)

    async def update_list(
        self, list_id: str, changes: Document, session: Session = None
    ) -> Document | None:
        """``None`` when the new name is taken by another list of the owner."""
        try:
            return await update_one_and_read(
                self._lists, {"_id": list_id}, {"$set": changes}, session=session
            )
        except DuplicateKeyError:
            return None

    async def clear_default(self, user_id: str, session: Session = None, *, keep: str) -> None:
        """Every list of the user but ``keep`` stops being the default."""
        await self._lists.update_many(
            {"user_id": user_id, "is_default": True, "_id": {"$ne": keep}},
            {"$set": {"is_default": False}},
            session=session,
        )

    async def delete_list(self, doc: Document, session: Session) -> None:
        """The list, its items and its memberships."""
        await self._items.delete_many(
            {"user_id": doc["user_id"], "list_id": doc["_id"]}, session=session
        )
        await self._members.delete_many({"list_id": doc["_id"]}, session=session)
        await self._lists.delete_one({"_id": doc["_id"]}, session=session)

    async def page_lists(
        self, query: Document, paging: PageQuery, convert: Callable[[Mapping[str, Any]], T]
    ) -> tuple[list[T], str | None]:
        return await fetch_page(
            self._lists, query, limit=paging.limit, cursor=paging.cursor, convert=convert
        )

    async def touch(self, list_id: str, at: datetime, session: Session = None) -> None:
        await self._lists.update_one(
            {"_id": list_id}, {"$set": {"updated_at": at}}, session=session
        )

    # -- items -------------------------------------------------------------------------------

    async def insert_item(self, doc: Document, session: Session = None) -> None:
        await self._items.insert_one(doc, session=session)

    async def restore_items(self, docs: Sequence[Document], session: Session = None) -> None:
        if docs:
            await self._items.insert_many(list(docs), session=session)

    async def get_item(
        self, owner_id: str, list_id: str, item_id: str, session: Session = None
    ) -> Document | None:
        return await self._items.find_one(
            {"_id": item_id, "user_id": owner_id, "list_id": list_id}, session=session
        )

    async def items_of(
        self, owner_id: str, list_id: str, session: Session = None, *, completed: bool | None = None
    ) -> list[Document]:
        """Every item of the list, oldest first."""
        query: Document = {"user_id": owner_id, "list_id": list_id}
        if completed is not None:
            query["completed"] = completed
        cursor = self._items.find(query, session=session).sort([("created_at", 1), ("_id", 1)])
        return await cursor.to_list(MAX_ITEMS_READ)

    async def page_items(
        self, query: Document, paging: PageQuery, convert: Callable[[Mapping[str, Any]], T]
    ) -> tuple[list[T], str | None]:
        return await fetch_page(
            self._items, query, limit=paging.limit, cursor=paging.cursor, convert=convert
        )

    async def update_item(
        self, item_id: str, changes: Document, session: Session = None
    ) -> Document | None:
        return await update_one_and_read(
            self._items, {"_id": item_id}, {"$set": changes}, session=session
        )

    async def delete_items(self, item_ids: Sequence[str], session: Session = None) -> int:
        if not item_ids:
            return 0
        result = await self._items.delete_many({"_id": {"$in": list(item_ids)}}, session=session)
        return result.deleted_count

    async def counts(self, owner_id: str, list_id: str) -> tuple[int, int]:
        """(items, open items)."""
        query: Document = {"user_id": owner_id, "list_id": list_id}
        total = await self._items.count_documents(query)
        done = await self._items.count_documents({**query, "completed": True})
        return total, total - done

    # -- members -----------------------------------------------------------------------------

    async def role_of(self, list_id: str, user_id: str, session: Session = None) -> str | None:
        """The accepted role of a member; ``None`` for a stranger or a pending invitee."""
        doc = await self._members.find_one(
            {"list_id": list_id, "user_id": user_id, "status": "active"}, session=session
        )
        return None if doc is None else str(doc["role"])

    async def shared_ids(self, user_id: str, session: Session = None) -> list[str]:
        """The lists the user collaborates on (accepted)."""
        cursor = self._members.find(
            {"user_id": user_id, "status": "active"}, {"list_id": 1}, session=session
        )
        return [d["list_id"] async for d in cursor]

    async def invite(self, doc: Document) -> bool:
        try:
            await self._members.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def members(self, list_id: str, *, include_invited: bool) -> list[Document]:
        query: Document = {"list_id": list_id}
        if not include_invited:
            query["status"] = "active"
        cursor = self._members.find(query).sort([("invited_at", 1), ("_id", 1)])
        return await cursor.to_list(500)

    async def member_count(self, list_id: str) -> int:
        return await self._members.count_documents({"list_id": list_id, "status": "active"})

    async def invitations_for(self, user_id: str) -> list[Document]:
        cursor = self._members.find({"user_id": user_id, "status": "invited"}).sort("invited_at", 1)
        return await cursor.to_list(500)

    async def accept(self, list_id: str, user_id: str, at: datetime) -> bool:
        result = await self._members.update_one(
            {"list_id": list_id, "user_id": user_id, "status": "invited"},
            {"$set": {"status": "active", "joined_at": at}},
        )
        return result.modified_count > 0

    async def remove_member(
        self, list_id: str, user_id: str, *, invited_only: bool = False
    ) -> bool:
        query: Document = {"list_id": list_id, "user_id": user_id}
        if invited_only:
            query["status"] = "invited"
        result = await self._members.delete_one(query)
        return result.deleted_count > 0

    # -- erasure -----------------------------------------------------------------------------

    async def erase_for(self, user_id: str, session: AsyncClientSession) -> dict[str, int]:
        """What the generic erasure (documents carrying ``user_id``) does not reach: others'
        memberships of the user's lists go with them, and the user's name comes off the
        items they added to or ticked off on others' lists."""
        owned = [
            d["_id"]
            async for d in self._lists.find({"user_id": user_id}, {"_id": 1}, session=session)
        ]
        members = 0
        if owned:
            removed = await self._members.delete_many({"list_id": {"$in": owned}}, session=session)
            members = removed.deleted_count
        added = await self._items.update_many(
            {"added_by": user_id}, {"$set": {"added_by": None}}, session=session
        )
        ticked = await self._items.update_many(
            {"completed_by": user_id}, {"$set": {"completed_by": None}}, session=session
        )
        return {
            "members_of_owned_lists": members,
            "list_items_unlinked": added.modified_count + ticked.modified_count,
        }
