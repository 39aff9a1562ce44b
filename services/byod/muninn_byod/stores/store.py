"""Store registrations in MongoDB: one document per user (a unique index says so)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_byod.stores.models import HEALTH_CHECKED, Store, StoreStatus

STORES = "stores"


def store_from_doc(doc: Mapping[str, Any]) -> Store:
    return Store(
        id=doc["_id"], **{k: v for k, v in doc.items() if k != "_id" and k in Store.model_fields}
    )


class StoreRecordStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._stores = db[STORES]

    async def ensure_indexes(self) -> None:
        # One store per user: a second registration racing the first fails here.
        await ensure_index(self._stores, "user_id", unique=True)
        await ensure_index(self._stores, [("status", ASCENDING), ("health_due_at", ASCENDING)])
        await ensure_index(
            self._stores,
            [("status", ASCENDING), ("schema_version", ASCENDING), ("next_attempt_at", ASCENDING)],
        )

    async def insert(self, doc: dict[str, Any], session: AsyncClientSession) -> None:
        await self._stores.insert_one(doc, session=session)

    async def current(self, user_id: str) -> Store | None:
        doc = await self._stores.find_one({"user_id": user_id})
        return store_from_doc(doc) if doc is not None else None

    async def delete_in(
        self,
        user_id: str,
        store_id: str,
        statuses: frozenset[StoreStatus],
        session: AsyncClientSession,
    ) -> bool:
        """Deleted only while its status is one of ``statuses``."""
        result = await self._stores.delete_one(
            {"_id": store_id, "user_id": user_id, "status": {"$in": [s.value for s in statuses]}},
            session=session,
        )
        return result.deleted_count == 1

    async def claim_health_check(
        self, now: datetime, next_due: datetime
    ) -> tuple[str, Store] | None:
        """An active or degraded store whose check is due, pushed to ``next_due`` so that
        other replicas leave it alone; with its owner."""
        doc = await self._stores.find_one_and_update(
            {
                "status": {"$in": [s.value for s in HEALTH_CHECKED]},
                "health_due_at": {"$lte": now},
            },
            {"$set": {"health_due_at": next_due}},
            sort=[("health_due_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return (doc["user_id"], store_from_doc(doc)) if doc is not None else None

    async def record_health(self, user_id: str, store_id: str, changes: Mapping[str, Any]) -> bool:
        """The check's outcome, written only while the store is still health-checked (a
        disconnect or migration started meanwhile keeps its own status)."""
        result = await self._stores.update_one(
            {
                "_id": store_id,
                "user_id": user_id,
                "status": {"$in": [s.value for s in HEALTH_CHECKED]},
            },
            {"$set": dict(changes)},
        )
        return result.matched_count == 1

    async def claim_provisioning(
        self, now: datetime, lease_until: datetime, claim: str
    ) -> tuple[str, Store] | None:
        """A provisioning store whose schema is not deployed and whose next attempt is due,
        leased until ``lease_until`` under ``claim`` so that other replicas leave it alone (a
        replica that dies mid-deploy lets the lease run out); with its owner."""
        doc = await self._stores.find_one_and_update(
            {
                "status": StoreStatus.PROVISIONING.value,
                "schema_version": None,
                # Missing (registered before provisioning existed) counts as due.
                "next_attempt_at": {"$not": {"$gt": now}},
            },
            {"$set": {"next_attempt_at": lease_until, "provision_claim": claim}},
            sort=[("next_attempt_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return (doc["user_id"], store_from_doc(doc)) if doc is not None else None

    async def record_provisioning(
        self,
        user_id: str,
        store_id: str,
        claim: str,
        changes: Mapping[str, Any],
        notes: list[str] | None = None,
    ) -> bool:
        """The attempt's outcome, written only by the claim's holder while the store is still
        provisioning (a store forgotten or erased meanwhile stays gone)."""
        update: dict[str, Any] = {"$set": dict(changes), "$unset": {"provision_claim": ""}}
        if notes:
            update["$push"] = {"notes": {"$each": notes}}
        result = await self._stores.update_one(
            {
                "_id": store_id,
                "user_id": user_id,
                "status": StoreStatus.PROVISIONING.value,
                "provision_claim": claim,
            },
            update,
        )
        return result.matched_count == 1

    async def deployed_in(self, status: StoreStatus, limit: int) -> list[tuple[str, Store]]:
        """Stores in ``status`` whose schema is deployed, oldest first; with their owners."""
        cursor = (
            self._stores.find({"status": status.value, "schema_version": {"$ne": None}})
            .sort("created_at", ASCENDING)
            .limit(limit)
        )
        return [(doc["user_id"], store_from_doc(doc)) async for doc in cursor]

    async def advance(
        self,
        user_id: str,
        store_id: str,
        expected: frozenset[StoreStatus],
        status: StoreStatus,
        now: datetime,
    ) -> bool:
        result = await self._stores.update_one(
            {
                "_id": store_id,
                "user_id": user_id,
                "status": {"$in": [s.value for s in expected]},
            },
            {"$set": {"status": status.value, "updated_at": now, "health_due_at": now}},
        )
        return result.matched_count == 1
