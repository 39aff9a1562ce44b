"""The assistant replies the generation engine streams into, and the sources they drew on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_conversation.messages.store import MessageStore, SourceStore

Doc = dict[str, Any]


class Replies:
    def __init__(self, messages: MessageStore, sources: SourceStore) -> None:
        self._messages = messages
        self._sources = sources

    async def by_id(self, message_id: str) -> Doc | None:
        return await self._messages.by_id(message_id)

    async def update(
        self, message_id: str, changes: Doc, *, only_if_status: list[str] | None = None
    ) -> Doc | None:
        return await self._messages.update(message_id, changes, only_if_status=only_if_status)

    async def save_progress(
        self, message_id: str, content: str, lease_until: datetime
    ) -> Doc | None:
        """Persist streamed text so far; returns the doc (to see a stop requested elsewhere)."""
        return await self._messages.save_progress(message_id, content, lease_until)

    async def expired_generations(self, now: datetime) -> list[Doc]:
        """Generations whose lease ran out: the process running them died."""
        return await self._messages.expired_generations(now)

    async def record_sources(
        self, *, message_id: str, conversation_id: str, user_id: str, sources: list[Doc]
    ) -> None:
        """What the reply drew on, kept under the user whose turn it answers."""
        await self._sources.record(
            message_id=message_id, conversation_id=conversation_id, user_id=user_id, sources=sources
        )
