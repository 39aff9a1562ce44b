"""Messages as the service's other features read them: no access check, their caller authorizes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from muninn_conversation.messages.store import MessageStore

Doc = dict[str, Any]


class MessageReader:
    def __init__(self, messages: MessageStore) -> None:
        self._messages = messages

    async def get(self, conversation_id: str, message_id: str) -> Doc | None:
        return await self._messages.get(conversation_id, message_id)

    async def all_in(self, conversation_id: str) -> list[Doc]:
        """Every message of the conversation, all branches, oldest first."""
        return await self._messages.all_in(conversation_id)

    async def by_ids(self, message_ids: list[str], fields: Sequence[str]) -> dict[str, Doc]:
        """The messages with these ids, by id, each with only ``fields``."""
        return await self._messages.by_ids(message_ids, fields)

    async def generating_in(self, conversation_id: str) -> bool:
        """Whether a reply is being generated in the conversation."""
        return await self._messages.generating_in(conversation_id)

    async def attachments_in(self, conversation_ids: list[str], *, limit: int) -> list[Doc]:
        """Attachments on live messages of these conversations, newest message first.

        One document per attachment: the message's ``_id``, ``conversation_id`` and
        ``created_at``, with ``attachments`` holding that one attachment.
        """
        return await self._messages.attachments_in(conversation_ids, limit=limit)

    async def count_attachments_in(self, conversation_ids: list[str]) -> int:
        return await self._messages.count_attachments_in(conversation_ids)
