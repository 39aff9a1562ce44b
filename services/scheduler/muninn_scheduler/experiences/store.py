"""Experiences in MongoDB."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.documents import UserDocuments, record_from
from muninn_scheduler.experiences.models import Experience

EXPERIENCES = "experiences"


def experience_from_doc(doc: Mapping[str, Any]) -> Experience:
    return record_from(Experience, doc)


class ExperienceStore(UserDocuments):
    collection = EXPERIENCES
    what = "Experience"
    indexes = (
        [("user_id", ASCENDING), ("provider_key", ASCENDING)],
        [("follow_up_conversation_id", ASCENDING), ("awaiting_review", ASCENDING)],
    )

    async def awaiting_reply(
        self, user_id: str, conversation_id: str, session: AsyncClientSession
    ) -> list[Document]:
        cursor = self._collection.find(
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
    ) -> list[Document]:
        cursor = self._collection.find(
            {"user_id": user_id, "provider_key": provider_key}, session=session
        )
        return [d async for d in cursor if d.get("review")]
