"""Notes: create (from scratch or from a message), change, tag, list, search, delete.

A note belongs to one user; any other user gets 404 for it. Notes taken from a message
require that the user can read the conversation the message is in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from muninn_shared.problems import not_found

from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.reading import MessageReader
from muninn_conversation.notes.models import (
    Note,
    NoteCreate,
    NotePage,
    NotePatch,
    NoteSummary,
)
from muninn_conversation.notes.store import NoteStore
from muninn_conversation.owned import matching
from muninn_conversation.tags.searchable_items import SearchableItems
from muninn_conversation.tags.tagging import TagVocabulary

Doc = dict[str, Any]
UNTITLED = "Untitled note"
EXCERPT_LENGTH = 200
_MARKDOWN_LEAD = re.compile(r"^[\s#>*+\-`]+")

ProjectExists = Callable[[str, str], Awaitable[bool]]


def title_from(content: str) -> str:
    """The first non-empty line of markdown, without heading or list markers."""
    for line in content.splitlines():
        text = _MARKDOWN_LEAD.sub("", line).strip()
        if text:
            return text if len(text) <= 120 else text[:119].rstrip() + "…"
    return UNTITLED


def excerpt(content: str, length: int = EXCERPT_LENGTH) -> str:
    flat = " ".join(content.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def summary_from_doc(doc: Doc) -> NoteSummary:
    return NoteSummary(
        id=doc["_id"],
        title=doc["title"],
        excerpt=excerpt(doc["content"]),
        is_pinned=doc.get("is_pinned", False),
        is_archived=doc.get("is_archived", False),
        tags=doc.get("tags", []),
        updated_at=doc["updated_at"],
    )


async def readable_message(
    conversations: ConversationService,
    messages: MessageReader,
    user_id: str,
    conversation_id: str,
    message_id: str,
) -> Doc:
    """The message, if the user may read its conversation; 404 otherwise (as for a stranger)."""
    await conversations.authorize(conversation_id, user_id, Operation.READ)
    message = await messages.get(conversation_id, message_id)
    if message is None or message.get("is_deleted"):
        raise not_found("Message")
    return message


class NoteService(SearchableItems[NoteStore, Note]):
    _item = Note
    _noun = "Note"
    _indexed = frozenset({"title", "content", "tags"})

    def __init__(
        self,
        store: NoteStore,
        tags: TagVocabulary,
        conversations: ConversationService,
        messages: MessageReader,
        *,
        project_exists: ProjectExists,
    ) -> None:
        """``project_exists``: whether a user has a project (by user and project id)."""
        self._store = store
        self._project_exists = project_exists
        self._tags = tags
        self._conversations = conversations
        self._messages = messages

    async def _require_project(self, user_id: str, project_id: str) -> None:
        if not await self._project_exists(user_id, project_id):
            raise not_found("Project")

    async def create(self, user_id: str, body: NoteCreate) -> Note:
        if body.project_id is not None:
            await self._require_project(user_id, body.project_id)
        content = body.content
        if body.conversation_id is not None and body.message_id is not None:
            message = await readable_message(
                self._conversations, self._messages, user_id, body.conversation_id, body.message_id
            )
            if content is None:
                content = str(message.get("content") or "")
        elif body.conversation_id is not None:
            await self._conversations.authorize(body.conversation_id, user_id, Operation.READ)
        content = content or ""
        title = body.title or title_from(content)
        return await self._insert(
            user_id,
            body,
            {
                "title": title,
                "content": content,
                "is_pinned": body.is_pinned,
                "is_archived": False,
                "project_id": body.project_id,
            },
        )

    async def update(self, user_id: str, note_id: str, patch: NotePatch) -> Note:
        current = await self.get_doc(user_id, note_id)
        changes = patch.model_dump(exclude_unset=True)
        if changes.get("project_id") is not None:
            await self._require_project(user_id, changes["project_id"])
        return await self._save(current, changes, patch.tags)

    async def list(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        pinned: bool | None = None,
        archived: bool = False,
        project_id: str | None = None,
        tag: str | None = None,
        q: str | None = None,
    ) -> NotePage:
        query: Doc = {
            "user_id": user_id,
            "is_archived": archived,
            **matching(is_pinned=pinned, project_id=project_id, tags=tag),
        }
        items, next_cursor = await self._page(query, q, limit=limit, cursor=cursor)
        return NotePage(items=items, next_cursor=next_cursor)
