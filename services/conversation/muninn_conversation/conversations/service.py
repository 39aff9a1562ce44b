"""Conversations: create, list, change, delete — with roles enforced on every call.

Every call names the operation it performs and ``authorize`` looks it up in the permission
table (``permissions.PERMISSIONS``): a stranger, or an invitee who has not accepted yet, gets
404 (the conversation's existence is not revealed); a participant whose role does not allow
the operation gets 403.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from muninn_shared.events import new_event
from muninn_shared.events.payloads import ConversationDeleted
from muninn_shared.pagination import decode_cursor, encode_cursor
from muninn_shared.problems import ProblemError, not_found, sharing_across_stores
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from muninn_shared.storage.routes import RouteTable
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.conversations.models import (
    Conversation,
    ConversationCreate,
    ConversationPage,
    ConversationPatch,
    Invitation,
    Participant,
    ParticipantAdd,
    ParticipantStatus,
    Role,
)
from muninn_conversation.conversations.permissions import Operation, allows, require
from muninn_conversation.conversations.store import ConversationStore
from muninn_conversation.owned import matching

SOURCE = "conversation"


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
        self,
        client: AsyncMongoClient[dict[str, Any]],
        store: ConversationStore,
        outbox: Outbox,
        *,
        cascade: Sequence[str],
        routes: RouteTable | None = None,
    ) -> None:
        """``cascade``: the collections whose documents of a conversation go when it is deleted.
        ``routes``: where each user's content lives (a conversation is shared only among
        users whose content lives in the same place)."""
        self._cascade = tuple(cascade)
        self._routes = routes
        self._client = client
        self._store = store
        self._outbox = outbox

    async def authorize(
        self, conversation_id: str, user_id: str, *operations: Operation
    ) -> tuple[dict[str, Any], Role]:
        doc = await self._store.get(conversation_id)
        role_name = await self._store.role_of(conversation_id, user_id) if doc else None
        if doc is None or role_name is None:
            raise not_found("Conversation")
        role = Role(role_name)
        for operation in operations:
            require(role, operation)
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
            "status": ParticipantStatus.ACTIVE.value,
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
        doc, role = await self.authorize(conversation_id, user_id, Operation.READ)
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
        query: dict[str, Any] = {
            "_id": {"$in": ids},
            "is_archived": bool(archived),
            **matching(context=context, is_pinned=pinned, project_id=project_id, tags=tag),
        }
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
        _, role = await self.authorize(
            conversation_id, user_id, *(_PATCH_OPERATIONS[field] for field in changes)
        )
        if "title" in changes:
            changes["title_generated"] = False
        changes["updated_at"] = datetime.now(UTC)
        doc = await self._store.update(conversation_id, changes)
        if doc is None:
            raise not_found("Conversation")
        return conversation_from_doc(doc, role.value)

    async def delete(self, conversation_id: str, user_id: str) -> None:
        doc, _ = await self.authorize(conversation_id, user_id, Operation.DELETE_CONVERSATION)

        async def work(session: AsyncClientSession) -> None:
            await self._store.delete(conversation_id, session, cascade=self._cascade)
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
        _, role = await self.authorize(conversation_id, user_id, Operation.READ)
        # Pending invitations are the owner's business until the invitee accepts.
        return [
            participant_from_doc(d)
            for d in await self._store.participants(
                conversation_id, include_invited=allows(role, Operation.INVITE)
            )
        ]

    async def invite(
        self, conversation_id: str, user_id: str, body: ParticipantAdd
    ) -> list[Participant]:
        """Invite a user; they take part only once they accept through their own invitations."""
        await self.authorize(conversation_id, user_id, Operation.INVITE)
        if body.user_id == user_id:
            raise ProblemError(409, "The owner is already a participant.", code="already-owner")
        if self._routes is not None and self._routes.apart(user_id, body.user_id):
            # It lives in one database; the other user reads and writes only theirs.
            raise sharing_across_stores("conversation")
        invited = await self._store.invite(
            {
                "_id": uuid.uuid4().hex,
                "conversation_id": conversation_id,
                "user_id": body.user_id,
                "role": body.role.value,
                "status": ParticipantStatus.INVITED.value,
                "invited_by": user_id,
                "invited_at": datetime.now(UTC),
                "joined_at": None,
            }
        )
        if not invited:
            raise ProblemError(
                409,
                "This user already takes part in the conversation; change their role instead.",
                code="already-participant",
            )
        return await self.participants(conversation_id, user_id)

    async def change_role(
        self, conversation_id: str, user_id: str, participant_id: str, role: Role
    ) -> list[Participant]:
        await self.authorize(conversation_id, user_id, Operation.CHANGE_ROLE)
        if not await self._store.set_role(conversation_id, participant_id, role.value):
            raise not_found("Participant")
        return await self.participants(conversation_id, user_id)

    async def remove_participant(
        self, conversation_id: str, user_id: str, participant_id: str
    ) -> None:
        """The owner removes anyone else (or withdraws an invitation); a participant may leave."""
        operation = Operation.LEAVE if participant_id == user_id else Operation.REMOVE_PARTICIPANT
        await self.authorize(conversation_id, user_id, operation)
        if not await self._store.remove_participant(conversation_id, participant_id):
            raise not_found("Participant")

    async def invitations(self, user_id: str) -> list[Invitation]:
        items = []
        for doc in await self._store.invitations_for(user_id):
            conversation = await self._store.get(doc["conversation_id"])
            if conversation is not None:
                items.append(invitation_from_docs(doc, conversation))
        return items

    async def accept(self, conversation_id: str, user_id: str) -> Conversation:
        if not await self._store.accept(conversation_id, user_id, datetime.now(UTC)):
            raise not_found("Invitation")
        return await self.get(conversation_id, user_id)

    async def decline(self, conversation_id: str, user_id: str) -> None:
        if not await self._store.decline(conversation_id, user_id):
            raise not_found("Invitation")

    # -- for the other features of the service: no access check, their caller authorizes --

    async def find(
        self, conversation_id: str, session: AsyncClientSession | None = None
    ) -> dict[str, Any] | None:
        """The conversation without an access check, for background steps (never for a request)."""
        return await self._store.get(conversation_id, session)

    async def role_of(
        self, conversation_id: str, user_id: str, session: AsyncClientSession | None = None
    ) -> str | None:
        """The accepted role of the user; ``None`` for a stranger or a pending invitee."""
        return await self._store.role_of(conversation_id, user_id, session)

    async def latest_owned(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> dict[str, Any] | None:
        return await self._store.latest_owned(user_id, session)

    async def visible_ids(self, user_id: str) -> list[str]:
        """The conversations the user takes part in (invitations not accepted yet excluded)."""
        return await self._store.visible_ids(user_id)

    async def titles(self, conversation_ids: list[str]) -> dict[str, str | None]:
        return await self._store.titles(conversation_ids)

    async def active_participant_count(self, conversation_id: str) -> int:
        return await self._store.active_participant_count(conversation_id)

    async def set_fields(
        self,
        conversation_id: str,
        changes: dict[str, Any],
        session: AsyncClientSession | None = None,
    ) -> dict[str, Any] | None:
        return await self._store.update(conversation_id, changes, session)

    async def record_message(
        self,
        conversation_id: str,
        *,
        at: datetime,
        preview: str,
        leaf_id: str,
        session: AsyncClientSession | None,
    ) -> None:
        """Count a new message and make it the conversation's latest and active leaf."""
        await self._store.record_message(
            conversation_id, at=at, preview=preview, leaf_id=leaf_id, session=session
        )

    async def add_advisor(
        self, conversation_id: str, advisor_id: str, at: datetime
    ) -> dict[str, Any] | None:
        return await self._store.add_advisor(conversation_id, advisor_id, at)

    async def remove_advisor(
        self, conversation_id: str, advisor_id: str, at: datetime
    ) -> dict[str, Any] | None:
        return await self._store.remove_advisor(conversation_id, advisor_id, at)

    async def owned_in_project(
        self, user_id: str, project_id: str, *, limit: int, archived: bool | None
    ) -> list[Conversation]:
        """The user's own conversations filed under the project, newest first."""
        docs = await self._store.in_project(user_id, project_id, limit=limit, archived=archived)
        return [conversation_from_doc(d, Role.OWNER.value) for d in docs]

    async def ids_in_project(self, user_id: str, project_id: str) -> list[str]:
        return await self._store.ids_in_project(user_id, project_id)

    async def set_project(self, conversation_id: str, project_id: str | None) -> None:
        await self._store.set_project(conversation_id, project_id)

    async def unfile(self, user_id: str, project_id: str, session: AsyncClientSession) -> None:
        """Take the user's conversations out of a project that is going away."""
        await self._store.unfile(user_id, project_id, session)

    async def tag_counts(self, user_id: str) -> dict[str, int]:
        """How many of the user's own conversations carry each tag."""
        return await self._store.tag_counts(user_id)

    async def tagged(self, user_id: str, tag: str) -> int:
        return await self._store.tagged(user_id, tag)

    async def add_tag(self, conversation_id: str, tag: str) -> list[str] | None:
        """The conversation's tags with ``tag`` added; ``None`` if it already has the most allowed."""
        return await self._store.add_tag(conversation_id, tag)

    async def remove_tag(self, conversation_id: str, tag: str) -> list[str]:
        return await self._store.remove_tag(conversation_id, tag)

    async def retag(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> int:
        """Rename or drop a tag on the conversations the user owns."""
        return await self._store.retag(user_id, old, new, session)


_PATCH_OPERATIONS: dict[str, Operation] = {
    "title": Operation.RENAME,
    "is_pinned": Operation.PIN,
    "is_archived": Operation.ARCHIVE,
    "context": Operation.CHANGE_SETTINGS,
    "project_id": Operation.CHANGE_SETTINGS,
    "settings": Operation.CHANGE_SETTINGS,
}


def participant_from_doc(doc: dict[str, Any]) -> Participant:
    return Participant(
        user_id=doc["user_id"],
        role=Role(doc["role"]),
        status=ParticipantStatus(doc.get("status", ParticipantStatus.ACTIVE.value)),
        joined_at=doc.get("joined_at"),
        invited_by=doc.get("invited_by"),
        invited_at=doc.get("invited_at"),
    )


def invitation_from_docs(participant: dict[str, Any], conversation: dict[str, Any]) -> Invitation:
    return Invitation(
        conversation_id=conversation["_id"],
        title=conversation.get("title"),
        owner_id=conversation["user_id"],
        role=Role(participant["role"]),
        invited_by=participant.get("invited_by") or conversation["user_id"],
        invited_at=participant.get("invited_at") or participant.get("joined_at"),
    )
