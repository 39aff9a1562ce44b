"""Messages in MongoDB. Sources, tool calls and attachments are embedded: they live and die with it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
MESSAGES = "messages"


class MessageStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._messages = db[MESSAGES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._messages, [("conversation_id", ASCENDING), ("created_at", ASCENDING)]
        )
        await ensure_index(
            self._messages,
            [("conversation_id", ASCENDING), ("parent_id", ASCENDING), ("branch_index", ASCENDING)],
        )
        await ensure_index(self._messages, [("status", ASCENDING), ("lease_until", ASCENDING)])
        await ensure_index(self._messages, "user_id")

    async def drop_inline_sources(self) -> int:
        """Replies once carried their sources inline, readable by every participant: drop them."""
        result = await self._messages.update_many(
            {"sources": {"$exists": True}}, {"$unset": {"sources": ""}}
        )
        return result.modified_count

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> None:
        await self._messages.insert_one(doc, session=session)

    async def get(self, conversation_id: str, message_id: str) -> Doc | None:
        return await self._messages.find_one(
            {"_id": message_id, "conversation_id": conversation_id}
        )

    async def by_id(self, message_id: str) -> Doc | None:
        return await self._messages.find_one({"_id": message_id})

    async def by_ids(self, message_ids: list[str], fields: Sequence[str]) -> dict[str, Doc]:
        """The messages with these ids, by id, each with only ``fields``."""
        cursor = self._messages.find({"_id": {"$in": message_ids}}, dict.fromkeys(fields, 1))
        return {d["_id"]: d async for d in cursor}

    async def all_in(self, conversation_id: str) -> list[Doc]:
        cursor = self._messages.find({"conversation_id": conversation_id}).sort(
            "created_at", ASCENDING
        )
        return [d async for d in cursor]

    async def sibling_count(
        self, conversation_id: str, parent_id: str | None, session: AsyncClientSession | None = None
    ) -> int:
        return await self._messages.count_documents(
            {"conversation_id": conversation_id, "parent_id": parent_id}, session=session
        )

    async def update(
        self, message_id: str, changes: Doc, *, only_if_status: list[str] | None = None
    ) -> Doc | None:
        query: Doc = {"_id": message_id}
        if only_if_status is not None:
            query["status"] = {"$in": only_if_status}
        changes = {**changes, "updated_at": datetime.now(UTC)}
        return await update_one_and_read(
            self._messages,
            query,
            {"$set": changes},
        )

    async def save_progress(
        self, message_id: str, content: str, lease_until: datetime
    ) -> Doc | None:
        """Persist streamed text so far; returns the doc (to see a stop requested elsewhere)."""
        return await update_one_and_read(
            self._messages,
            {"_id": message_id, "status": {"$in": ["pending", "generating"]}},
            {
                "$set": {
                    "content": content,
                    "lease_until": lease_until,
                    "updated_at": datetime.now(UTC),
                }
            },
        )

    async def expired_generations(self, now: datetime, limit: int = 100) -> list[Doc]:
        cursor = self._messages.find(
            {"status": {"$in": ["pending", "generating"]}, "lease_until": {"$lt": now}}
        ).limit(limit)
        return [d async for d in cursor]

    async def generating_in(self, conversation_id: str) -> bool:
        """Whether a reply is being generated in the conversation."""
        doc = await self._messages.find_one(
            {"conversation_id": conversation_id, "status": {"$in": ["pending", "generating"]}},
            projection={"_id": 1},
        )
        return doc is not None

    async def attachments_in(self, conversation_ids: list[str], *, limit: int) -> list[Doc]:
        """Attachments on live messages of these conversations, newest message first.

        One document per attachment: the message's ``_id``, ``conversation_id`` and
        ``created_at``, with ``attachments`` holding that one attachment.
        """
        if not conversation_ids:
            return []
        pipeline: list[Doc] = [
            {
                "$match": {
                    "conversation_id": {"$in": conversation_ids},
                    "is_deleted": {"$ne": True},
                    "attachments.0": {"$exists": True},
                }
            },
            {"$sort": {"created_at": -1, "_id": -1}},
            {"$project": {"conversation_id": 1, "attachments": 1, "created_at": 1}},
            {"$unwind": "$attachments"},
            {"$limit": limit},
        ]
        return [d async for d in await self._messages.aggregate(pipeline)]

    async def count_attachments_in(self, conversation_ids: list[str]) -> int:
        if not conversation_ids:
            return 0
        pipeline: list[Doc] = [
            {
                "$match": {
                    "conversation_id": {"$in": conversation_ids},
                    "is_deleted": {"$ne": True},
                    "attachments.0": {"$exists": True},
                }
            },
            {"$project": {"n": {"$size": "$attachments"}}},
            {"$group": {"_id": None, "n": {"$sum": "$n"}}},
        ]
        totals = [d async for d in await self._messages.aggregate(pipeline)]
        return int(totals[0]["n"]) if totals else 0

    async def unlink_requester(self, user_id: str, session: AsyncClientSession) -> int:
        """Replies generated for the user's turns keep no link to them."""
        result = await self._messages.update_many(
            {"requested_by": user_id}, {"$unset": {"requested_by": ""}}, session=session
        )
        return result.modified_count

    async def delete_in(self, conversation_ids: list[str], session: AsyncClientSession) -> int:
        result = await self._messages.delete_many(
            {"conversation_id": {"$in": conversation_ids}}, session=session
        )
        return result.deleted_count


SOURCES = "message_sources"


class SourceStore:
    """What a reply drew on, kept apart from the message and owned by the user it came from.

    A reply in a shared conversation is read by every participant, but the memories recalled
    for it belong to the one who posted the turn. Keeping them in their own documents under
    that user's id means reads show each user only their own, export returns them to their
    owner and erasure of that user removes them, whoever owns the conversation.
    """

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._sources = db[SOURCES]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._sources, [("conversation_id", ASCENDING), ("user_id", ASCENDING)])
        await ensure_index(self._sources, [("message_id", ASCENDING), ("user_id", ASCENDING)])
        await ensure_index(self._sources, "user_id")

    async def record(
        self, *, message_id: str, conversation_id: str, user_id: str, sources: list[Doc]
    ) -> None:
        await self._sources.update_one(
            {"_id": message_id},
            {
                "$set": {
                    "conversation_id": conversation_id,
                    "message_id": message_id,
                    "user_id": user_id,
                    "sources": sources,
                    "created_at": datetime.now(UTC),
                }
            },
            upsert=True,
        )

    async def for_reader(self, conversation_id: str, user_id: str) -> dict[str, list[Doc]]:
        """The user's own sources in the conversation, by message id."""
        cursor = self._sources.find({"conversation_id": conversation_id, "user_id": user_id})
        return {d["message_id"]: d["sources"] async for d in cursor}

    async def delete_in(self, conversation_ids: list[str], session: AsyncClientSession) -> int:
        result = await self._sources.delete_many(
            {"conversation_id": {"$in": conversation_ids}}, session=session
        )
        return result.deleted_count
