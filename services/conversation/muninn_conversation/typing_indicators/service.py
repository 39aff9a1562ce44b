"""Typing indicators: set by participants who may post, read by anyone in the conversation.

Indicators are ephemeral: one that is not renewed within the TTL counts as stopped, so a
client that vanishes mid-sentence never leaves a phantom "typing…" behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.reading import MessageReader
from muninn_conversation.typing_indicators.models import TypingIndicator, TypingState
from muninn_conversation.typing_indicators.store import TypingStore


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TypingService:
    def __init__(
        self,
        store: TypingStore,
        conversations: ConversationService,
        messages: MessageReader,
        *,
        ttl_seconds: float = 8.0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._store = store
        self._conversations = conversations
        self._messages = messages
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock

    async def set(self, conversation_id: str, user_id: str, is_typing: bool) -> TypingState:
        await self._conversations.authorize(conversation_id, user_id, Operation.TYPE)
        await self._store.set(conversation_id, user_id, is_typing, self._clock())
        return await self._state(conversation_id)

    async def state(self, conversation_id: str, user_id: str) -> TypingState:
        await self._conversations.authorize(conversation_id, user_id, Operation.READ)
        return await self._state(conversation_id)

    async def _state(self, conversation_id: str) -> TypingState:
        records = await self._store.typing_since(conversation_id, self._clock() - self._ttl)
        return TypingState(
            conversation_id=conversation_id,
            typing=[
                TypingIndicator(
                    user_id=record.user_id,
                    is_typing=True,
                    last_typing_at=record.last_typing_at,
                )
                for record in records
            ],
            assistant_generating=await self._messages.generating_in(conversation_id),
            ttl_seconds=self._ttl.total_seconds(),
        )
