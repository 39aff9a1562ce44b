"""What erasing a user takes from the messages feature (``conversations.erasure`` runs it)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.messages.store import MessageStore, SourceStore


class MessageEraser:
    def __init__(self, messages: MessageStore, sources: SourceStore) -> None:
        self._messages = messages
        self._sources = sources

    async def unlink_requester(self, user_id: str, session: AsyncClientSession) -> int:
        """Replies generated for the user's turns keep no link to them."""
        return await self._messages.unlink_requester(user_id, session)

    async def delete_messages_in(
        self, conversation_ids: list[str], session: AsyncClientSession
    ) -> int:
        return await self._messages.delete_in(conversation_ids, session)

    async def delete_sources_in(
        self, conversation_ids: list[str], session: AsyncClientSession
    ) -> int:
        return await self._sources.delete_in(conversation_ids, session)
