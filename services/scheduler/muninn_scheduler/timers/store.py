"""Timers in MongoDB, claimed with leases so several replicas share the work safely.

A claim stamps a batch of due timers with this replica's id and a lease; a timer whose lease
ran out (its replica died mid-fire) is claimable again. Firing commits the effect and the
``fired`` status in one transaction guarded by the claim token, so a timer's effect happens
once even when two replicas race or one is killed half-way.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_scheduler.timers.models import Misfire, TimerStatus

TIMERS = "timers"

Doc = dict[str, Any]


def new_timer(
    *,
    user_id: str,
    kind: str,
    due_at: datetime,
    ref_id: str | None = None,
    payload: dict[str, Any] | None = None,
    misfire: Misfire = Misfire.FIRE_LATE,
    misfire_grace_seconds: float = 3600,
    now: datetime,
) -> Doc:
    return {
        "_id": uuid.uuid4().hex,
        "user_id": user_id,
        "kind": kind,
        "ref_id": ref_id,
        "due_at": due_at,
        "status": TimerStatus.SCHEDULED.value,
        "misfire": misfire.value,
        "misfire_grace_seconds": misfire_grace_seconds,
        "payload": payload or {},
        "attempts": 0,
        "claim": None,
        "lease_until": None,
        "created_at": now,
        "updated_at": now,
    }


class TimerStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._timers = db[TIMERS]

    async def ensure_indexes(self) -> None:
        await self._timers.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
        await self._timers.create_index([("status", ASCENDING), ("lease_until", ASCENDING)])
        await self._timers.create_index([("kind", ASCENDING), ("ref_id", ASCENDING)])
        await self._timers.create_index([("claim", ASCENDING)])
        await self._timers.create_index("user_id")

    async def add(self, timer: Doc, session: AsyncClientSession | None = None) -> None:
        await self._timers.insert_one(timer, session=session)

    async def add_many(self, timers: list[Doc]) -> None:
        if timers:
            await self._timers.insert_many(timers, ordered=False)

    async def cancel_for(
        self, kind: str, ref_id: str, session: AsyncClientSession | None = None
    ) -> int:
        result = await self._timers.update_many(
            {"kind": kind, "ref_id": ref_id, "status": TimerStatus.SCHEDULED.value},
            {"$set": {"status": TimerStatus.CANCELLED.value}},
            session=session,
        )
        return result.modified_count

    async def pending_for(self, kind: str, ref_id: str) -> list[Doc]:
        cursor = self._timers.find(
            {
                "kind": kind,
                "ref_id": ref_id,
                "status": {"$in": [TimerStatus.SCHEDULED.value, TimerStatus.FIRING.value]},
            }
        )
        return [doc async for doc in cursor]

    async def claim_due(
        self, owner: str, now: datetime, *, lease: timedelta, batch: int
    ) -> tuple[str, list[Doc]]:
        """Claim up to ``batch`` due (or abandoned) timers; returns the claim token and the docs."""
        due = {
            "$or": [
                {"status": TimerStatus.SCHEDULED.value, "due_at": {"$lte": now}},
                {"status": TimerStatus.FIRING.value, "lease_until": {"$lt": now}},
            ]
        }
        candidates = [
            d["_id"]
            async for d in self._timers.find(due, {"_id": 1}).sort("due_at", ASCENDING).limit(batch)
        ]
        if not candidates:
            return "", []
        token = f"{owner}:{uuid.uuid4().hex}"
        # The filter is re-checked per document, so a timer another replica claimed in
        # between is left alone: only documents stamped with our token are ours.
        await self._timers.update_many(
            {"_id": {"$in": candidates}, **due},
            {
                "$set": {
                    "status": TimerStatus.FIRING.value,
                    "claim": token,
                    "lease_until": now + lease,
                },
                "$inc": {"attempts": 1},
            },
        )
        claimed = [d async for d in self._timers.find({"claim": token})]
        return token, claimed

    async def complete(
        self,
        timer_id: str,
        token: str,
        status: TimerStatus,
        now: datetime,
        session: AsyncClientSession,
        error: str | None = None,
    ) -> bool:
        """Close a claimed timer; False when the claim was lost (another replica owns it now)."""
        result = await self._timers.update_one(
            {"_id": timer_id, "claim": token, "status": TimerStatus.FIRING.value},
            {
                "$set": {
                    "status": status.value,
                    "fired_at": now,
                    "updated_at": now,
                    "lease_until": None,
                    "error": error,
                }
            },
            session=session,
        )
        return result.modified_count == 1

    async def release(self, timer_id: str, token: str, retry_at: datetime, error: str) -> None:
        await self._timers.update_one(
            {"_id": timer_id, "claim": token, "status": TimerStatus.FIRING.value},
            {
                "$set": {
                    "status": TimerStatus.SCHEDULED.value,
                    "due_at": retry_at,
                    "claim": None,
                    "lease_until": None,
                    "error": error,
                }
            },
        )

    async def count(self, query: Doc) -> int:
        return await self._timers.count_documents(query)

    async def next_due(self) -> datetime | None:
        doc = await self._timers.find_one(
            {"status": TimerStatus.SCHEDULED.value}, {"due_at": 1}, sort=[("due_at", ASCENDING)]
        )
        return None if doc is None else doc["due_at"]
