"""Store registrations in MongoDB: one document per user (a unique index says so)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_byod.stores.models import HEALTH_CHECKED, MIGRATABLE, Store, StoreStatus

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

    # Schema migrations (driven by muninn_byod.migrations through StoreService). While one
    # runs the store is ``migrating``; ``migration_prior_status`` is what it goes back to,
    # ``migration_claim`` and ``migration_lease_until`` keep other replicas away.

    async def claim_migration(
        self, target: int, now: datetime, lease_until: datetime, claim: str
    ) -> tuple[str, Store, StoreStatus] | None:
        """A store below schema ``target`` whose migration is due — or one left ``migrating``
        by a replica whose lease ran out — set ``migrating`` under ``claim``; with its owner
        and the status it goes back to."""
        for _ in range(5):  # another replica may claim the one we found first: look again
            doc = await self._stores.find_one(
                {
                    "$or": [
                        {
                            "status": {"$in": [s.value for s in MIGRATABLE]},
                            "schema_version": {"$lt": target, "$ne": None},
                            "migration.next_attempt_at": {"$not": {"$gt": now}},
                        },
                        {
                            "status": StoreStatus.MIGRATING.value,
                            "migration_lease_until": {"$lte": now},
                        },
                    ]
                },
                sort=[("updated_at", ASCENDING)],
            )
            if doc is None:
                return None
            prior = StoreStatus(
                doc.get("migration_prior_status", StoreStatus.ACTIVE.value)
                if doc["status"] == StoreStatus.MIGRATING.value
                else doc["status"]
            )
            previous = doc.get("migration") or {}
            claimed = await self._stores.find_one_and_update(
                {
                    "_id": doc["_id"],
                    "status": doc["status"],
                    "migration_lease_until": doc.get("migration_lease_until"),
                },
                {
                    "$set": {
                        "status": StoreStatus.MIGRATING.value,
                        "migration_prior_status": prior.value,
                        "migration_claim": claim,
                        "migration_lease_until": lease_until,
                        "migration": {
                            "state": "running",
                            "from_version": doc["schema_version"],
                            "to_version": target,
                            "version": None,
                            "step": None,
                            "documents_done": 0,
                            "batches": 0,
                            "attempts": int(previous.get("attempts", 0)),
                            "started_at": now,
                            "updated_at": now,
                            "finished_at": None,
                            "next_attempt_at": None,
                        },
                        "updated_at": now,
                    }
                },
                return_document=ReturnDocument.AFTER,
            )
            if claimed is not None:
                return claimed["user_id"], store_from_doc(claimed), prior
        return None

    async def record_migration_progress(
        self, user_id: str, store_id: str, claim: str, progress: Mapping[str, Any]
    ) -> bool:
        """``migration.<field>`` of the running migration; False once the claim is lost (the
        store erased, or taken over after its lease ran out)."""
        result = await self._stores.update_one(
            {
                "_id": store_id,
                "user_id": user_id,
                "status": StoreStatus.MIGRATING.value,
                "migration_claim": claim,
            },
            {"$set": {f"migration.{name}": value for name, value in progress.items()}},
        )
        return result.matched_count == 1

    async def finish_migration(
        self,
        user_id: str,
        store_id: str,
        claim: str,
        changes: Mapping[str, Any],
        notes: list[str] | None = None,
    ) -> bool:
        """The migration's outcome (``changes`` sets the status it goes back to), written only
        by the claim's holder."""
        update: dict[str, Any] = {
            "$set": dict(changes),
            "$unset": {
                "migration_claim": "",
                "migration_prior_status": "",
                "migration_lease_until": "",
            },
        }
        if notes:
            update["$push"] = {"notes": {"$each": notes}}
        result = await self._stores.update_one(
            {
                "_id": store_id,
                "user_id": user_id,
                "status": StoreStatus.MIGRATING.value,
                "migration_claim": claim,
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
