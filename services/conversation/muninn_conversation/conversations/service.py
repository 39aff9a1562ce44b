"""Conversations: create, list, change, delete — with roles enforced on every call.

A stranger gets 404 (the conversation's existence is not revealed); a viewer may read but
not write (403); only the owner may manage settings, participants or delete.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from muninn_shared.events import new_event
from muninn_shared.events.payloads import ConversationDeleted
from muninn_shared.pagination import decode_cursor, encode_cursor
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.conversations.models import (
    Conversation,
    ConversationCreate,
    ConversationPage,
    ConversationPatch,
    Participant,
    ParticipantAdd,
    Role,
)
from muninn_conversation.conversations.store import ConversationStore

SOURCE = "conversation"


class Need(IntEnum):
    READ = 1
    WRITE = 2
    MANAGE = 3


_ALLOWED = {Role.VIEWER: Need.READ, Role.COLLABORATOR: Need.WRITE, Role.OWNER: Need.MANAGE}


def conversation_from_doc(doc: dict[str, Any], role: str) -> Conversation:
    fields = {
        k: v
        for k, v in doc.items()
        if k in Conversation.model_fields and k not in ("id", "my_role")
    }
    return Conversation(
        id=doc["_id"],
        owner_id=doc["user_id"],
        my_role=Role(role),
        **{k: v for k, v in fields.items() if k != "owner_id"},
    )


class ConversationService:
    def __init__(
        self, client: AsyncMongoClient[dict[str, Any]], store: ConversationStore, outbox: Outbox
    ) -> None:
        self._client = client
        self._store = store
        self._outbox = outbox

    async def authorize(
        self, conversation_id: str, user_id: str, need: Need
    ) -> tuple[dict[str, Any], Role]:
        doc = await self._store.get(conversation_id)
        role_name = await self._store.role_of(conversation_id, user_id) if doc else None
        if doc is None or role_name is None:
            raise not_found("Conversation")
        role = Role(role_name)
        if _ALLOWED[role] < need:
            action = {Need.WRITE: "post in", Need.MANAGE: "manage"}.get(need, "read")
            raise ProblemError(
                403,
                f"As a {role.value} you cannot {action} this conversation.",
                code="forbidden-role",
            )
        return doc, role

    async def create(self, user_id: str, body: ConversationCreate) -> Conversation:
        doc, owner = self._new_docs(user_id, body)
        await self._store.insert(doc, owner)
        return conversation_from_doc(doc, Role.OWNER.value)

    async def create_in_session(
        self, user_id: str, *, title: str, session: AsyncClientSession
    ) -> dict[str, Any]:
        doc, owner = self._new_docs(user_id, ConversationCreate(title=title))
        await self._store.insert(doc, owner, session)
        return doc

    @staticmethod
    def _new_docs(user_id: str, body: ConversationCreate) -> tuple[dict[str, Any], dict[str, Any]]:
        now = datetime.now(UTC)
        conversation_id = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "_id": conversation_id,
            "user_id": user_id,
            "title": body.title,
            "title_generated": False,
            "context": body.context.value,
            "project_id": body.project_id,
            "tags": [],
            "settings": body.settings.model_dump(),
            "advisor_ids": body.advisor_ids,
            "is_archived": False,
            "is_pinned": False,
            "message_count": 0,
            "last_message_at": None,
            "last_message_preview": None,
            "active_leaf_id": None,
            "created_at": now,
            "updated_at": now,
        }
        owner = {
            "_id": uuid.uuid4().hex,
            "conversation_id": conversation_id,
            "user_id": user_id,
            "role": Role.OWNER.value,
            "joined_at": now,
        }
        return doc, owner

    async def for_client(self, user_id: str, client_key: str, *, title: str) -> dict[str, Any]:
        """The conversation an API client's calls land in, created on first use."""
        doc = await self._store.find_by_client_key(user_id, client_key)
        if doc is not None:
            return doc
        created = await self.create(user_id, ConversationCreate(title=title))
        await self._store.update(created.id, {"client_key": client_key})
        fresh = await self._store.get(created.id)
        assert fresh is not None
        return fresh

    async def get(self, conversation_id: str, user_id: str) -> Conversation:
        doc, role = await self.authorize(conversation_id, user_id, Need.READ)
        return conversation_from_doc(doc, role.value)

    async def page(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        context: str | None = None,
        archived: bool | None = None,
        pinned: bool | None = None,
        project_id: str | None = None,
        tag: str | None = None,
        q: str | None = None,
    ) -> ConversationPage:
        ids = await self._store.visible_ids(user_id)
        query: dict[str, Any] = {"_id": {"$in": ids}}
        if context is not None:
            query["context"] = context
        query["is_archived"] = bool(archived)
        if pinned is not None:
            query["is_pinned"] = pinned
        if project_id is not None:
            query["project_id"] = project_id
        if tag is not None:
            query["tags"] = tag
        if q:
            query["title"] = {"$regex": re.escape(q), "$options": "i"}
        docs = await self._store.page(
            query, limit=limit + 1, before=decode_cursor(cursor) if cursor else None
        )
        items = []
        for doc in docs[:limit]:
            role = (
                "owner"
                if doc["user_id"] == user_id
                else (await self._store.role_of(doc["_id"], user_id) or "viewer")
            )
            items.append(conversation_from_doc(doc, role))
        next_cursor = (
            encode_cursor(docs[limit - 1]["updated_at"], docs[limit - 1]["_id"])
            if len(docs) > limit
            else None
        )
        return ConversationPage(items=items, next_cursor=next_cursor)

    async def update(
        self, conversation_id: str, user_id: str, patch: ConversationPatch
    ) -> Conversation:
        changes = patch.model_dump(exclude_unset=True, mode="json")
        need = Need.MANAGE if set(changes) - {"is_pinned", "is_archived"} else Need.WRITE
        await self.authorize(conversation_id, user_id, need)
        if "title" in changes:
            changes["title_generated"] = False
        changes["updated_at"] = datetime.now(UTC)
        doc = await self._store.update(conversation_id, changes)
        if doc is None:
            raise not_found("Conversation")
        return conversation_from_doc(
            doc, (await self._store.role_of(conversation_id, user_id)) or "viewer"
        )

    async def delete(self, conversation_id: str, user_id: str, *, cascade: list[str]) -> None:
        doc, _ = await self.authorize(conversation_id, user_id, Need.MANAGE)

        async def work(session: AsyncClientSession) -> None:
            db = self._store._conversations.database
            for collection in cascade:
                await db[collection].delete_many(
                    {"conversation_id": conversation_id}, session=session
                )
            await self._store.delete(conversation_id, session)
            payload = ConversationDeleted(user_id=doc["user_id"], conversation_id=conversation_id)
            await self._outbox.put(
                new_event(
                    "conversation.conversation.deleted",
                    source=SOURCE,
                    subject=doc["user_id"],
                    data=payload,
                ),
                session,
            )

        await in_transaction(self._client, work)

    async def participants(self, conversation_id: str, user_id: str) -> list[Participant]:
        await self.authorize(conversation_id, user_id, Need.READ)
        return [
            Participant.model_validate(d) for d in await self._store.participants(conversation_id)
        ]

    async def add_participant(
        self, conversation_id: str, user_id: str, body: ParticipantAdd
    ) -> list[Participant]:
        await self.authorize(conversation_id, user_id, Need.MANAGE)
        if body.user_id == user_id:
            raise ProblemError(409, "The owner is already a participant.", code="already-owner")
        await self._store.add_participant(
            {
                "_id": uuid.uuid4().hex,
                "conversation_id": conversation_id,
                "user_id": body.user_id,
                "role": body.role.value,
                "joined_at": datetime.now(UTC),
            }
        )
        return [
            Participant.model_validate(d) for d in await self._store.participants(conversation_id)
        ]

    async def remove_participant(
        self, conversation_id: str, user_id: str, participant_id: str
    ) -> None:
        if participant_id != user_id:
            await self.authorize(conversation_id, user_id, Need.MANAGE)
        else:
            await self.authorize(conversation_id, user_id, Need.READ)
        if not await self._store.remove_participant(conversation_id, participant_id):
            raise not_found("Participant")
