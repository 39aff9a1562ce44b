"""Bookmarks: mark a message you can read, list them (with the message as it is now), delete.

A bookmark belongs to one user. Listing shows only bookmarks in conversations the user can
still read: leaving a conversation hides its bookmarks rather than leaking its messages.
"""

from __future__ import annotations

from typing import Any

from muninn_shared.problems import ProblemError, not_found
from pymongo.errors import DuplicateKeyError

from muninn_conversation.bookmarks.models import (
    Bookmark,
    BookmarkCreate,
    BookmarkedMessage,
    BookmarkPage,
    BookmarkPatch,
)
from muninn_conversation.bookmarks.store import BookmarkStore
from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.reading import MessageReader
from muninn_conversation.notes.service import excerpt, readable_message
from muninn_conversation.owned import new_owned, now

Doc = dict[str, Any]
PREVIEW_LENGTH = 300
MESSAGE_FIELDS = ("role", "author_id", "content", "is_deleted", "created_at")


def bookmarked_message(doc: Doc) -> BookmarkedMessage:
    deleted = bool(doc.get("is_deleted"))
    return BookmarkedMessage(
        role=doc["role"],
        author_id=doc.get("author_id"),
        preview="" if deleted else excerpt(str(doc.get("content") or ""), PREVIEW_LENGTH),
        is_deleted=deleted,
        created_at=doc["created_at"],
    )


def bookmark_from_doc(doc: Doc, message: Doc | None = None, title: str | None = None) -> Bookmark:
    return Bookmark(
        id=doc["_id"],
        conversation_id=doc["conversation_id"],
        message_id=doc["message_id"],
        note=doc.get("note"),
        conversation_title=title,
        message=bookmarked_message(message) if message else None,
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


class BookmarkService:
    def __init__(
        self,
        store: BookmarkStore,
        conversations: ConversationService,
        messages: MessageReader,
    ) -> None:
        self._store = store
        self._conversations = conversations
        self._messages = messages

    async def create(self, user_id: str, body: BookmarkCreate) -> tuple[Bookmark, bool]:
        """The bookmark, and whether it is new (bookmarking a message twice returns the first)."""
        message = await readable_message(
            self._conversations, self._messages, user_id, body.conversation_id, body.message_id
        )
        existing = await self._store.for_message(user_id, body.message_id)
        if existing is not None:
            return await self._expand(existing, message), False
        doc = new_owned(
            user_id,
            conversation_id=body.conversation_id,
            message_id=body.message_id,
            note=body.note,
        )
        try:
            await self._store.insert(doc)
        except DuplicateKeyError:
            # A concurrent request bookmarked it first: same outcome.
            raced = await self._store.for_message(user_id, body.message_id)
            if raced is None:
                raise
            return await self._expand(raced, message), False
        return await self._expand(doc, message), True

    async def _expand(self, doc: Doc, message: Doc | None = None) -> Bookmark:
        if message is None:
            shown = await self._messages.by_ids([doc["message_id"]], MESSAGE_FIELDS)
            message = shown.get(doc["message_id"])
        titles = await self._conversations.titles([doc["conversation_id"]])
        return bookmark_from_doc(doc, message, titles.get(doc["conversation_id"]))

    async def _readable(self, user_id: str, bookmark_id: str) -> Doc:
        doc = await self._store.get(user_id, bookmark_id)
        if doc is None:
            raise not_found("Bookmark")
        try:
            await self._conversations.authorize(doc["conversation_id"], user_id, Operation.READ)
        except ProblemError:
            raise not_found("Bookmark") from None
        return doc

    async def get(self, user_id: str, bookmark_id: str) -> Bookmark:
        return await self._expand(await self._readable(user_id, bookmark_id))

    async def update(self, user_id: str, bookmark_id: str, patch: BookmarkPatch) -> Bookmark:
        await self._readable(user_id, bookmark_id)
        doc = await self._store.update(
            user_id, bookmark_id, {"note": patch.note, "updated_at": now()}
        )
        if doc is None:
            raise not_found("Bookmark")
        return await self._expand(doc)

    async def delete(self, user_id: str, bookmark_id: str) -> None:
        # Deleting needs no read access: a user can always drop their own bookmark.
        if not await self._store.delete(user_id, bookmark_id):
            raise not_found("Bookmark")

    async def list(
        self, user_id: str, *, limit: int, cursor: str | None, conversation_id: str | None = None
    ) -> BookmarkPage:
        query: Doc = {"user_id": user_id}
        if conversation_id is not None:
            await self._conversations.authorize(conversation_id, user_id, Operation.READ)
            query["conversation_id"] = conversation_id
        else:
            query["conversation_id"] = {"$in": await self._conversations.visible_ids(user_id)}
        page, next_cursor = await self._store.newest_page(query, limit=limit, cursor=cursor)
        messages = await self._messages.by_ids([d["message_id"] for d in page], MESSAGE_FIELDS)
        titles = await self._conversations.titles(list({d["conversation_id"] for d in page}))
        items = [
            bookmark_from_doc(d, messages.get(d["message_id"]), titles.get(d["conversation_id"]))
            for d in page
        ]
        return BookmarkPage(items=items, next_cursor=next_cursor)
