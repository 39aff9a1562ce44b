"""Experiences in MongoDB."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.bulk import find_in, update_each
from muninn_scheduler.pages import before_cursor

EXPERIENCES = "experiences"

Doc = dict[str, Any]


class ExperienceStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._experiences = db[EXPERIENCES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._experiences,
            [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        await ensure_index(self._experiences, [("user_id", ASCENDING), ("provider_key", ASCENDING)])
        await ensure_index(
            self._experiences,
            [("follow_up_conversation_id", ASCENDING), ("awaiting_review", ASCENDING)],
        )

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> None:
        await self._experiences.insert_one(doc, session=session)

    async def get(
        self, user_id: str, experience_id: str, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await self._experiences.find_one(
            {"_id": experience_id, "user_id": user_id}, session=session
        )

    async def by_ids(self, ids: Iterable[str], session: AsyncClientSession) -> dict[str, Doc]:
        return {d["_id"]: d for d in await find_in(self._experiences, "_id", ids, session)}

    async def update(
        self, experience_id: str, changes: Doc, session: AsyncClientSession | None = None
    ) -> Doc | None:
        return await update_one_and_read(
            self._experiences,
            {"_id": experience_id},
            {"$set": changes},
            session=session,
        )

    async def update_each(
        self, updates: list[tuple[str, Doc]], session: AsyncClientSession | None
    ) -> None:
        await update_each(self._experiences, updates, session)

    async def delete(self, experience_id: str, session: AsyncClientSession | None = None) -> None:
        await self._experiences.delete_one({"_id": experience_id}, session=session)

    async def awaiting_reply(
        self, user_id: str, conversation_id: str, session: AsyncClientSession
    ) -> list[Doc]:
        cursor = self._experiences.find(
            {
                "follow_up_conversation_id": conversation_id,
                "awaiting_review": True,
                "user_id": user_id,
            },
            session=session,
        )
        return sorted([d async for d in cursor], key=lambda d: d["follow_up_posted_at"])

    async def reviewed_for(
        self, user_id: str, provider_key: str, session: AsyncClientSession | None
    ) -> list[Doc]:
        cursor = self._experiences.find(
            {"user_id": user_id, "provider_key": provider_key}, session=session
        )
        return [d async for d in cursor if d.get("review")]

    async def page(
        self, query: Doc, *, limit: int, before: tuple[datetime, str] | None
    ) -> list[Doc]:
        cursor = (
            self._experiences.find(before_cursor(query, before))
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [d async for d in cursor]
