"""The route byod last announced per user: its version is the order every service applies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_byod.routes.models import Placement, Route

ROUTES = "routes"


def route_from_doc(doc: Mapping[str, Any]) -> Route:
    return Route(
        user_id=doc["_id"],
        version=doc["version"],
        placement=Placement(doc["placement"]),
        store_id=doc.get("store_id"),
        writes_paused=bool(doc.get("writes_paused")),
        announced_at=doc["announced_at"],
    )


class RouteStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._routes = db[ROUTES]

    async def advance(
        self,
        user_id: str,
        placement: Placement,
        store_id: str | None,
        writes_paused: bool,
        session: AsyncClientSession,
    ) -> Route:
        """The user's next route, one version above the last."""
        doc = await self._routes.find_one_and_update(
            {"_id": user_id},
            {
                "$inc": {"version": 1},
                "$set": {
                    "user_id": user_id,
                    "placement": placement.value,
                    "store_id": store_id,
                    "writes_paused": writes_paused,
                    "announced_at": datetime.now(UTC),
                },
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        assert doc is not None  # upserted
        return route_from_doc(doc)

    async def current(self, user_id: str) -> Route | None:
        doc = await self._routes.find_one({"_id": user_id})
        return route_from_doc(doc) if doc is not None else None
