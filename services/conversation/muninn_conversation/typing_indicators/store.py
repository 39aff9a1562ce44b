"""Typing indicators in MongoDB: one document per participant and conversation, overwritten in place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

TYPING_INDICATORS = "typing_indicators"


@dataclass(frozen=True)
class TypingRecord:
    """One participant's typing state in one conversation, as last reported."""

    conversation_id: str
    user_id: str
    is_typing: bool
    last_typing_at: datetime


def typing_record(doc: Mapping[str, Any]) -> TypingRecord:
    return TypingRecord(
        conversation_id=doc["conversation_id"],
        user_id=doc["user_id"],
        is_typing=doc["is_typing"],
        last_typing_at=doc["last_typing_at"],
    )


class TypingStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._typing = db[TYPING_INDICATORS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._typing, [("conversation_id", ASCENDING), ("user_id", ASCENDING)], unique=True
        )
        await ensure_index(self._typing, [("user_id", ASCENDING)])

    async def set(self, conversation_id: str, user_id: str, is_typing: bool, at: datetime) -> None:
        await self._typing.update_one(
            {"_id": f"{conversation_id}:{user_id}"},
            {
                "$set": {
                    "conversation_id": conversation_id,
                    "user_id": user_id,
                    "is_typing": is_typing,
                    "last_typing_at": at,
                }
            },
            upsert=True,
        )

    async def typing_since(self, conversation_id: str, since: datetime) -> list[TypingRecord]:
        cursor = self._typing.find(
            {
                "conversation_id": conversation_id,
                "is_typing": True,
                "last_typing_at": {"$gt": since},
            }
        ).sort("last_typing_at", ASCENDING)
        return [typing_record(doc) async for doc in cursor]
