"""Conversations and participants in MongoDB."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from muninn_conversation.tags.counting import tag_counts
from muninn_conversation.tags.models import MAX_TAGS_PER_ITEM, replace_tag

Doc = dict[str, Any]
CONVERSATIONS = "conversations"
PARTICIPANTS = "participants"
_INVITED = "invited"
_ACTIVE = "active"
# Participants recorded before invitations existed carry no status: they had joined.
_ACCEPTED: Doc = {"status": {"$ne": _INVITED}}


class ConversationStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._conversations = db[CONVERSATIONS]
        self._participants = db[PARTICIPANTS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._conversations,
            [("user_id", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._conversations, [("user_id", ASCENDING), ("context", ASCENDING)])
        await ensure_index(self._conversations, [("user_id", ASCENDING), ("project_id", ASCENDING)])
        await ensure_index(self._conversations, [("user_id", ASCENDING), ("client_key", ASCENDING)])
        await ensure_index(self._conversations, [("user_id", ASCENDING), ("tags", ASCENDING)])
        await ensure_index(
            self._participants,
            [("conversation_id", ASCENDING), ("user_id", ASCENDING)],
            unique=True,
        )
        await ensure_index(self._participants, [("user_id", ASCENDING), ("joined_at", DESCENDING)])
        await ensure_index(self._participants, [("user_id", ASCENDING), ("status", ASCENDING)])

    async def insert(
        self, conversation: Doc, owner: Doc, session: AsyncClientSession | None = None
    ) -> None:
        await self._conversations.insert_one(conversation, session=session)
        await self._participants.insert_one(owner, session=session)

    async def get(
        self, conversation_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._conversations.find_one({"_id": conversation_id}, session=session)

    async def latest_owned(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._conversations.find_one(
            {"user_id": user_id, "is_archived": False},
            sort=[("updated_at", DESCENDING)],
            session=session,
        )

    async def find_by_client_key(self, user_id: str, client_key: str) -> Doc | None:
        return await self._conversations.find_one({"user_id": user_id, "client_key": client_key})

    async def role_of(
        self, conversation_id: str, user_id: str, session: AsyncClientSession | None = None
    ) -> str | None:
        """The accepted role of the user; ``None`` for a stranger or a pending invitee."""
        doc = await self._participants.find_one(
            {"conversation_id": conversation_id, "user_id": user_id, **_ACCEPTED}, session=session
        )
        return None if doc is None else str(doc["role"])

    async def visible_ids(self, user_id: str) -> list[str]:
        return [
            d["conversation_id"]
            async for d in self._participants.find(
                {"user_id": user_id, **_ACCEPTED}, {"conversation_id": 1}
            )
        ]

    async def titles(self, conversation_ids: list[str]) -> dict[str, str | None]:
        cursor = self._conversations.find({"_id": {"$in": conversation_ids}}, {"title": 1})
        return {d["_id"]: d.get("title") async for d in cursor}

    async def active_participant_count(self, conversation_id: str) -> int:
        return await self._participants.count_documents(
            {"conversation_id": conversation_id, **_ACCEPTED}
        )

    async def page(
        self, query: Doc, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Doc]:
        if before is not None:
            at, conversation_id = before
            query = {
                "$and": [
                    query,
                    {
                        "$or": [
                            {"updated_at": {"$lt": at}},
                            {"updated_at": at, "_id": {"$lt": conversation_id}},
                        ]
                    },
                ]
            }
        cursor = (
            self._conversations.find(query)
            .sort([("updated_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]

    async def update(
        self, conversation_id: str, changes: Doc, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await update_one_and_read(
            self._conversations,
            {"_id": conversation_id},
            {"$set": changes},
            session=session,
        )

    async def record_message(
        self,
        conversation_id: str,
        *,
        at: datetime,
        preview: str,
        leaf_id: str,
        session: AsyncClientSession | None,
    ) -> None:
        await self._conversations.update_one(
            {"_id": conversation_id},
            {
                "$inc": {"message_count": 1},
                "$set": {
                    "last_message_at": at,
                    "last_message_preview": preview[:200],
                    "updated_at": at,
                    "active_leaf_id": leaf_id,
                },
            },
            session=session,
        )

    async def delete(
        self, conversation_id: str, session: AsyncClientSession, *, cascade: Sequence[str]
    ) -> None:
        """Delete the conversation, its participants and its documents in ``cascade``."""
        db = self._conversations.database
        for collection in cascade:
            await db[collection].delete_many({"conversation_id": conversation_id}, session=session)
        await self._conversations.delete_one({"_id": conversation_id}, session=session)
        await self._participants.delete_many({"conversation_id": conversation_id}, session=session)

    async def participants(self, conversation_id: str, *, include_invited: bool) -> list[Doc]:
        query: Doc = {"conversation_id": conversation_id}
        if not include_invited:
            query.update(_ACCEPTED)
        cursor = self._participants.find(query).sort(
            [("status", ASCENDING), ("joined_at", ASCENDING)]
        )
        return [d async for d in cursor]

    async def invite(self, doc: Doc) -> bool:
        """Record (or renew) an invitation; ``False`` if the user already takes part."""
        who = {"conversation_id": doc["conversation_id"], "user_id": doc["user_id"]}
        existing = await self._participants.find_one(who)
        if existing is not None and existing.get("status", _ACTIVE) == _ACTIVE:
            return False
        try:
            await self._participants.update_one(
                {**who, "status": _INVITED},
                {
                    "$set": {
                        "role": doc["role"],
                        "invited_by": doc["invited_by"],
                        "invited_at": doc["invited_at"],
                    },
                    "$setOnInsert": {"_id": doc["_id"], "joined_at": None},
                },
                upsert=True,
            )
        except DuplicateKeyError:
            # A concurrent invitation or acceptance wrote the row first.
            current = await self._participants.find_one(who)
            return current is not None and current.get("status") == _INVITED
        return True

    async def invitations_for(self, user_id: str) -> list[Doc]:
        cursor = self._participants.find({"user_id": user_id, "status": _INVITED}).sort(
            "invited_at", DESCENDING
        )
        return [d async for d in cursor]

    async def accept(self, conversation_id: str, user_id: str, at: datetime) -> bool:
        result = await self._participants.update_one(
            {"conversation_id": conversation_id, "user_id": user_id, "status": _INVITED},
            {"$set": {"status": _ACTIVE, "joined_at": at}},
        )
        return result.modified_count == 1

    async def decline(self, conversation_id: str, user_id: str) -> bool:
        result = await self._participants.delete_one(
            {"conversation_id": conversation_id, "user_id": user_id, "status": _INVITED}
        )
        return result.deleted_count == 1

    async def set_role(self, conversation_id: str, user_id: str, role: str) -> bool:
        result = await self._participants.update_one(
            {"conversation_id": conversation_id, "user_id": user_id, "role": {"$ne": "owner"}},
            {"$set": {"role": role}},
        )
        return result.matched_count == 1

    async def remove_participant(self, conversation_id: str, user_id: str) -> bool:
        result = await self._participants.delete_one(
            {"conversation_id": conversation_id, "user_id": user_id, "role": {"$ne": "owner"}}
        )
        return result.deleted_count == 1

    # Advisors taking part (the advisors feature decides who may join).

    async def add_advisor(self, conversation_id: str, advisor_id: str, at: datetime) -> Doc | None:
        return await update_one_and_read(
            self._conversations,
            {"_id": conversation_id},
            {"$addToSet": {"advisor_ids": advisor_id}, "$set": {"updated_at": at}},
        )

    async def remove_advisor(
        self, conversation_id: str, advisor_id: str, at: datetime
    ) -> Doc | None:
        return await update_one_and_read(
            self._conversations,
            {"_id": conversation_id},
            {"$pull": {"advisor_ids": advisor_id}, "$set": {"updated_at": at}},
        )

    # The project a conversation is filed under (a user's own conversations only).

    async def in_project(
        self, user_id: str, project_id: str, *, limit: int, archived: bool | None
    ) -> list[Doc]:
        query: Doc = {"user_id": user_id, "project_id": project_id}
        if archived is not None:
            query["is_archived"] = archived
        cursor = (
            self._conversations.find(query)
            .sort([("updated_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]

    async def ids_in_project(self, user_id: str, project_id: str) -> list[str]:
        cursor = self._conversations.find(
            {"user_id": user_id, "project_id": project_id}, {"_id": 1}
        )
        return [d["_id"] async for d in cursor]

    async def set_project(self, conversation_id: str, project_id: str | None) -> None:
        await self._conversations.update_one(
            {"_id": conversation_id}, {"$set": {"project_id": project_id}}
        )

    async def unfile(self, user_id: str, project_id: str, session: AsyncClientSession) -> None:
        """Take the user's conversations out of a project that is going away."""
        await self._conversations.update_many(
            {"user_id": user_id, "project_id": project_id},
            {"$set": {"project_id": None}},
            session=session,
        )

    # Tags on conversations (the tags feature keeps the vocabulary and decides who may tag).

    async def tag_counts(self, user_id: str) -> dict[str, int]:
        return await tag_counts(self._conversations, {"user_id": user_id})

    async def tagged(self, user_id: str, tag: str) -> int:
        return await self._conversations.count_documents({"user_id": user_id, "tags": tag})

    async def add_tag(self, conversation_id: str, tag: str) -> list[str] | None:
        """The conversation's tags with ``tag`` added; ``None`` if it already has the most allowed."""
        room = {f"tags.{MAX_TAGS_PER_ITEM - 1}": {"$exists": False}}
        doc = await update_one_and_read(
            self._conversations,
            {"_id": conversation_id, "$or": [{"tags": tag}, room]},
            {"$addToSet": {"tags": tag}},
            projection={"tags": 1},
        )
        return list(doc.get("tags", [])) if doc else None

    async def remove_tag(self, conversation_id: str, tag: str) -> list[str]:
        doc = await update_one_and_read(
            self._conversations,
            {"_id": conversation_id},
            {"$pull": {"tags": tag}},
            projection={"tags": 1},
        )
        return list(doc.get("tags", [])) if doc else []

    async def retag(
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
