"""Briefings in MongoDB.

``briefings``: one pending briefing per (meeting, contact), its meeting's times and when it is
next due to be written (``due_at``), leased by the replica writing it. ``contact_memories``:
every contact memory announced and still current, with the data announced and its digest, so
unchanged content is not announced again and ``/memories`` can list them. ``briefing_jobs``:
the lease of the daily summary pass (no user data).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from muninn_integrations.briefings.models import ContactMemoryOut
from muninn_integrations.synced_records import connection_records

BRIEFINGS = "briefings"
CONTACT_MEMORIES = "contact_memories"
BRIEFING_JOBS = "briefing_jobs"

Doc = dict[str, Any]
Session = AsyncClientSession | None


def digest_of(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def memory_from_doc(doc: Mapping[str, Any]) -> ContactMemoryOut:
    data = doc.get("data") or {}
    return ContactMemoryOut(
        id=doc["_id"],
        contact_id=doc["contact_id"],
        kind=doc["kind"],
        title=data.get("title") or "",
        content=data.get("content") or "",
        confidence=data.get("confidence") or 0.0,
        source_interactions=data.get("source_interactions") or [],
        expires_at=data.get("expires_at"),
        event_record_id=data.get("event_record_id"),
        event_title=data.get("event_title"),
        event_start=data.get("event_start"),
        deliver_at=data.get("deliver_at"),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


class BriefingStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._briefings = db[BRIEFINGS]
        self._memories = db[CONTACT_MEMORIES]
        self._jobs = db[BRIEFING_JOBS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._briefings, [("user_id", ASCENDING), ("event_record_id", ASCENDING)]
        )
        await ensure_index(
            self._briefings,
            [("user_id", ASCENDING), ("contact_id", ASCENDING), ("event_start", ASCENDING)],
        )
        await ensure_index(self._briefings, [("user_id", ASCENDING), ("connection_id", ASCENDING)])
        await ensure_index(self._briefings, [("due_at", ASCENDING)])
        await ensure_index(self._briefings, [("event_end", ASCENDING)])
        await ensure_index(self._briefings, [("recurring", ASCENDING), ("event_start", ASCENDING)])
        await ensure_index(
            self._memories,
            [
                ("user_id", ASCENDING),
                ("contact_id", ASCENDING),
                ("updated_at", DESCENDING),
                ("_id", DESCENDING),
            ],
        )
        await ensure_index(self._memories, [("user_id", ASCENDING), ("event_record_id", ASCENDING)])
        await ensure_index(self._memories, [("expires_at", ASCENDING)])

    # --- pending briefings ------------------------------------------------------------------

    async def briefings_for_events(
        self, user_id: str, event_record_ids: Sequence[str], session: Session
    ) -> list[Doc]:
        found = self._briefings.find(
            {"user_id": user_id, "event_record_id": {"$in": list(event_record_ids)}},
            session=session,
        )
        return await found.to_list(None)

    async def briefings_of_connection(
        self, user_id: str, connection_id: str, session: Session
    ) -> list[Doc]:
        return await connection_records(self._briefings, user_id, connection_id, session)

    async def briefing(self, briefing_id: str, session: Session = None) -> Doc | None:
        return await self._briefings.find_one({"_id": briefing_id}, session=session)

    async def next_briefing(self, user_id: str, contact_id: str, now: datetime) -> Doc | None:
        """The contact's next meeting with a pending briefing."""
        found = self._briefings.find(
            {"user_id": user_id, "contact_id": contact_id, "event_start": {"$gt": now}}
        )
        docs = await found.sort("event_start", ASCENDING).limit(1).to_list(1)
        return docs[0] if docs else None

    async def insert_briefing(self, doc: Doc, session: Session) -> None:
        await self._briefings.insert_one(doc, session=session)

    async def set_briefing(
        self, briefing_id: str, changes: Mapping[str, Any], session: Session
    ) -> None:
        await self._briefings.update_one(
            {"_id": briefing_id}, {"$set": dict(changes)}, session=session
        )

    async def delete_briefing(self, briefing_id: str, session: Session) -> None:
        await self._briefings.delete_one({"_id": briefing_id}, session=session)

    async def claim_due(self, now: datetime, owner: str, until: datetime) -> Doc | None:
        """A briefing due to be written for a meeting still ahead, leased to ``owner``; None
        when there is none (or another replica took it first)."""
        return await update_one_and_read(
            self._briefings,
            {
                "due_at": {"$lte": now},
                "event_start": {"$gt": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}],
            },
            {"$set": {"lease_owner": owner, "lease_until": until}},
        )

    async def claim_passed_series(self, now: datetime, owner: str, until: datetime) -> Doc | None:
        """A briefing of a recurring meeting whose occurrence has begun, leased to ``owner``."""
        return await update_one_and_read(
            self._briefings,
            {
                "recurring": True,
                "event_start": {"$lte": now},
                "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}],
            },
            {"$set": {"lease_owner": owner, "lease_until": until}},
        )

    async def finish(
        self, briefing_id: str, owner: str, changes: Mapping[str, Any], session: Session
    ) -> bool:
        """Release the lease with the outcome, if ``owner`` still holds it."""
        result = await self._briefings.update_one(
            {"_id": briefing_id, "lease_owner": owner},
            {"$set": {**changes, "lease_owner": None, "lease_until": None}},
            session=session,
        )
        return result.matched_count == 1

    async def forget_past(self, before: datetime) -> int:
        """Briefings of meetings that ended before ``before``, and memories expired by then."""
        gone = await self._briefings.delete_many({"event_end": {"$lt": before}})
        expired = await self._memories.delete_many({"expires_at": {"$lt": before}})
        return gone.deleted_count + expired.deleted_count

    # --- announced contact memories ---------------------------------------------------------

    async def memories(self, ids: Sequence[str], session: Session) -> dict[str, Doc]:
        if not ids:
            return {}
        found = self._memories.find({"_id": {"$in": list(ids)}}, session=session)
        return {doc["_id"]: doc async for doc in found}

    async def memories_of_briefing(
        self, user_id: str, event_record_id: str, contact_id: str, session: Session
    ) -> list[Doc]:
        found = self._memories.find(
            {"user_id": user_id, "event_record_id": event_record_id, "contact_id": contact_id},
            session=session,
        )
        return await found.sort("_id", ASCENDING).to_list(None)

    async def memory(self, memory_id: str, session: Session = None) -> Doc | None:
        return await self._memories.find_one({"_id": memory_id}, session=session)

    async def save_memory(
        self,
        memory_id: str,
        user_id: str,
        fields: Mapping[str, Any],
        now: datetime,
        session: Session,
    ) -> None:
        await self._memories.update_one(
            {"_id": memory_id, "user_id": user_id},
            {"$set": {**fields, "updated_at": now}, "$setOnInsert": {"created_at": now}},
            upsert=True,
            session=session,
        )

    async def set_basis(self, memory_id: str, basis_at: datetime, session: Session) -> None:
        await self._memories.update_one(
            {"_id": memory_id}, {"$set": {"basis_at": basis_at}}, session=session
        )

    async def delete_memories(self, ids: Sequence[str], session: Session) -> None:
        if ids:
            await self._memories.delete_many({"_id": {"$in": list(ids)}}, session=session)

    async def page(
        self,
        user_id: str,
        contact_id: str,
        *,
        kind: str | None,
        now: datetime,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[ContactMemoryOut], str | None]:
        query: Doc = {
            "user_id": user_id,
            "contact_id": contact_id,
            "$or": [{"expires_at": None}, {"expires_at": {"$gt": now}}],
        }
        if kind is not None:
            query["kind"] = kind
        return await fetch_page(
            self._memories,
            query,
            limit=limit,
            cursor=cursor,
            convert=memory_from_doc,
            field="updated_at",
        )

    # --- the summary pass ---------------------------------------------------------------------

    async def claim_job(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        """Run job ``name`` until ``until`` unless another run holds it."""
        try:
            await self._jobs.update_one(
                {"_id": name, "lease_until": {"$lte": now}},
                {"$set": {"owner": owner, "lease_until": until}},
                upsert=True,
            )
        except DuplicateKeyError:  # held: the filter missed and the upsert met the live one
            return False
        return True
