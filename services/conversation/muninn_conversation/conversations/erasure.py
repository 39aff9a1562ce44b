"""Erasing a user also erases the conversations they own — including collaborators' messages in them."""

from __future__ import annotations

from typing import Any

from muninn_shared.privacy import ExtraEraser
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.conversations.store import CONVERSATIONS, PARTICIPANTS
from muninn_conversation.messages.store import MESSAGES


def owned_conversation_eraser(db: AsyncDatabase[dict[str, Any]]) -> ExtraEraser:
    async def erase(user_id: str, session: AsyncClientSession) -> dict[str, int]:
        owned = [
            d["_id"]
            async for d in db[CONVERSATIONS].find({"user_id": user_id}, {"_id": 1}, session=session)
        ]
        if not owned:
            return {}
        messages = await db[MESSAGES].delete_many(
            {"conversation_id": {"$in": owned}}, session=session
        )
        participants = await db[PARTICIPANTS].delete_many(
            {"conversation_id": {"$in": owned}}, session=session
        )
        return {
            "messages_in_owned_conversations": messages.deleted_count,
            "participants_of_owned_conversations": participants.deleted_count,
        }

    return erase
