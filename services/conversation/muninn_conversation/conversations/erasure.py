"""Erasing a user: the conversations they own go, and so does their trace in others' conversations.

Their own messages, participations, invitations and recalled sources carry their ``user_id``
and are removed by the generic erasure; what remains here is what other users own: the
replies generated for their turns in someone else's conversation keep no link to them.
"""

from __future__ import annotations

from typing import Any

from muninn_shared.privacy import ExtraEraser
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.conversations.store import CONVERSATIONS, PARTICIPANTS
from muninn_conversation.messages.erasure import MessageEraser


def owned_conversation_eraser(
    db: AsyncDatabase[dict[str, Any]], messages: MessageEraser
) -> ExtraEraser:
    async def erase(user_id: str, session: AsyncClientSession) -> dict[str, int]:
        unlinked = await messages.unlink_requester(user_id, session)
        owned = [
            d["_id"]
            async for d in db[CONVERSATIONS].find({"user_id": user_id}, {"_id": 1}, session=session)
        ]
        if not owned:
            return {"replies_unlinked": unlinked}
        deleted_messages = await messages.delete_messages_in(owned, session)
        participants = await db[PARTICIPANTS].delete_many(
            {"conversation_id": {"$in": owned}}, session=session
        )
        sources = await messages.delete_sources_in(owned, session)
        return {
            "replies_unlinked": unlinked,
            "sources_in_owned_conversations": sources,
            "messages_in_owned_conversations": deleted_messages,
            "participants_of_owned_conversations": participants.deleted_count,
        }

    return erase
