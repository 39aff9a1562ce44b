"""The tag registry (names and colours) and the ``tags`` lists on conversations.

Items store tag names, not ids: the conversation list filters on them directly, and a rename
rewrites the items in the same transaction as the registry.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from muninn_shared.problems import ProblemError
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.conversations.store import CONVERSATIONS
from muninn_conversation.owned import now
from muninn_conversation.tags.models import MAX_TAGS_PER_ITEM

Doc = dict[str, Any]
TAGS = "tags"


def replace_tag(tags: list[str], old: str, new: str | None) -> list[str]:
    """``old`` swapped for ``new`` in place (or dropped), without creating a duplicate."""
    out: list[str] = []
    for tag in tags:
        value = new if tag == old else tag
        if value is not None and value not in out:
            out.append(value)
    return out


async def tag_counts(collection: AsyncCollection[Doc], match: Doc) -> dict[str, int]:
    """How many documents matching ``match`` carry each tag."""
    pipeline: list[Doc] = [
        {"$match": {**match, "tags.0": {"$exists": True}}},
        {"$project": {"tags": 1}},
        {"$unwind": "$tags"},
        {"$group": {"_id": "$tags", "n": {"$sum": 1}}},
    ]
    return {str(d["_id"]): int(d["n"]) async for d in await collection.aggregate(pipeline)}


class TagStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._tags = db[TAGS]
        self._conversations = db[CONVERSATIONS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._tags, [("user_id", ASCENDING), ("name", ASCENDING)], unique=True)
        await ensure_index(self._conversations, [("user_id", ASCENDING), ("tags", ASCENDING)])

    # The registry.

    async def all(self, user_id: str) -> list[Doc]:
        return [d async for d in self._tags.find({"user_id": user_id}).sort("name", ASCENDING)]

    async def get(
        self, user_id: str, name: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._tags.find_one({"user_id": user_id, "name": name}, session=session)

    async def insert(self, doc: Doc) -> None:
        await self._tags.insert_one(doc)

    async def ensure(
        self,
        user_id: str,
        names: list[str],
        at: datetime,
        session: AsyncClientSession | None = None,
    ) -> None:
        """Register tags an item was given, keeping existing colours."""
        for name in names:
            await self._tags.update_one(
                {"user_id": user_id, "name": name},
                {
                    "$setOnInsert": {
                        "_id": uuid.uuid4().hex,
                        "color": None,
                        "created_at": at,
                        "updated_at": at,
                    }
                },
                upsert=True,
                session=session,
            )

    async def update(
        self, user_id: str, name: str, changes: Doc, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await update_one_and_read(
            self._tags,
            {"user_id": user_id, "name": name},
            {"$set": changes},
            session=session,
        )

    async def delete(
        self, user_id: str, name: str, session: AsyncClientSession | None = None
    ) -> bool:
        result = await self._tags.delete_one({"user_id": user_id, "name": name}, session=session)
        return result.deleted_count == 1

    # Tags on conversations (the conversation documents belong to the conversations feature;
    # only their ``tags`` field is managed here).

    async def conversation_counts(self, user_id: str) -> dict[str, int]:
        return await tag_counts(self._conversations, {"user_id": user_id})

    async def conversations_tagged(self, user_id: str, tag: str) -> int:
        return await self._conversations.count_documents({"user_id": user_id, "tags": tag})

    async def add_to_conversation(self, conversation_id: str, tag: str) -> list[str] | None:
        """The conversation's tags with ``tag`` added; ``None`` if it already has the most allowed."""
        room = {f"tags.{MAX_TAGS_PER_ITEM - 1}": {"$exists": False}}
        doc = await update_one_and_read(
            self._conversations,
            {"_id": conversation_id, "$or": [{"tags": tag}, room]},
            {"$addToSet": {"tags": tag}},
            projection={"tags": 1},
        )
        return list(doc.get("tags", [])) if doc else None

    async def remove_from_conversation(self, conversation_id: str, tag: str) -> list[str]:
        doc = await update_one_and_read(
            self._conversations,
            {"_id": conversation_id},
            {"$pull": {"tags": tag}},
            projection={"tags": 1},
        )
        return list(doc.get("tags", [])) if doc else []

    async def retag_conversations(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> int:
        """Rename or drop a tag on the conversations the user owns."""
        cursor = self._conversations.find(
            {"user_id": user_id, "tags": old}, {"tags": 1}, session=session
        )
        docs = [d async for d in cursor]
        for doc in docs:
            await self._conversations.update_one(
                {"_id": doc["_id"]},
                {"$set": {"tags": replace_tag(doc["tags"], old, new)}},
                session=session,
            )
        return len(docs)


async def change_item_tags(
    load: Callable[[], Awaitable[Doc]],
    replace_if_unchanged: Callable[[Doc, list[str]], Awaitable[Doc | None]],
    tag: str,
    *,
    add: bool,
) -> tuple[list[str], bool]:
    """Add or remove one tag on a searchable item; returns its tags and whether they changed.

    Compare-and-set on the tags list: the list and the item's search index must change
    together, and a plain ``$addToSet`` could not re-index.
    """
    for _ in range(5):
        doc = await load()
        tags: list[str] = list(doc.get("tags", []))
        if add == (tag in tags):
            return tags, False
        if add and len(tags) >= MAX_TAGS_PER_ITEM:
            raise ProblemError(
                422, f"An item carries at most {MAX_TAGS_PER_ITEM} tags.", code="too-many-tags"
            )
        tags = [*tags, tag] if add else [t for t in tags if t != tag]
        if await replace_if_unchanged(doc, tags) is not None:
            return tags, True
    raise ProblemError(409, "The item's tags changed concurrently; try again.", code="conflict")


async def add_item_tag(
    vocabulary: TagStore,
    user_id: str,
    tag: str,
    load: Callable[[], Awaitable[Doc]],
    replace_if_unchanged: Callable[[Doc, list[str]], Awaitable[Doc | None]],
) -> list[str]:
    """Tag an item; a tag new to the item joins the user's vocabulary."""
    tags, changed = await change_item_tags(load, replace_if_unchanged, tag, add=True)
    if changed:
        await vocabulary.ensure(user_id, [tag], now())
    return tags


async def remove_item_tag(
    tag: str,
    load: Callable[[], Awaitable[Doc]],
    replace_if_unchanged: Callable[[Doc, list[str]], Awaitable[Doc | None]],
) -> list[str]:
    """Untag an item; the tag stays in the user's vocabulary."""
    tags, _ = await change_item_tags(load, replace_if_unchanged, tag, add=False)
    return tags
