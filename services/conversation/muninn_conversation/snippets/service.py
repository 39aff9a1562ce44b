"""Snippets: keep, change, tag, find and delete reusable prompts and code.

A snippet belongs to one user; anyone else gets 404 for it. One taken from a message
requires that the user can read that message's conversation.
"""

from __future__ import annotations

import uuid
from typing import Any

from muninn_shared.problems import not_found

from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.reading import MessageReader
from muninn_conversation.notes.models import SearchHit
from muninn_conversation.notes.search import SEARCH_FIELDS, highlight, parse_query
from muninn_conversation.notes.service import readable_message
from muninn_conversation.owned import now, owned_or_404
from muninn_conversation.snippets.models import Snippet, SnippetCreate, SnippetPage, SnippetPatch
from muninn_conversation.snippets.store import SnippetStore, snippet_search_fields
from muninn_conversation.tags.tagging import TaggedItems, TagVocabulary

Doc = dict[str, Any]


def snippet_from_doc(doc: Doc, hit: SearchHit | None = None) -> Snippet:
    fields = {k: v for k, v in doc.items() if k in Snippet.model_fields and k not in SEARCH_FIELDS}
    return Snippet(
        id=doc["_id"], search=hit, **{k: v for k, v in fields.items() if k not in ("id", "search")}
    )


class SnippetService(TaggedItems[SnippetStore]):
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
        at = now()
        doc: Doc = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "title": body.title,
            "content": body.content,
            "language": body.language,
            "tags": body.tags,
            "conversation_id": body.conversation_id,
            "message_id": body.message_id,
            "created_at": at,
            "updated_at": at,
            **snippet_search_fields(body.title, body.content, body.language, body.tags),
        }
        await self._store.insert(doc)
        await self._tags.ensure(user_id, body.tags, at)
        return snippet_from_doc(doc)

    async def get_doc(self, user_id: str, snippet_id: str) -> Doc:
        return await owned_or_404(self._store, user_id, snippet_id, "Snippet")

    async def get(self, user_id: str, snippet_id: str) -> Snippet:
        return snippet_from_doc(await self.get_doc(user_id, snippet_id))

    async def update(self, user_id: str, snippet_id: str, patch: SnippetPatch) -> Snippet:
        current = await self.get_doc(user_id, snippet_id)
        changes = patch.model_dump(exclude_unset=True)
        merged = {**current, **changes}
        changes.update(
            snippet_search_fields(
                merged["title"], merged["content"], merged.get("language"), merged.get("tags", [])
            )
        )
        at = now()
        changes["updated_at"] = at
        doc = await self._store.update(user_id, snippet_id, changes)
        if doc is None:
            raise not_found("Snippet")
        if patch.tags:
            await self._tags.ensure(user_id, patch.tags, at)
        return snippet_from_doc(doc)

    async def delete(self, user_id: str, snippet_id: str) -> None:
        if not await self._store.delete(user_id, snippet_id):
            raise not_found("Snippet")

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
        query: Doc = {"user_id": user_id}
        if language is not None:
            query["language"] = language
        if tag is not None:
            query["tags"] = tag
        if q is not None and q.strip():
            terms = parse_query(q)
            ranked, next_cursor = await self._store.search(query, terms, limit=limit, cursor=cursor)
            items = [
                snippet_from_doc(
                    doc, SearchHit(score=value, excerpt=highlight(doc["content"], terms))
                )
                for doc, value in ranked
            ]
            return SnippetPage(items=items, next_cursor=next_cursor)
        docs, next_cursor = await self._store.newest_page(query, limit=limit, cursor=cursor)
        return SnippetPage(items=[snippet_from_doc(d) for d in docs], next_cursor=next_cursor)
