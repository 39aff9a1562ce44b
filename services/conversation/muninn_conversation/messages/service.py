"""Posting, branching and reading messages; each post starts an assistant reply.

Branching: every message has a parent (``None`` for the first) and a ``branch_index`` among
its siblings. Regenerating a reply adds a sibling assistant message; editing a user message
adds a sibling user message with its own reply. The conversation's ``active_leaf_id`` picks
the branch shown; the thread is the path from the root to it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from muninn_shared.auth import Principal
from muninn_shared.events import new_event
from muninn_shared.events.payloads import REPLYING_TO, REPLYING_TO_CHARS, MessageEvent
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.conversations.models import Role
from muninn_conversation.conversations.permissions import Operation, require
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.generation.engine import GenerationEngine, GenerationJob
from muninn_conversation.generation.live import LiveGeneration
from muninn_conversation.generation.prompt import title_from
from muninn_conversation.messages.models import (
    BranchInfo,
    GenerationStatus,
    Message,
    MessageIn,
    MessageRole,
    Thread,
)
from muninn_conversation.messages.store import MessageStore, SourceStore
from muninn_conversation.providers.models import ChatMessage
from muninn_conversation.usage.service import UsageService

SOURCE = "conversation"

ProjectInstructions = Callable[[str | None, str], Awaitable[str | None]]


class AnsweringAdvisor(Protocol):
    @property
    def advisor_id(self) -> str: ...

    @property
    def persona(self) -> str: ...

    @property
    def mentions(self) -> list[str]: ...


TurnRouter = Callable[[dict[str, Any], str, str, str | None], Awaitable[AnsweringAdvisor | None]]
DELETED_PLACEHOLDER = ""


def message_from_doc(doc: dict[str, Any], sources: list[dict[str, Any]] | None = None) -> Message:
    """The message as one reader sees it: ``sources`` are the reader's own, never a document field."""
    fields = {
        k: v for k, v in doc.items() if k in Message.model_fields and k not in ("id", "sources")
    }
    return Message(id=doc["_id"], sources=sources or [], **fields)


def is_own(doc: dict[str, Any], user_id: str) -> bool:
    """A message the user wrote, or a reply generated for a turn they posted or regenerated."""
    return user_id in (doc.get("author_id"), doc.get("requested_by"))


@dataclass
class Started:
    user_message: Message | None
    assistant_message: Message
    live: LiveGeneration


class MessageService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        messages: MessageStore,
        sources: SourceStore,
        conversations: ConversationService,
        engine: GenerationEngine,
        outbox: Outbox,
        usage: UsageService,
        route_turn: TurnRouter,
        project_instructions: ProjectInstructions,
    ) -> None:
        """``route_turn``: which advisor persona answers a turn (explicit id, @mention, sole
        advisor); ``project_instructions``: the instructions of the project a conversation is
        filed under, which its prompts follow."""
        self._usage = usage
        self._project_instructions = project_instructions
        self._turn_router = route_turn
        self._client = client
        self._messages = messages
        self._sources = sources
        self._conversations = conversations
        self._engine = engine
        self._outbox = outbox

    async def _route_turn(
        self, conversation: dict[str, Any], user_id: str, content: str, explicit: str | None
    ) -> tuple[str | None, str | None, list[str]]:
        turn = await self._turn_router(conversation, user_id, content, explicit)
        if turn is None:
            return None, None, []
        return turn.advisor_id, turn.persona, list(turn.mentions)

    # -- reading ---------------------------------------------------------------------------

    async def thread(self, conversation_id: str, user_id: str) -> Thread:
        conversation, _ = await self._conversations.authorize(
            conversation_id, user_id, Operation.READ
        )
        docs = await self._messages.all_in(conversation_id)
        by_id = {d["_id"]: d for d in docs}
        children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for doc in docs:
            children[doc.get("parent_id")].append(doc)
        for siblings in children.values():
            siblings.sort(key=lambda d: (d.get("branch_index", 0), d["created_at"]))
        path: list[dict[str, Any]] = []
        cursor = by_id.get(conversation.get("active_leaf_id") or "")
        while cursor is not None:
            path.append(cursor)
            cursor = by_id.get(cursor.get("parent_id") or "")
        path.reverse()
        branches: dict[str, BranchInfo] = {}
        for doc in path:
            siblings = children[doc.get("parent_id")]
            if len(siblings) > 1:
                ids = [s["_id"] for s in siblings]
                branches[doc["_id"]] = BranchInfo(sibling_ids=ids, index=ids.index(doc["_id"]))
        sources = await self._sources.for_reader(conversation_id, user_id)
        return Thread(
            items=[self._visible(d, sources.get(d["_id"])) for d in path],
            branches=branches,
            active_leaf_id=conversation.get("active_leaf_id"),
        )

    async def _authorized_message(
        self, conversation_id: str, message_id: str, user_id: str, operation: Operation
    ) -> tuple[dict[str, Any], Role, dict[str, Any]]:
        """The conversation, the user's role in it (allowed ``operation``) and the message in
        it; 404 when the message is not there."""
        conversation, role = await self._conversations.authorize(
            conversation_id, user_id, operation
        )
        doc = await self._messages.get(conversation_id, message_id)
        if doc is None:
            raise not_found("Message")
        return conversation, role, doc

    async def get(self, conversation_id: str, message_id: str, user_id: str) -> Message:
        _, _, doc = await self._authorized_message(
            conversation_id, message_id, user_id, Operation.READ
        )
        return await self.present(doc, user_id)

    async def reply_as_seen_by(self, message_id: str, reader_id: str) -> Message | None:
        """A message as it is stored now, presented to ``reader_id``; None once it is gone."""
        doc = await self._messages.by_id(message_id)
        return None if doc is None else await self.present(doc, reader_id)

    async def present(self, doc: dict[str, Any], reader_id: str) -> Message:
        """A message already authorized for the reader, with the reader's own sources."""
        sources = await self._sources.for_reader(doc["conversation_id"], reader_id)
        return self._visible(doc, sources.get(doc["_id"]))

    @staticmethod
    def _visible(doc: dict[str, Any], sources: list[dict[str, Any]] | None) -> Message:
        message = message_from_doc(doc, sources)
        if message.is_deleted:
            message.content = DELETED_PLACEHOLDER
        return message

    async def _path_to(self, conversation_id: str, leaf_id: str | None) -> list[dict[str, Any]]:
        if leaf_id is None:
            return []
        docs = {d["_id"]: d for d in await self._messages.all_in(conversation_id)}
        path = []
        cursor = docs.get(leaf_id)
        while cursor is not None:
            path.append(cursor)
            cursor = docs.get(cursor.get("parent_id") or "")
        path.reverse()
        return path

    @staticmethod
    def _history(path: list[dict[str, Any]]) -> list[ChatMessage]:
        history = []
        for doc in path:
            if doc.get("is_deleted") or not doc.get("content"):
                continue
            if doc["role"] in (MessageRole.USER.value, MessageRole.ASSISTANT.value):
                history.append(ChatMessage(role=doc["role"], content=doc["content"]))
        return history

    # -- writing ---------------------------------------------------------------------------

    async def post(
        self, conversation_id: str, principal: Principal, body: MessageIn, bearer_token: str
    ) -> Started:
        conversation, _ = await self._conversations.authorize(
            conversation_id, principal.user_id, Operation.POST
        )
        parent_id = body.parent_id or conversation.get("active_leaf_id")
        if (
            body.parent_id is not None
            and await self._messages.get(conversation_id, body.parent_id) is None
        ):
            raise not_found("Parent message")
        advisor_id, persona, mentions = await self._route_turn(
            conversation, principal.user_id, body.content, body.advisor_id
        )
        await self._usage.admit(conversation["user_id"])
        return await self._start_exchange(
            conversation,
            principal,
            body.content,
            parent_id,
            bearer_token,
            advisor_id=advisor_id,
            persona=persona,
            mentions=mentions,
            user_fields={
                "attachments": [
                    {"id": uuid.uuid4().hex, **a.model_dump()} for a in body.attachments
                ],
                "metadata": {"input_method": body.input_method},
            },
        )

    async def post_with_history(
        self,
        conversation: dict[str, Any],
        principal: Principal,
        content: str,
        history: list[ChatMessage],
        bearer_token: str,
        settings_override: dict[str, Any],
    ) -> Started:
        """An exchange whose history the client supplies (OpenAI-style stateless calls).

        The user's turn and the reply are stored in the conversation like any other, so
        memory extraction and the scheduler see them; the prompt uses the client's history.
        """
        await self._usage.admit(conversation["user_id"])
        return await self._start_exchange(
            conversation,
            principal,
            content,
            conversation.get("active_leaf_id"),
            bearer_token,
            advisor_id=None,
            user_fields={"attachments": [], "metadata": {"input_method": "api"}},
            history=history,
            settings_override=settings_override,
        )

    async def post_proactive(
        self,
        *,
        user_id: str,
        conversation_id: str | None,
        kind: str,
        text: str,
        reference_id: str | None,
        session: AsyncClientSession,
    ) -> dict[str, Any]:
        """An assistant message nobody asked for (a reminder, a follow-up), inside ``session``.

        It lands in the named conversation when the user is in it, else in their most recent
        one, else in a new "Check-ins" conversation, so it is never dropped.
        """
        conversation = None
        if conversation_id:
            candidate = await self._conversations.find(conversation_id, session)
            if candidate is not None and await self._conversations.role_of(
                conversation_id, user_id, session
            ):
                conversation = candidate
        if conversation is None:
            conversation = await self._conversations.latest_owned(user_id, session)
        if conversation is None:
            conversation = await self._conversations.create_in_session(
                user_id, title="Check-ins", session=session
            )
        now = datetime.now(UTC)
        doc: dict[str, Any] = {
            "_id": uuid.uuid4().hex,
            "conversation_id": conversation["_id"],
            "user_id": conversation["user_id"],
            "author_id": None,
            "role": MessageRole.ASSISTANT.value,
            "content": text,
            "status": GenerationStatus.COMPLETE.value,
            "parent_id": conversation.get("active_leaf_id"),
            "branch_index": await self._messages.sibling_count(
                conversation["_id"], conversation.get("active_leaf_id"), session
            ),
            "advisor_id": None,
            "metadata": {
                "input_method": "proactive",
                "proactive_type": kind,
                "reference_id": reference_id,
            },
            "tool_calls": [],
            "attachments": [],
            "is_edited": False,
            "is_deleted": False,
            "created_at": now,
            "updated_at": now,
        }
        await self._messages.insert(doc, session)
        await self._conversations.record_message(
            conversation["_id"], at=now, preview=text, leaf_id=doc["_id"], session=session
        )
        await self._announce("conversation.message.completed", doc, session)
        return doc

    async def edit(
        self,
        conversation_id: str,
        message_id: str,
        principal: Principal,
        content: str,
        bearer_token: str,
    ) -> Started:
        conversation, role, original = await self._authorized_message(
            conversation_id, message_id, principal.user_id, Operation.EDIT_OWN_MESSAGE
        )
        if original["role"] != MessageRole.USER.value:
            raise ProblemError(
                409,
                "Only user messages can be edited; regenerate assistant replies instead.",
                code="not-editable",
            )
        if not is_own(original, principal.user_id):
            require(role, Operation.EDIT_OTHERS_MESSAGE)
        advisor_id, persona, mentions = await self._route_turn(
            conversation, principal.user_id, content, original.get("advisor_id")
        )
        await self._usage.admit(conversation["user_id"])
        return await self._start_exchange(
            conversation,
            principal,
            content,
            original.get("parent_id"),
            bearer_token,
            advisor_id=advisor_id,
            persona=persona,
            mentions=mentions,
            user_fields={
                "is_edited": True,
                "metadata": {**original.get("metadata", {}), "edited_from": message_id},
            },
        )

    async def regenerate(
        self, conversation_id: str, message_id: str, principal: Principal, bearer_token: str
    ) -> Started:
        conversation, _, original = await self._authorized_message(
            conversation_id, message_id, principal.user_id, Operation.REGENERATE
        )
        if original["role"] != MessageRole.ASSISTANT.value:
            raise ProblemError(
                409, "Only assistant replies can be regenerated.", code="not-regenerable"
            )
        if original["status"] in (
            GenerationStatus.PENDING.value,
            GenerationStatus.GENERATING.value,
        ):
            raise ProblemError(
                409,
                "This reply is still being generated; stop it first.",
                code="generation-in-progress",
            )
        parent = (
            await self._messages.get(conversation_id, original["parent_id"])
            if original.get("parent_id")
            else None
        )
        if parent is None:
            raise ProblemError(
                409, "This reply has no user message to answer any more.", code="orphaned"
            )
        advisor_id, persona, _ = await self._route_turn(
            conversation, principal.user_id, parent["content"], original.get("advisor_id")
        )
        await self._usage.admit(conversation["user_id"])
        assistant = await self._insert_assistant(
            conversation, parent["_id"], advisor_id, principal.user_id, regenerated=True
        )
        path = await self._path_to(conversation_id, parent["_id"])
        live = await self._launch(
            conversation,
            assistant,
            parent["content"],
            self._history(path),
            bearer_token,
            persona=persona,
        )
        return Started(None, message_from_doc(assistant), live)

    async def _start_exchange(
        self,
        conversation: dict[str, Any],
        principal: Principal,
        content: str,
        parent_id: str | None,
        bearer_token: str,
        *,
        advisor_id: str | None,
        user_fields: dict[str, Any],
        persona: str | None = None,
        mentions: list[str] | None = None,
        history: list[ChatMessage] | None = None,
        settings_override: dict[str, Any] | None = None,
    ) -> Started:
        if mentions:
            user_fields = {
                **user_fields,
                "metadata": {**user_fields.get("metadata", {}), "mentions": mentions},
            }
        now = datetime.now(UTC)
        conversation_id = conversation["_id"]
        user_doc: dict[str, Any] = {
            "_id": uuid.uuid4().hex,
            "conversation_id": conversation_id,
            "user_id": principal.user_id,
            "author_id": principal.user_id,
            "role": MessageRole.USER.value,
            "content": content,
            "status": GenerationStatus.COMPLETE.value,
            "parent_id": parent_id,
            "advisor_id": advisor_id,
            "is_edited": False,
            "is_deleted": False,
            "created_at": now,
            "updated_at": now,
            **user_fields,
        }
        assistant_doc = self._assistant_doc(
            conversation, user_doc["_id"], advisor_id, principal.user_id, regenerated=False
        )
        replying_to = await self._reply_followed(conversation_id, parent_id)

        async def work(session: AsyncClientSession) -> None:
            user_doc["branch_index"] = await self._messages.sibling_count(
                conversation_id, parent_id, session
            )
            await self._messages.insert(user_doc, session)
            await self._messages.insert(assistant_doc, session)
            await self._conversations.record_message(
                conversation_id,
                at=now,
                preview=content,
                leaf_id=assistant_doc["_id"],
                session=session,
            )
            await self._announce(
                "conversation.message.created", user_doc, session, replying_to=replying_to
            )

        await in_transaction(self._client, work)
        if history is None:
            history = self._history(await self._path_to(conversation_id, user_doc["_id"]))
        else:
            history = [*history, ChatMessage(role="user", content=content)]
        live = await self._launch(
            conversation,
            assistant_doc,
            content,
            history,
            bearer_token,
            settings_override,
            persona=persona,
        )
        return Started(message_from_doc(user_doc), message_from_doc(assistant_doc), live)

    def _assistant_doc(
        self,
        conversation: dict[str, Any],
        parent_id: str,
        advisor_id: str | None,
        requested_by: str,
        *,
        regenerated: bool,
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "_id": uuid.uuid4().hex,
            "conversation_id": conversation["_id"],
            "user_id": conversation["user_id"],
            "author_id": None,
            "requested_by": requested_by,
            "role": MessageRole.ASSISTANT.value,
            "content": "",
            "status": GenerationStatus.PENDING.value,
            "parent_id": parent_id,
            "branch_index": 0,
            "advisor_id": advisor_id,
            "metadata": {"regenerated": regenerated},
            "tool_calls": [],
            "attachments": [],
            "is_edited": False,
            "is_deleted": False,
            "lease_until": self._engine.lease_until(),
            "created_at": now,
            "updated_at": now,
        }

    async def _insert_assistant(
        self,
        conversation: dict[str, Any],
        parent_id: str,
        advisor_id: str | None,
        requested_by: str,
        *,
        regenerated: bool,
    ) -> dict[str, Any]:
        doc = self._assistant_doc(
            conversation, parent_id, advisor_id, requested_by, regenerated=regenerated
        )

        async def work(session: AsyncClientSession) -> None:
            doc["branch_index"] = await self._messages.sibling_count(
                conversation["_id"], parent_id, session
            )
            await self._messages.insert(doc, session)
            await self._conversations.set_fields(
                conversation["_id"],
                {"active_leaf_id": doc["_id"], "updated_at": doc["created_at"]},
                session,
            )

        await in_transaction(self._client, work)
        return doc

    async def _launch(
        self,
        conversation: dict[str, Any],
        assistant: dict[str, Any],
        query: str,
        history: list[ChatMessage],
        bearer_token: str,
        settings_override: dict[str, Any] | None = None,
        *,
        persona: str | None = None,
    ) -> LiveGeneration:
        settings = dict(conversation.get("settings") or {})
        settings.update({k: v for k, v in (settings_override or {}).items() if v is not None})
        if self._project_instructions is not None and conversation.get("project_id"):
            instructions = await self._project_instructions(
                conversation["project_id"], conversation["user_id"]
            )
            if instructions:
                own = settings.get("system_prompt")
                settings["system_prompt"] = f"{instructions}\n\n{own}" if own else instructions
        job = GenerationJob(
            message_id=assistant["_id"],
            conversation_id=conversation["_id"],
            owner_id=conversation["user_id"],
            requester_id=assistant["requested_by"],
            shared=await self._conversations.active_participant_count(conversation["_id"]) > 1,
            query=query,
            history=history,
            settings=settings,
            bearer_token=bearer_token,
            advisor_id=assistant.get("advisor_id"),
            persona=persona,
            context=conversation.get("context"),
            on_finished=[self._after_reply],
        )
        return self._engine.launch(job)

    async def _after_reply(self, doc: dict[str, Any]) -> None:
        conversation_id = doc["conversation_id"]
        await self._usage.record_reply(doc)

        async def work(session: AsyncClientSession) -> None:
            if doc["status"] == GenerationStatus.COMPLETE.value:
                await self._announce("conversation.message.completed", doc, session)
            await self._conversations.set_fields(
                conversation_id,
                {
                    "last_message_preview": (doc.get("content") or "")[:200],
                    "last_message_at": doc["updated_at"],
                    "updated_at": doc["updated_at"],
                },
                session,
            )

        await in_transaction(self._client, work)
        conversation = await self._conversations.find(conversation_id)
        if conversation is not None and not conversation.get("title") and doc.get("parent_id"):
            first = await self._messages.get(conversation_id, doc["parent_id"])
            if first is not None:
                await self._conversations.set_fields(
                    conversation_id,
                    {"title": title_from(first["content"]), "title_generated": True},
                )

    async def _reply_followed(self, conversation_id: str, parent_id: str | None) -> str | None:
        """The end of the reply a user's message follows: memory reads the question it asked
        there, to index the message as the answer to it."""
        parent = await self._messages.get(conversation_id, parent_id) if parent_id else None
        if parent is None or parent.get("role") != MessageRole.ASSISTANT.value:
            return None
        content = str(parent.get("content") or "").strip()
        return content[-REPLYING_TO_CHARS:] or None

    async def _announce(
        self,
        event_type: str,
        doc: dict[str, Any],
        session: AsyncClientSession,
        *,
        replying_to: str | None = None,
    ) -> None:
        # A reply belongs with the turn it answers: consumers such as memory ingestion file it
        # under the user who posted that turn, never under the owner of a shared conversation,
        # since it may repeat what was recalled from the poster's memories.
        user_id = doc.get("requested_by") or doc["user_id"]
        payload = MessageEvent(
            user_id=user_id,
            conversation_id=doc["conversation_id"],
            message_id=doc["_id"],
            role=doc["role"],
            content=doc.get("content", ""),
            created_at=doc["created_at"],
            metadata={
                **{
                    k: v
                    for k, v in (doc.get("metadata") or {}).items()
                    if isinstance(v, str | int | float | bool)
                },
                **({REPLYING_TO: replying_to} if replying_to else {}),
            },
        )
        await self._outbox.put(
            new_event(event_type, source=SOURCE, subject=user_id, data=payload), session
        )

    async def stop(self, conversation_id: str, message_id: str, principal: Principal) -> Message:
        _, _, doc = await self._authorized_message(
            conversation_id, message_id, principal.user_id, Operation.STOP_GENERATION
        )
        if doc["status"] in (GenerationStatus.PENDING.value, GenerationStatus.GENERATING.value):
            await self._engine.request_stop(message_id)
        fresh = await self._messages.get(conversation_id, message_id)
        return await self.present(fresh or doc, principal.user_id)

    async def activate(self, conversation_id: str, message_id: str, user_id: str) -> Thread:
        await self._conversations.authorize(conversation_id, user_id, Operation.SET_ACTIVE_BRANCH)
        docs = await self._messages.all_in(conversation_id)
        if not any(d["_id"] == message_id for d in docs):
            raise not_found("Message")
        children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for d in docs:
            children[d.get("parent_id")].append(d)
        leaf = message_id
        while children.get(leaf):
            leaf = max(children[leaf], key=lambda d: d["created_at"])["_id"]
        await self._conversations.set_fields(conversation_id, {"active_leaf_id": leaf})
        return await self.thread(conversation_id, user_id)

    async def rate(
        self, conversation_id: str, message_id: str, user_id: str, rating: int
    ) -> Message:
        _, _, doc = await self._authorized_message(
            conversation_id, message_id, user_id, Operation.RATE
        )
        if doc["role"] != MessageRole.ASSISTANT.value:
            raise ProblemError(409, "Only assistant replies can be rated.", code="not-ratable")
        updated = await self._messages.update(message_id, {"rating": rating})
        return await self.present(updated or doc, user_id)

    async def soft_delete(self, conversation_id: str, message_id: str, user_id: str) -> None:
        _, role, doc = await self._authorized_message(
            conversation_id, message_id, user_id, Operation.DELETE_OWN_MESSAGE
        )
        if not is_own(doc, user_id):
            require(role, Operation.DELETE_OTHERS_MESSAGE)
        await self._messages.update(
            message_id, {"is_deleted": True, "deleted_at": datetime.now(UTC)}
        )
