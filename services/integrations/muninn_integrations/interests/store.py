"""Contacts' interests in MongoDB: ``contact_interests``, unique per (user_id, contact_id,
category, topic). ``confidence`` is as of ``last_reinforced_at``; readers decay it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

CONTACT_INTERESTS = "contact_interests"
MAX_PER_CONTACT = 1_000
MAX_SOURCES = 20

Doc = dict[str, Any]
Session = AsyncClientSession | None


class InterestStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._interests = db[CONTACT_INTERESTS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._interests,
            [
                ("user_id", ASCENDING),
                ("contact_id", ASCENDING),
                ("category", ASCENDING),
                ("topic", ASCENDING),
            ],
            unique=True,
        )

    async def of_contact(self, user_id: str, contact_id: str, session: Session = None) -> list[Doc]:
        found = self._interests.find(
            {"user_id": user_id, "contact_id": contact_id}, session=session
        )
        return await found.to_list(MAX_PER_CONTACT)

    async def get(self, user_id: str, contact_id: str, interest_id: str) -> Doc | None:
        return await self._interests.find_one(
            {"_id": interest_id, "user_id": user_id, "contact_id": contact_id}
        )

    async def topic(self, user_id: str, contact_id: str, category: str, topic: str) -> Doc | None:
        return await self._interests.find_one(
            {"user_id": user_id, "contact_id": contact_id, "category": category, "topic": topic}
        )

    async def insert(self, doc: Doc, session: Session = None) -> None:
        await self._interests.insert_one(doc, session=session)

    async def reinforce(
        self,
        interest_id: str,
        *,
        confidence: float,
        reinforced_at: datetime,
        source_id: str,
        now: datetime,
        session: Session = None,
    ) -> Doc | None:
        return await self._interests.find_one_and_update(
            {"_id": interest_id},
            {
                "$set": {
                    "confidence": confidence,
                    "last_reinforced_at": reinforced_at,
                    "updated_at": now,
                },
                "$inc": {"evidence_count": 1},
                "$push": {"source_interactions": {"$each": [source_id], "$slice": -MAX_SOURCES}},
            },
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def put_by_hand(
        self,
        user_id: str,
        contact_id: str,
        category: str,
        topic: str,
        on_insert: Doc,
        now: datetime,
    ) -> Doc:
        found = await self._interests.find_one_and_update(
            {"user_id": user_id, "contact_id": contact_id, "category": category, "topic": topic},
            {
                "$set": {
                    "source": "user",
                    "confidence": 1.0,
                    "last_reinforced_at": now,
                    "updated_at": now,
                },
                "$setOnInsert": on_insert,
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert found is not None  # an upsert returning the document after it always finds one
        return dict(found)

    async def set(self, interest_id: str, changes: Mapping[str, Any], session: Session) -> None:
        await self._interests.update_one(
            {"_id": interest_id}, {"$set": dict(changes)}, session=session
        )

    async def delete(
        self, user_id: str, contact_id: str, interest_id: str, session: Session = None
    ) -> bool:
        result = await self._interests.delete_one(
            {"_id": interest_id, "user_id": user_id, "contact_id": contact_id}, session=session
        )
        return result.deleted_count == 1

    async def delete_ids(self, interest_ids: Sequence[str], session: Session) -> None:
        await self._interests.delete_many({"_id": {"$in": list(interest_ids)}}, session=session)

    async def delete_faded(self, now: datetime, half_life_days: float, floor: float) -> int:
        """Inferred interests whose decayed confidence is under ``floor``, in one pass."""
        half_life_ms = half_life_days * 86_400_000
        decayed = {
            "$multiply": [
                "$confidence",
                {
                    "$pow": [
                        0.5,
                        {"$divide": [{"$subtract": [now, "$last_reinforced_at"]}, half_life_ms]},
                    ]
                },
            ]
        }
        result = await self._interests.delete_many(
            {"source": {"$ne": "user"}, "$expr": {"$lt": [decayed, floor]}}
        )
        return result.deleted_count
