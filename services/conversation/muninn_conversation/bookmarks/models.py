"""Bookmarks: messages a user marked to find again, with an optional note."""

from __future__ import annotations

from datetime import datetime

from muninn_shared.pagination import CursorPage
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field

from muninn_conversation.messages.models import MessageRole


class BookmarkCreate(Strict):
    conversation_id: str = Field(min_length=1, max_length=64)
    message_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=2000)


class BookmarkPatch(Strict):
    note: str | None = Field(max_length=2000, description="null clears the note.")


class BookmarkedMessage(BaseModel):
    """The message as it is now (it may have been edited or deleted since)."""

    role: MessageRole
    author_id: str | None = None
    preview: str
    is_deleted: bool = False
    created_at: datetime


class Bookmark(BaseModel):
    id: str
    conversation_id: str
    message_id: str
    note: str | None = None
    conversation_title: str | None = None
    message: BookmarkedMessage | None = None
    created_at: datetime
    updated_at: datetime


class BookmarkPage(CursorPage[Bookmark]):
    pass
