"""Lists and their items, with roles enforced on every call; and what conversation does with
them (add, tick off, remove, clear — each returning what undoing it takes).

Every call names the operation it performs and ``authorize`` looks it up in the permission
table (``permissions.PERMISSIONS``): a stranger, or an invitee who has not accepted yet, gets
404 (the list's existence is not revealed); a collaborator doing what only the owner may
gets 403.

Items merge: adding an item whose name (lower case, singular, no article) and unit match an
item not yet ticked off adds to its quantity ("milk" twice is milk, quantity 2). A user's first list
is their default one; conversation creates "Groceries" when they have none.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from muninn_shared.problems import ProblemError, not_found, sharing_across_stores
from muninn_shared.storage.mongo import Document
from muninn_shared.storage.routes import RouteTable
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.language.lists import ItemDraft, item_key
from muninn_scheduler.lists.items import item_category, unit_of
from muninn_scheduler.lists.models import (
    Cleared,
    Item,
    ItemIn,
    ItemPage,
    ItemPatch,
    ListIn,
    ListInvitation,
    ListPage,
    ListPatch,
    Member,
    MemberAdd,
    MemberStatus,
    Role,
    ShoppingList,
)
from muninn_scheduler.lists.permissions import Operation, require
from muninn_scheduler.lists.store import ListStore, item_from_doc, quantity_of, quantity_value
from muninn_scheduler.schema import PageQuery

DEFAULT_NAME = "Groceries"
Session = AsyncClientSession | None


def name_key(name: str) -> str:
    return " ".join(name.lower().split())


@dataclass
class Change:
    """What one conversational change did to a list, and so what undoing it takes."""

    list_id: str
    list_name: str
    created: list[str] = field(default_factory=list)
    """Items added."""
    merged: list[dict[str, Any]] = field(default_factory=list)
    """Items whose quantity grew: id and the quantity before (as text)."""
    completed: list[str] = field(default_factory=list)
    """Items ticked off."""
    removed: list[Document] = field(default_factory=list)
    """Items deleted, to put back (``snapshot``)."""
    list_created: bool = False
    lines: list[str] = field(default_factory=list)
    """The items as the confirmation names them."""

    def is_empty(self) -> bool:
        return not (self.created or self.merged or self.completed or self.removed)

    def undo_data(self) -> Document:
        return {
            "list_id": self.list_id,
            "created": self.created,
            "merged": self.merged,
            "completed": self.completed,
            "removed": self.removed,
            "list_created": self.list_created,
        }


def shown_quantity(quantity: Decimal, unit: str | None) -> str:
    number = quantity.normalize()
    text = f"{number:f}"
    if unit:
        return f"{text} {unit}"
    return text


def item_line(doc: Document) -> str:
    """How a reply names an item: "milk", "eggs" times 24, "potatoes 3 kg"."""
    quantity, unit = quantity_of(doc), doc.get("unit")
    if unit:
        return f"{doc['name']} {shown_quantity(quantity, unit)}"
    if quantity != 1:
        return f"{doc['name']} × {shown_quantity(quantity, None)}"  # noqa: RUF001
    return str(doc["name"])


class ListService:
    def __init__(self, store: ListStore, clock: Clock, routes: RouteTable | None = None) -> None:
        """``routes``: where each user's content lives (a list is shared only among users
        whose content lives in the same place)."""
        self._store = store
        self._clock = clock
        self._routes = routes

    async def authorize(
        self, list_id: str, user_id: str, *operations: Operation, session: Session = None
    ) -> tuple[Document, Role]:
        doc = await self._store.get_list(list_id, session)
        if doc is None:
            raise not_found("List")
        if doc["user_id"] == user_id:
            role = Role.OWNER
        else:
            name = await self._store.role_of(list_id, user_id, session)
            if name is None:
                raise not_found("List")
            role = Role(name)
        for operation in operations:
            require(role, operation)
        return doc, role

    async def _view(self, doc: Document, user_id: str) -> ShoppingList:
        mine = doc["user_id"] == user_id
        total, open_count = await self._store.counts(doc["user_id"], doc["_id"])
        return ShoppingList(
            id=doc["_id"],
            name=doc["name"],
            owner_id=doc["user_id"],
            my_role=Role.OWNER if mine else Role.COLLABORATOR,
            is_default=bool(doc.get("is_default")) and mine,
            item_count=total,
            open_count=open_count,
            member_count=await self._store.member_count(doc["_id"]),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )

    # -- lists -------------------------------------------------------------------------------

    async def _new_list(
        self, user_id: str, name: str, *, is_default: bool, session: Session
    ) -> Document | None:
        now = self._clock.now()
        doc: Document = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "name": name.strip(),
            "name_key": name_key(name),
            "is_default": is_default,
            "created_at": now,
            "updated_at": now,
        }
        if not await self._store.insert_list(doc, session):
            return None
        if is_default:
            await self._store.clear_default(user_id, session, keep=doc["_id"])
        return doc

    async def create(self, user_id: str, body: ListIn) -> ShoppingList:
        # A user's first list is where items said without a list go.
        is_default = body.is_default or await self._store.default_of(user_id) is None
        doc = await self._new_list(user_id, body.name, is_default=is_default, session=None)
        if doc is None:
            raise _name_taken()
        return await self._view(doc, user_id)

    async def page(self, user_id: str, paging: PageQuery) -> ListPage:
        shared = await self._store.shared_ids(user_id)
        query: Document = {"$or": [{"user_id": user_id}, {"_id": {"$in": shared}}]}
        docs, cursor = await self._store.page_lists(query, paging, dict)
        return ListPage(items=[await self._view(d, user_id) for d in docs], next_cursor=cursor)

    async def get(self, user_id: str, list_id: str) -> ShoppingList:
        doc, _ = await self.authorize(list_id, user_id, Operation.READ)
        return await self._view(doc, user_id)

    async def update(self, user_id: str, list_id: str, body: ListPatch) -> ShoppingList:
        await self.authorize(list_id, user_id, Operation.RENAME)
        changes: Document = {"updated_at": self._clock.now()}
        if body.name is not None:
            changes["name"] = body.name.strip()
            changes["name_key"] = name_key(body.name)
        if body.is_default:
            changes["is_default"] = True
        updated = await self._store.update_list(list_id, changes)
        if updated is None:
            raise _name_taken()
        if body.is_default:
            await self._store.clear_default(user_id, keep=list_id)
        return await self._view(updated, user_id)

    async def delete(self, user_id: str, list_id: str) -> None:
        doc, _ = await self.authorize(list_id, user_id, Operation.DELETE_LIST)
        await self._store.delete_list(doc, None)

    # -- items -------------------------------------------------------------------------------

    async def items(
        self,
        user_id: str,
        list_id: str,
        paging: PageQuery,
        *,
        completed: bool | None = None,
        category: str | None = None,
    ) -> ItemPage:
        doc, _ = await self.authorize(list_id, user_id, Operation.READ)
        query: Document = {"user_id": doc["user_id"], "list_id": list_id}
        if completed is not None:
            query["completed"] = completed
        if category is not None:
            query["category"] = category
        items, cursor = await self._store.page_items(query, paging, item_from_doc)
        return ItemPage(items=items, next_cursor=cursor)

    async def add_item(self, user_id: str, list_id: str, body: ItemIn) -> tuple[Item, bool]:
        """The item added, or the one it merged into (then True)."""
        doc, _ = await self.authorize(list_id, user_id, Operation.EDIT_ITEMS)
        draft = ItemDraft(name=body.name, quantity=body.quantity, unit=body.unit)
        item, before = await self._add(doc, user_id, draft, body.category, None)
        return item_from_doc(item), before is not None

    async def get_item(self, user_id: str, list_id: str, item_id: str) -> Item:
        doc, _ = await self.authorize(list_id, user_id, Operation.READ)
        return item_from_doc(await self._owned_item(doc, item_id))

    async def update_item(self, user_id: str, list_id: str, item_id: str, body: ItemPatch) -> Item:
        doc, _ = await self.authorize(list_id, user_id, Operation.EDIT_ITEMS)
        await self._owned_item(doc, item_id)
        now = self._clock.now()
        changes: Document = {"updated_at": now}
        if body.name is not None:
            changes["name"] = body.name.strip()
            changes["key"] = item_key(body.name)
        if body.quantity is not None:
            changes["quantity"] = quantity_value(body.quantity)
        if "unit" in body.model_fields_set:
            changes["unit"] = unit_of(body.unit)
        if body.category is not None:
            changes["category"] = body.category
        if body.completed is not None:
            changes["completed"] = body.completed
            changes["completed_at"] = now if body.completed else None
            changes["completed_by"] = user_id if body.completed else None
        updated = await self._store.update_item(item_id, changes)
        if updated is None:
            raise not_found("Item")
        await self._store.touch(list_id, now)
        return item_from_doc(updated)

    async def delete_item(self, user_id: str, list_id: str, item_id: str) -> None:
        doc, _ = await self.authorize(list_id, user_id, Operation.EDIT_ITEMS)
        await self._owned_item(doc, item_id)
        await self._store.delete_items([item_id])
        await self._store.touch(list_id, self._clock.now())

    async def clear_completed(self, user_id: str, list_id: str) -> Cleared:
        doc, _ = await self.authorize(list_id, user_id, Operation.EDIT_ITEMS)
        done = await self._store.items_of(doc["user_id"], list_id, completed=True)
        cleared = await self._store.delete_items([d["_id"] for d in done])
        if cleared:
            await self._store.touch(list_id, self._clock.now())
        return Cleared(cleared=cleared)

    async def _owned_item(self, list_doc: Document, item_id: str) -> Document:
        item = await self._store.get_item(list_doc["user_id"], list_doc["_id"], item_id)
        if item is None:
            raise not_found("Item")
        return item

    async def _add(
        self,
        list_doc: Document,
        user_id: str,
        draft: ItemDraft,
        category: str | None,
        session: Session,
    ) -> tuple[Document, Document | None]:
        """Add ``draft`` or merge it into the open item of the same name and unit: the item
        as it is now, and as it was before when it merged."""
        key, unit = item_key(draft.name), unit_of(draft.unit)
        now = self._clock.now()
        owner, list_id = list_doc["user_id"], list_doc["_id"]
        same = [
            d
            for d in await self._store.items_of(owner, list_id, session, completed=False)
            if d.get("key") == key and d.get("unit") == unit
        ]
        if same:
            before = same[0]
            merged = await self._store.update_item(
                before["_id"],
                {
                    "quantity": quantity_value(quantity_of(before) + draft.quantity),
                    "updated_at": now,
                },
                session,
            )
            if merged is None:
                raise not_found("Item")
            await self._store.touch(list_id, now, session)
            return merged, before
        doc: Document = {
            "_id": uuid.uuid4().hex,
            "user_id": owner,
            "list_id": list_id,
            "name": draft.name.strip(),
            "key": key,
            "category": category or item_category(draft.name),
            "quantity": quantity_value(draft.quantity),
            "unit": unit,
            "completed": False,
            "completed_at": None,
            "added_by": user_id,
            "completed_by": None,
            "created_at": now,
            "updated_at": now,
        }
        await self._store.insert_item(doc, session)
        await self._store.touch(list_id, now, session)
        return doc, None

    # -- sharing -----------------------------------------------------------------------------

    async def members(self, user_id: str, list_id: str) -> list[Member]:
        doc, role = await self.authorize(list_id, user_id, Operation.READ)
        owner = Member(user_id=doc["user_id"], role=Role.OWNER, joined_at=doc["created_at"])
        # Pending invitations are the owner's business until the invitee accepts.
        others = await self._store.members(list_id, include_invited=role is Role.OWNER)
        return [owner, *(_member(d) for d in others)]

    async def invite(self, user_id: str, list_id: str, body: MemberAdd) -> list[Member]:
        """Invite a user; they take part only once they accept through their invitations."""
        await self.authorize(list_id, user_id, Operation.INVITE)
        if body.user_id == user_id:
            raise ProblemError(409, "The owner already has the list.", code="already-owner")
        if self._routes is not None and self._routes.apart(user_id, body.user_id):
            # It lives in one database; the other user reads and writes only theirs.
            raise sharing_across_stores("list")
        invited = await self._store.invite(
            {
                "_id": uuid.uuid4().hex,
                "list_id": list_id,
                "user_id": body.user_id,
                "role": body.role.value,
                "status": MemberStatus.INVITED.value,
                "invited_by": user_id,
                "invited_at": self._clock.now(),
                "joined_at": None,
            }
        )
        if not invited:
            raise ProblemError(
                409, "This user is already invited to or shares the list.", code="already-member"
            )
        return await self.members(user_id, list_id)

    async def remove_member(self, user_id: str, list_id: str, member_id: str) -> None:
        """The owner removes a collaborator (or withdraws an invitation); a collaborator leaves."""
        operation = Operation.LEAVE if member_id == user_id else Operation.REMOVE_MEMBER
        await self.authorize(list_id, user_id, operation)
        if not await self._store.remove_member(list_id, member_id):
            raise not_found("Member")

    async def invitations(self, user_id: str) -> list[ListInvitation]:
        found = []
        for member in await self._store.invitations_for(user_id):
            doc = await self._store.get_list(member["list_id"])
            if doc is not None:
                found.append(
                    ListInvitation(
                        list_id=doc["_id"],
                        name=doc["name"],
                        owner_id=doc["user_id"],
                        role=Role(member["role"]),
                        invited_by=member.get("invited_by") or doc["user_id"],
                        invited_at=member.get("invited_at"),
                    )
                )
        return found

    async def accept(self, user_id: str, list_id: str) -> ShoppingList:
        if not await self._store.accept(list_id, user_id, self._clock.now()):
            raise not_found("Invitation")
        return await self.get(user_id, list_id)

    async def decline(self, user_id: str, list_id: str) -> None:
        if not await self._store.remove_member(list_id, user_id, invited_only=True):
            raise not_found("Invitation")

    # -- for conversation ----------------------------------------------------------------------

    async def reachable(self, user_id: str, session: Session) -> list[Document]:
        """The user's own lists (default first), then those shared with them."""
        own = await self._store.lists_of(user_id, session)
        own.sort(key=lambda d: not d.get("is_default"))
        shared = await self._store.lists_by_ids(
            await self._store.shared_ids(user_id, session), session
        )
        return [*own, *sorted(shared, key=lambda d: d["created_at"])]

    async def find(self, user_id: str, name: str | None, session: Session) -> Document | None:
        """The list a message names (None: the default), among the user's own and shared ones."""
        lists = await self.reachable(user_id, session)
        if name is None:
            return next((d for d in lists if d["user_id"] == user_id and d.get("is_default")), None)
        wanted = name_key(name)
        return next((d for d in lists if d["name_key"] == wanted), None)

    async def find_or_create(
        self, user_id: str, name: str | None, session: Session
    ) -> tuple[Document, bool]:
        """The list named (None: the default, "Groceries"), made when there is none yet."""
        found = await self.find(user_id, name, session)
        if found is not None:
            return found, False
        wanted = name or DEFAULT_NAME
        existing = await self._store.by_name(user_id, name_key(wanted), session)
        if existing is not None:  # "Groceries" exists but another list became the default
            return existing, False
        created = await self._new_list(user_id, wanted, is_default=name is None, session=session)
        if created is None:
            raise _name_taken()
        return created, True

    async def open_items(self, list_doc: Document, session: Session) -> list[Document]:
        return await self._store.items_of(
            list_doc["user_id"], list_doc["_id"], session, completed=False
        )

    async def all_items(self, list_doc: Document, session: Session) -> list[Document]:
        return await self._store.items_of(list_doc["user_id"], list_doc["_id"], session)

    async def add_drafts(
        self,
        user_id: str,
        list_doc: Document,
        drafts: Sequence[ItemDraft],
        session: Session,
        *,
        list_created: bool = False,
    ) -> Change:
        await self.authorize(list_doc["_id"], user_id, Operation.EDIT_ITEMS, session=session)
        change = Change(list_doc["_id"], list_doc["name"], list_created=list_created)
        for draft in drafts:
            item, before = await self._add(list_doc, user_id, draft, None, session)
            if before is None:
                change.created.append(item["_id"])
                change.lines.append(item_line(item))
            else:
                change.merged.append(
                    {
                        "id": item["_id"],
                        "quantity": str(quantity_of(before)),
                        "unit": item.get("unit"),
                    }
                )
                change.lines.append(f"{item_line(item)} (now)")
        return change

    async def complete_items(
        self, user_id: str, list_doc: Document, items: Sequence[Document], session: Session
    ) -> Change:
        await self.authorize(list_doc["_id"], user_id, Operation.EDIT_ITEMS, session=session)
        change = Change(list_doc["_id"], list_doc["name"])
        now = self._clock.now()
        for item in items:
            await self._store.update_item(
                item["_id"],
                {
                    "completed": True,
                    "completed_at": now,
                    "completed_by": user_id,
                    "updated_at": now,
                },
                session,
            )
            change.completed.append(item["_id"])
            change.lines.append(str(item["name"]))
        if items:
            await self._store.touch(list_doc["_id"], now, session)
        return change

    async def remove_items(
        self, user_id: str, list_doc: Document, items: Sequence[Document], session: Session
    ) -> Change:
        await self.authorize(list_doc["_id"], user_id, Operation.EDIT_ITEMS, session=session)
        change = Change(
            list_doc["_id"], list_doc["name"], removed=[snapshot(i, user_id) for i in items]
        )
        change.lines = [str(i["name"]) for i in items]
        await self._store.delete_items([i["_id"] for i in items], session)
        if items:
            await self._store.touch(list_doc["_id"], self._clock.now(), session)
        return change

    async def undo(self, user_id: str, data: Document, session: Session) -> bool:
        """Put a list back as it was before a conversational change; False when the list is
        gone or no longer the user's to change."""
        try:
            list_doc, role = await self.authorize(
                data["list_id"], user_id, Operation.EDIT_ITEMS, session=session
            )
        except ProblemError:
            return False
        now = self._clock.now()
        await self._store.delete_items(data.get("created") or [], session)
        for merged in data.get("merged") or []:
            await self._store.update_item(
                merged["id"],
                {"quantity": quantity_value(Decimal(merged["quantity"])), "updated_at": now},
                session,
            )
        for item_id in data.get("completed") or []:
            await self._store.update_item(
                item_id,
                {"completed": False, "completed_at": None, "completed_by": None, "updated_at": now},
                session,
            )
        present = {d["_id"] for d in await self.all_items(list_doc, session)}
        restored = [
            {**d, "user_id": list_doc["user_id"], "list_id": list_doc["_id"]}
            for d in data.get("removed") or []
            if d["_id"] not in present
        ]
        await self._store.restore_items(restored, session)
        created_here = data.get("list_created") and role is Role.OWNER
        if created_here and not await self.all_items(list_doc, session):
            await self._store.delete_list(list_doc, session)
            return True
        await self._store.touch(list_doc["_id"], now, session)
        return True


def snapshot(item: Document, actor: str) -> Document:
    """An item as kept to undo its removal, in the plans of ``actor`` (who removed it): the
    list's owner and whoever else added or ticked it off are left out, so that no other
    user's id is kept among ``actor``'s records (their erasure could not reach it there)."""
    kept = {k: v for k, v in item.items() if k not in ("user_id", "added_by", "completed_by")}
    for name in ("added_by", "completed_by"):
        kept[name] = actor if item.get(name) == actor else None
    return kept


def _member(doc: Document) -> Member:
    return Member(
        user_id=doc["user_id"],
        role=Role(doc["role"]),
        status=MemberStatus(doc.get("status", MemberStatus.ACTIVE.value)),
        invited_by=doc.get("invited_by"),
        invited_at=doc.get("invited_at"),
        joined_at=doc.get("joined_at"),
    )


def _name_taken() -> ProblemError:
    return ProblemError(409, "You already have a list of that name.", code="list-name-taken")
