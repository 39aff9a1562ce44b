"""Who is typing in a conversation, and whether a reply is being written."""

from __future__ import annotations

from datetime import datetime

from muninn_shared.strict import Strict
from pydantic import BaseModel, Field


class TypingUpdate(Strict):
    is_typing: bool = Field(description="True while the user types; false when they stop or send.")


class TypingIndicator(BaseModel):
    user_id: str
    is_typing: bool
    last_typing_at: datetime


class TypingState(BaseModel):
    conversation_id: str
    typing: list[TypingIndicator] = Field(
        description="Participants typing now (an indicator lapses if not renewed within the TTL)."
    )
    assistant_generating: bool = Field(
        description="A reply is being generated in this conversation (the assistant is 'typing')."
    )
    ttl_seconds: float
