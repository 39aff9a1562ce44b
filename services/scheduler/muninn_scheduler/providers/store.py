"""Provider ratings in MongoDB, one document per (user, provider)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.providers.models import ProviderRating

PROVIDER_RATINGS = "provider_ratings"


def rating_from_doc(doc: Mapping[str, Any]) -> ProviderRating:
    return ProviderRating.model_validate(
        {k: v for k, v in doc.items() if k in ProviderRating.model_fields}
    )


class ProviderRatingStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._ratings = db[PROVIDER_RATINGS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._ratings, [("user_id", ASCENDING), ("personal_rating", DESCENDING)])

    @staticmethod
    def _id(user_id: str, key: str) -> str:
        return f"{user_id}:{key}"

    async def save(self, user_id: str, doc: Document, session: AsyncClientSession | None) -> None:
        doc_id = self._id(user_id, doc["provider_key"])
        await self._ratings.replace_one(
            {"_id": doc_id},
            {**doc, "_id": doc_id, "user_id": user_id},
            upsert=True,
            session=session,
        )

    async def remove(self, user_id: str, key: str, session: AsyncClientSession | None) -> None:
        await self._ratings.delete_one({"_id": self._id(user_id, key)}, session=session)

    async def get(self, user_id: str, key: str) -> ProviderRating | None:
        doc = await self._ratings.find_one({"_id": self._id(user_id, key)})
        return rating_from_doc(doc) if doc is not None else None

    async def ranked(
        self, user_id: str, provider_type: str | None, limit: int
    ) -> list[ProviderRating]:
        query: Document = {"user_id": user_id}
        if provider_type:
            query["provider_type"] = provider_type
        cursor = self._ratings.find(query).sort("personal_rating", DESCENDING).limit(limit)
        return [rating_from_doc(d) async for d in cursor]
