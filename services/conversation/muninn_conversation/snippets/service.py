"""Snippets: keep, change, tag, find and delete reusable prompts and code.

A snippet belongs to one user; anyone else gets 404 for it. One taken from a message
requires that the user can read that message's conversation.
"""

from __future__ import annotations

from typing import Any

from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.reading import MessageReader
from muninn_conversation.notes.service import readable_message
from muninn_conversation.owned import matching
from muninn_conversation.snippets.models import Snippet, SnippetCreate, SnippetPage, SnippetPatch
from muninn_conversation.snippets.store import SnippetStore
from muninn_conversation.tags.searchable_items import SearchableItems
from muninn_conversation.tags.tagging import TagVocabulary

Doc = dict[str, Any]


class SnippetService(SearchableItems[SnippetStore, Snippet]):
    _item = Snippet
    _noun = "Snippet"
    _indexed = frozenset({"title", "content", "language", "tags"})

    def __init__(
        self,
        store: SnippetStore,
        tags: TagVocabulary,
        conversations: ConversationService,
        messages: MessageReader,
    ) -> None:
        self._store = store
        self._tags = tags
        self._conversations = conversations
        self._messages = messages

    async def create(self, user_id: str, body: SnippetCreate) -> Snippet:
        if body.conversation_id is not None and body.message_id is not None:
            await readable_message(
                self._conversations, self._messages, user_id, body.conversation_id, body.message_id
            )
        return await self._insert(
            user_id,
            body,
            {"title": body.title, "content": body.content, "language": body.language},
        )

    async def update(self, user_id: str, snippet_id: str, patch: SnippetPatch) -> Snippet:
        current = await self.get_doc(user_id, snippet_id)
        return await self._save(current, patch.model_dump(exclude_unset=True), patch.tags)

    async def list(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        language: str | None = None,
        tag: str | None = None,
        q: str | None = None,
    ) -> SnippetPage:
        query: Doc = {"user_id": user_id, **matching(language=language, tags=tag)}
        items, next_cursor = await self._page(query, q, limit=limit, cursor=cursor)
        return SnippetPage(items=items, next_cursor=next_cursor)
