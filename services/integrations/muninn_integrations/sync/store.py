"""Sync jobs and each connection's sync state (saved cursor, the job holding it) in MongoDB.

A connection has at most one pending or running job: the state document's ``active_job``
is set when a job is queued and cleared, in the same transaction, when it ends. Replicas
claim jobs with leases; a job whose lease ran out (its replica died) is claimed again and
goes on from the cursor its last committed page saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_integrations.sync.models import JobStatus, SyncJob

JOBS = "sync_jobs"
STATES = "sync_states"


def sync_job_from_doc(doc: Mapping[str, Any]) -> SyncJob:
    return SyncJob(
        id=doc["_id"],
        **{k: v for k, v in doc.items() if k != "_id" and k in SyncJob.model_fields},
    )


class SyncStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._jobs = db[JOBS]
        self._states = db[STATES]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._jobs, [("user_id", ASCENDING), ("created_at", -1), ("_id", -1)])
        await ensure_index(
            self._jobs, [("connection_id", ASCENDING), ("created_at", -1), ("_id", -1)]
        )
        await ensure_index(self._jobs, [("status", ASCENDING), ("not_before", ASCENDING)])
        await ensure_index(self._jobs, [("status", ASCENDING), ("lease_until", ASCENDING)])
        await ensure_index(self._states, "user_id")

    # -- queueing ----------------------------------------------------------------------------

    async def take_slot(
        self, user_id: str, connection_id: str, job_id: str, session: AsyncClientSession
    ) -> None:
        """Mark ``job_id`` the connection's active job (DuplicateKeyError if one is active)."""
        await self._states.update_one(
            {"_id": connection_id, "active_job": None},
            {"$set": {"active_job": job_id, "user_id": user_id}},
            upsert=True,
            session=session,
        )

    async def insert_job(self, doc: dict[str, Any], session: AsyncClientSession) -> None:
        await self._jobs.insert_one(doc, session=session)

    async def active_job_id(self, connection_id: str) -> str | None:
        state = await self._states.find_one({"_id": connection_id}, {"active_job": 1})
        return state.get("active_job") if state is not None else None

    async def saved_cursor(self, connection_id: str) -> str | None:
        state = await self._states.find_one({"_id": connection_id}, {"cursor": 1})
        return state.get("cursor") if state is not None else None

    # -- claiming and running ------------------------------------------------------------------

    async def claim(self, owner: str, now: datetime, lease: timedelta) -> dict[str, Any] | None:
        """The oldest job ready to run, leased to ``owner``: a pending one, else an abandoned one."""
        stamp = {
            "$set": {
                "status": JobStatus.RUNNING.value,
                "lease_owner": owner,
                "lease_until": now + lease,
            },
            "$inc": {"claims": 1},
        }
        for query in (
            {"status": JobStatus.PENDING.value, "not_before": {"$lte": now}},
            {"status": JobStatus.RUNNING.value, "lease_until": {"$lt": now}},
        ):
            doc = await self._jobs.find_one_and_update(
                query,
                stamp,
                sort=[("created_at", ASCENDING)],
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                if doc.get("started_at") is None:
                    await self._jobs.update_one({"_id": doc["_id"]}, {"$set": {"started_at": now}})
                    doc["started_at"] = now
                return doc
        return None

    async def save_page(
        self,
        job_id: str,
        owner: str,
        changes: Mapping[str, Any],
        session: AsyncClientSession,
        *,
        processed: int,
        changed: int,
    ) -> dict[str, Any] | None:
        """Progress after a page, if ``owner`` still holds the job (None: the lease was lost)."""
        return await update_one_and_read(
            self._jobs,
            {"_id": job_id, "lease_owner": owner, "status": JobStatus.RUNNING.value},
            {
                "$set": dict(changes),
                "$inc": {"items_processed": processed, "records_changed": changed},
            },
            session=session,
        )

    async def update_held(
        self,
        job_id: str,
        owner: str,
        changes: Mapping[str, Any],
        session: AsyncClientSession | None = None,
    ) -> dict[str, Any] | None:
        return await update_one_and_read(
            self._jobs,
            {"_id": job_id, "lease_owner": owner, "status": JobStatus.RUNNING.value},
            {"$set": dict(changes)},
            session=session,
        )

    async def release_slot(
        self,
        connection_id: str,
        job_id: str,
        session: AsyncClientSession,
        *,
        cursor: str | None = None,
        save_cursor: bool = False,
    ) -> None:
        changes: dict[str, Any] = {"active_job": None}
        if save_cursor:
            changes["cursor"] = cursor
        await self._states.update_one(
            {"_id": connection_id, "active_job": job_id}, {"$set": changes}, session=session
        )

    # -- reading and cancelling ----------------------------------------------------------------

    async def job_doc(self, job_id: str) -> dict[str, Any] | None:
        return await self._jobs.find_one({"_id": job_id})

    async def get(self, user_id: str, job_id: str) -> SyncJob | None:
        doc = await self._jobs.find_one({"_id": job_id, "user_id": user_id})
        return sync_job_from_doc(doc) if doc is not None else None

    async def page(
        self,
        user_id: str,
        *,
        connection_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[SyncJob], str | None]:
        query: dict[str, Any] = {"user_id": user_id}
        if connection_id is not None:
            query["connection_id"] = connection_id
        return await fetch_page(
            self._jobs, query, limit=limit, cursor=cursor, convert=sync_job_from_doc
        )

    async def cancel_pending(
        self, user_id: str, job_id: str, now: datetime, session: AsyncClientSession
    ) -> dict[str, Any] | None:
        return await update_one_and_read(
            self._jobs,
            {"_id": job_id, "user_id": user_id, "status": JobStatus.PENDING.value},
            {"$set": {"status": JobStatus.CANCELLED.value, "completed_at": now}},
            session=session,
        )

    async def request_cancel(self, user_id: str, job_id: str) -> dict[str, Any] | None:
        return await update_one_and_read(
            self._jobs,
            {"_id": job_id, "user_id": user_id, "status": JobStatus.RUNNING.value},
            {"$set": {"cancel_requested": True}},
        )

    async def forget_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> int:
        """Jobs and state of a disconnected connection."""
        await self._states.delete_one({"_id": connection_id, "user_id": user_id}, session=session)
        result = await self._jobs.delete_many(
            {"connection_id": connection_id, "user_id": user_id}, session=session
        )
        return result.deleted_count
