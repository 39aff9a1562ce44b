"""Moves in MongoDB: one document per user, the move under way or the last one finished.

A replica works on a move under a lease (``lease_until``), saving each collection's progress
after every batch, so another replica resumes a move whose replica died where it stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from muninn_byod.moves.models import MoveDirection, MovePhase, MoveProgress, MoveStatus

MOVES = "moves"

UNFINISHED = [MovePhase.COPYING.value, MovePhase.SWITCHING.value]


def status_from_doc(doc: Mapping[str, Any]) -> MoveStatus:
    return MoveStatus(
        direction=MoveDirection(doc["direction"]),
        phase=MovePhase(doc["phase"]),
        store_id=doc["store_id"],
        progress=[MoveProgress.model_validate(p) for p in (doc.get("progress") or {}).values()],
        checks=doc.get("checks") or [],
        attempts=int(doc.get("attempts", 0)),
        error=doc.get("error"),
        started_at=doc["started_at"],
        updated_at=doc["updated_at"],
        switched_at=doc.get("switched_at"),
        hosted_copy_deleted_at=doc.get("hosted_copy_deleted_at"),
        hosted_copy_delete_after=doc.get("hosted_copy_delete_after"),
    )


class MoveStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._moves = db[MOVES]

    async def ensure_indexes(self) -> None:
        await ensure_index(self._moves, "user_id", unique=True)
        await ensure_index(self._moves, [("phase", ASCENDING), ("lease_until", ASCENDING)])
        await ensure_index(
            self._moves, [("hosted_copy_delete_after", ASCENDING), ("hosted_copy_deleted_at", 1)]
        )

    async def begin(
        self, user_id: str, store_id: str, direction: MoveDirection, now: datetime
    ) -> bool:
        """Start a move unless one is under way; a finished one is replaced."""
        fresh: dict[str, Any] = {
            "user_id": user_id,
            "store_id": store_id,
            "direction": direction.value,
            "phase": MovePhase.COPYING.value,
            "progress": {},
            "checks": [],
            "attempts": 0,
            "error": None,
            "lease_owner": None,
            "lease_until": now,
            "started_at": now,
            "updated_at": now,
            "switched_at": None,
            "hosted_copy_delete_after": None,
            "hosted_copy_deleted_at": None,
        }
        result = await self._moves.update_one(
            {"_id": user_id, "phase": {"$nin": UNFINISHED}}, {"$set": fresh}
        )
        if result.matched_count:
            return True
        if await self._moves.find_one({"_id": user_id}) is not None:
            return False
        try:
            await self._moves.insert_one({"_id": user_id, **fresh})
        except DuplicateKeyError:
            return False  # another replica began it meanwhile
        return True

    async def claim(
        self, now: datetime, until: datetime, owner: str
    ) -> tuple[str, MoveStatus] | None:
        """An unfinished move whose lease ran out, leased to ``owner``; with its user."""
        doc = await self._moves.find_one_and_update(
            {"phase": {"$in": UNFINISHED}, "lease_until": {"$lte": now}},
            {"$set": {"lease_owner": owner, "lease_until": until}},
            sort=[("lease_until", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return (doc["user_id"], status_from_doc(doc)) if doc is not None else None

    async def save_progress(self, user_id: str, owner: str, progress: MoveProgress) -> bool:
        """One collection's progress, kept only while ``owner`` holds the move."""
        result = await self._moves.update_one(
            {"_id": user_id, "lease_owner": owner},
            {"$set": {f"progress.{progress.collection}": progress.model_dump(mode="python")}},
        )
        return result.matched_count == 1

    async def update(
        self, user_id: str, owner: str, changes: Mapping[str, Any], *, release: bool = False
    ) -> bool:
        update: dict[str, Any] = {"$set": dict(changes)}
        if release:
            update["$set"]["lease_owner"] = None
        result = await self._moves.update_one({"_id": user_id, "lease_owner": owner}, update)
        return result.matched_count == 1

    async def extend(self, user_id: str, owner: str, until: datetime) -> bool:
        result = await self._moves.update_one(
            {"_id": user_id, "lease_owner": owner}, {"$set": {"lease_until": until}}
        )
        return result.matched_count == 1

    async def current(self, user_id: str) -> MoveStatus | None:
        doc = await self._moves.find_one({"_id": user_id})
        return status_from_doc(doc) if doc is not None else None

    async def claim_hosted_delete(
        self, now: datetime, until: datetime
    ) -> tuple[str, MoveStatus] | None:
        """A finished move to the user's own database whose hosted copy is due to go."""
        doc = await self._moves.find_one_and_update(
            {
                "phase": MovePhase.DONE.value,
                "direction": MoveDirection.TO_OWN.value,
                "hosted_copy_delete_after": {"$lte": now},
                "hosted_copy_deleted_at": None,
            },
            {"$set": {"hosted_copy_delete_after": until}},
            return_document=ReturnDocument.AFTER,
        )
        return (doc["user_id"], status_from_doc(doc)) if doc is not None else None

    async def hosted_copy_deleted(self, user_id: str, at: datetime) -> None:
        await self._moves.update_one({"_id": user_id}, {"$set": {"hosted_copy_deleted_at": at}})

    async def cancel_hosted_delete(self, user_id: str) -> None:
        """Moving back: the hosted copy is the destination again, not waste."""
        await self._moves.update_one(
            {"_id": user_id, "hosted_copy_deleted_at": None},
            {"$set": {"hosted_copy_delete_after": None}},
        )
