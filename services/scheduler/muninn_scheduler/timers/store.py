"""Timers in MongoDB, claimed with leases so several replicas share the work safely.

A claim stamps a batch of due timers with this replica's token and a lease; a timer whose
lease ran out (its replica died mid-fire) is claimable again. Firing commits the effect and
the ``fired`` status in one transaction guarded by the claim token, so a timer's effect
happens once even when two replicas race or one is killed half-way.

Query shapes are chosen so each one rides an index even on a modest MongoDB-protocol
server: no top-level ``$or`` (that scans the collection), ``_id`` first where ids are known.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import Document
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from muninn_scheduler.bulk import slices
from muninn_scheduler.timers.models import TimerStatus

TIMERS = "timers"


@dataclass(frozen=True)
class DueRef:
    id: str
    kind: str
    ref_id: str | None

    @classmethod
    def from_doc(cls, doc: Document) -> DueRef:
        return cls(id=doc["_id"], kind=doc["kind"], ref_id=doc.get("ref_id"))


class TimerStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._client = db.client
        self._timers = db[TIMERS]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._timers, [("status", ASCENDING), ("due_at", ASCENDING)])
        await ensure_index(self._timers, [("status", ASCENDING), ("lease_until", ASCENDING)])
        await ensure_index(self._timers, [("kind", ASCENDING), ("ref_id", ASCENDING)])
        await ensure_index(self._timers, [("claim", ASCENDING)])
        await ensure_index(self._timers, "user_id")

    async def add(self, timer: Document, session: AsyncClientSession | None = None) -> None:
        await self._timers.insert_one(timer, session=session)

    async def add_many(
        self, timers: list[Document], session: AsyncClientSession | None = None
    ) -> None:
        if timers:
            await self._timers.insert_many(timers, ordered=False, session=session)

    async def cancel_for(
        self, kind: str, ref_id: str, session: AsyncClientSession | None = None
    ) -> int:
        result = await self._timers.update_many(
            {"kind": kind, "ref_id": ref_id, "status": TimerStatus.SCHEDULED.value},
            {"$set": {"status": TimerStatus.CANCELLED.value}},
            session=session,
        )
        return result.modified_count

    async def pending_for(
        self, kind: str, ref_id: str, session: AsyncClientSession | None = None
    ) -> list[Document]:
        cursor = self._timers.find(
            {
                "kind": kind,
                "ref_id": ref_id,
                "status": {"$in": [TimerStatus.SCHEDULED.value, TimerStatus.FIRING.value]},
            },
            session=session,
        )
        return [doc async for doc in cursor]

    # -- claiming ---------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[DueRef]:
        """Up to ``limit`` timers due by ``now`` (earliest first), then abandoned claims."""
        fields = {"_id": 1, "kind": 1, "ref_id": 1}
        due = self._timers.find(
            {"status": TimerStatus.SCHEDULED.value, "due_at": {"$lte": now}}, fields
        )
        found = [DueRef.from_doc(d) async for d in due.sort("due_at", ASCENDING).limit(limit)]
        abandoned = self._timers.find(
            {"status": TimerStatus.FIRING.value, "lease_until": {"$lt": now}}, fields
        )
        found += [DueRef.from_doc(d) async for d in abandoned.limit(limit)]
        return found

    async def claim(
        self, ids: Sequence[str], owner: str, now: datetime, *, lease: timedelta
    ) -> tuple[str, list[Document]]:
        """Claim those of ``ids`` that are still due or abandoned; returns the token and docs.

        The due/abandoned condition is re-checked per document inside the update, so a timer
        another replica claimed in between is left alone: only documents stamped with our
        token are ours.
        """
        if not ids:
            return "", []
        token = f"{owner}:{uuid.uuid4().hex}"
        stamp = {
            "$set": {
                "status": TimerStatus.FIRING.value,
                "claim": token,
                "lease_until": now + lease,
            },
            "$inc": {"attempts": 1},
        }
        for part in slices(ids):
            if not await self._claim_part(part, now, stamp):
                for timer_id in part:  # isolate the contested ones, claim the rest
                    await self._claim_part([timer_id], now, stamp)
        docs = [d async for d in self._timers.find({"claim": token})]
        return token, docs

    async def _claim_part(self, ids: list[str], now: datetime, stamp: Document) -> bool:
        """One short transaction, so a conflict fails fast instead of waiting.

        A replica killed mid-transaction leaves its writes locked until the server gives up
        on the transaction; a plain update would wait on them, a transaction returns a write
        conflict at once and the timers are simply tried again on a later pass.
        """
        async with self._client.start_session() as session:
            try:
                async with await session.start_transaction():
                    due = await self._timers.update_many(
                        {
                            "_id": {"$in": ids},
                            "status": TimerStatus.SCHEDULED.value,
                            "due_at": {"$lte": now},
                        },
                        stamp,
                        session=session,
                    )
                    if due.modified_count < len(ids):
                        await self._timers.update_many(
                            {
                                "_id": {"$in": ids},
                                "status": TimerStatus.FIRING.value,
                                "lease_until": {"$lt": now},
                            },
                            stamp,
                            session=session,
                        )
            except PyMongoError as exc:
                if exc.has_error_label("TransientTransactionError") or exc.has_error_label(
                    "UnknownTransactionCommitResult"
                ):
                    return False
                raise
        return True

    async def extend(self, token: str, until: datetime) -> None:
        """Keep a claim alive while a long batch is still being fired."""
        await self._timers.update_many(
            {"claim": token, "status": TimerStatus.FIRING.value}, {"$set": {"lease_until": until}}
        )

    async def complete(
        self,
        token: str,
        fired: Sequence[str],
        skipped: Sequence[str],
        now: datetime,
        session: AsyncClientSession,
        *,
        whole_claim: bool,
    ) -> bool:
        """Close claimed timers; False when any claim was lost (another replica owns it now).

        ``whole_claim``: these are all the claim's timers, so the fired ones are closed by
        token in one pass (cheaper than naming each).
        """
        closed = {
            "fired_at": now,
            "updated_at": now,
            "lease_until": None,
            "error": None,
        }
        done = 0
        rest = skipped if whole_claim else [*fired, *skipped]
        skipped_set = set(skipped)
        for part in slices(rest):
            for status in (TimerStatus.SKIPPED, TimerStatus.FIRED):
                ids = [i for i in part if (i in skipped_set) == (status == TimerStatus.SKIPPED)]
                if not ids:
                    continue
                result = await self._timers.update_many(
                    {"_id": {"$in": ids}, "claim": token, "status": TimerStatus.FIRING.value},
                    {"$set": {"status": status.value, **closed}},
                    session=session,
                )
                done += result.modified_count
        if whole_claim and fired:
            result = await self._timers.update_many(
                {"claim": token, "status": TimerStatus.FIRING.value},
                {"$set": {"status": TimerStatus.FIRED.value, **closed}},
                session=session,
            )
            done += result.modified_count
        return done == len(fired) + len(skipped)

    async def fail(self, timer_id: str, token: str, now: datetime, error: str) -> None:
        await self._settle(timer_id, token, TimerStatus.FAILED, error, fired_at=now, updated_at=now)

    async def release(self, timer_id: str, token: str, retry_at: datetime, error: str) -> None:
        await self._settle(
            timer_id, token, TimerStatus.SCHEDULED, error, due_at=retry_at, claim=None
        )

    async def _settle(
        self, timer_id: str, token: str, status: TimerStatus, error: str, **changes: Any
    ) -> None:
        """End the firing of a timer we still hold the claim of (a lost claim is left alone)."""
        await self._timers.update_one(
            {"_id": timer_id, "claim": token, "status": TimerStatus.FIRING.value},
            {"$set": {"status": status.value, **changes, "lease_until": None, "error": error}},
        )

    async def count(self, query: Document) -> int:
        return await self._timers.count_documents(query)
