"""Interactions in MongoDB (``interactions``), one document per (contact, moment).

A synced interaction's id is ``<record_id>:<contact_id>`` and its ``external_id`` the synced
record's id, so a re-synced message is one document; one logged by hand has a random id and
an ``external_id`` only when its caller gave one (idempotency).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from muninn_shared.pagination import fetch_page
from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING, DeleteOne, InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from muninn_integrations.interactions.models import EDITABLE_SOURCES, InteractionRecord
from muninn_integrations.interactions.strength import Activity

INTERACTIONS = "interactions"
# One document per recurring meeting that gave interactions: how far ahead its occurrences
# were derived and when they are next rolled forward (``InteractionService.roll_forward``).
SERIES = "interaction_series"
# One document per day the strength sweep ran, and one per one-off task done (no user data).
SWEEPS = "relationship_sweeps"
RHYTHM_MOMENTS = 50  # the most recent interactions a contact's rhythm is learnt from
MAX_THREAD_SCAN = 500
FEW_CONTACTS = 50
SWEEP_KEPT_SECONDS = 30 * 86_400

Doc = dict[str, Any]
Session = AsyncClientSession | None
ContactKey = tuple[str, str]  # (user_id, contact_id)


def interaction_from_doc(doc: Mapping[str, Any]) -> InteractionRecord:
    return InteractionRecord(
        id=doc["_id"],
        contact_id=doc["contact_id"],
        kind=doc["kind"],
        direction=doc["direction"],
        subject=doc.get("subject"),
        summary=doc.get("summary"),
        sentiment=float(doc.get("sentiment") or 0.0),
        occurred_at=doc["occurred_at"],
        duration_minutes=doc.get("duration_minutes"),
        attendees=doc.get("attendees") or [],
        external_id=doc.get("external_id"),
        source=doc["source"],
        source_record_id=doc.get("source_record_id"),
        thread_id=doc.get("thread_id"),
        metadata=doc.get("metadata") or {},
        editable=doc["source"] in EDITABLE_SOURCES,
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


class InteractionStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._interactions = db[INTERACTIONS]
        self._sweeps = db[SWEEPS]
        self._series = db[SERIES]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._interactions,
            [("user_id", ASCENDING), ("contact_id", ASCENDING), ("external_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"external_id": {"$type": "string"}},
        )
        await ensure_index(
            self._interactions,
            [
                ("user_id", ASCENDING),
                ("contact_id", ASCENDING),
                ("occurred_at", DESCENDING),
                ("_id", DESCENDING),
            ],
        )
        await ensure_index(
            self._interactions, [("user_id", ASCENDING), ("source_record_id", ASCENDING)]
        )
        await ensure_index(
            self._interactions, [("user_id", ASCENDING), ("connection_id", ASCENDING)]
        )
        await ensure_index(
            self._sweeps, [("claimed_at", ASCENDING)], expireAfterSeconds=SWEEP_KEPT_SECONDS
        )
        await ensure_index(self._series, [("due_at", ASCENDING)])
        await ensure_index(self._series, [("user_id", ASCENDING), ("connection_id", ASCENDING)])

    async def claim_sweep(self, day: str, now: datetime) -> bool:
        """True for the first caller of the day (across replicas)."""
        try:
            await self._sweeps.insert_one({"_id": day, "claimed_at": now})
        except DuplicateKeyError:
            return False
        return True

    async def save_series(
        self, user_id: str, record_id: str, fields: Mapping[str, Any], session: Session
    ) -> None:
        await self._series.update_one(
            {"_id": record_id, "user_id": user_id},
            {"$set": {"user_id": user_id, **fields}},
            upsert=True,
            session=session,
        )

    async def seed_series(self, user_id: str, record_id: str, fields: Mapping[str, Any]) -> None:
        """A marker for a series that has none (one that has keeps its own)."""
        await self._series.update_one(
            {"_id": record_id, "user_id": user_id},
            {"$setOnInsert": {"user_id": user_id, **fields}},
            upsert=True,
        )

    async def once_done(self, name: str) -> bool:
        return await self._sweeps.find_one({"_id": name}) is not None

    async def mark_once_done(self, name: str, now: datetime) -> None:
        # No ``claimed_at``: the sweeps' expiry never takes it.
        try:
            await self._sweeps.insert_one({"_id": name, "done_at": now})
        except DuplicateKeyError:
            return

    async def forget_series(
        self, user_id: str, record_ids: Sequence[str], session: Session
    ) -> None:
        if record_ids:
            await self._series.delete_many(
                {"user_id": user_id, "_id": {"$in": list(record_ids)}}, session=session
            )

    async def forget_connection_series(
        self, user_id: str, connection_id: str, session: Session
    ) -> None:
        await self._series.delete_many(
            {"user_id": user_id, "connection_id": connection_id}, session=session
        )

    async def claim_due_series(self, now: datetime, retry_at: datetime) -> Doc | None:
        """The series longest due for rolling forward, claimed until ``retry_at`` (another
        replica's run passes it by; a roll that failed is tried again then)."""
        found: Doc | None = await self._series.find_one_and_update(
            {"due_at": {"$lte": now}},
            {"$set": {"due_at": retry_at}},
            sort=[("due_at", ASCENDING)],
        )
        return found

    async def get(self, user_id: str, interaction_id: str, session: Session = None) -> Doc | None:
        return await self._interactions.find_one(
            {"_id": interaction_id, "user_id": user_id}, session=session
        )

    async def by_external_id(
        self, user_id: str, contact_id: str, external_id: str, session: Session = None
    ) -> Doc | None:
        return await self._interactions.find_one(
            {"user_id": user_id, "contact_id": contact_id, "external_id": external_id},
            session=session,
        )

    async def from_records(
        self, user_id: str, record_ids: Sequence[str], session: Session
    ) -> list[Doc]:
        if not record_ids:
            return []
        found = self._interactions.find(
            {"user_id": user_id, "source_record_id": {"$in": list(record_ids)}}, session=session
        )
        return await found.to_list(None)

    async def of_contact(self, user_id: str, contact_id: str, session: Session) -> list[Doc]:
        found = self._interactions.find(
            {"user_id": user_id, "contact_id": contact_id}, session=session
        )
        return await found.to_list(None)

    async def of_connection(self, user_id: str, connection_id: str, session: Session) -> list[Doc]:
        found = self._interactions.find(
            {"user_id": user_id, "connection_id": connection_id},
            {"contact_id": 1, "source_record_id": 1, "source": 1, "occurred_at": 1},
            session=session,
        )
        return await found.to_list(None)

    async def insert(self, doc: Doc, session: Session = None) -> None:
        await self._interactions.insert_one(doc, session=session)

    async def set(
        self, user_id: str, interaction_id: str, changes: Mapping[str, Any], session: Session
    ) -> bool:
        result = await self._interactions.update_one(
            {"_id": interaction_id, "user_id": user_id}, {"$set": dict(changes)}, session=session
        )
        return result.matched_count == 1

    async def delete(self, user_id: str, ids: Iterable[str], session: Session) -> int:
        wanted = list(ids)
        if not wanted:
            return 0
        result = await self._interactions.delete_many(
            {"user_id": user_id, "_id": {"$in": wanted}}, session=session
        )
        return result.deleted_count

    async def write(
        self, operations: Sequence[InsertOne[Doc] | UpdateOne | DeleteOne], session: Session
    ) -> None:
        if operations:
            await self._interactions.bulk_write(list(operations), ordered=True, session=session)

    async def page(
        self,
        user_id: str,
        contact_id: str,
        *,
        kind: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[InteractionRecord], str | None]:
        query: Doc = {"user_id": user_id, "contact_id": contact_id}
        if kind is not None:
            query["kind"] = kind
        return await fetch_page(
            self._interactions,
            query,
            limit=limit,
            cursor=cursor,
            convert=interaction_from_doc,
            field="occurred_at",
        )

    async def recent(
        self, user_id: str, contact_id: str, limit: int, before: datetime | None = None
    ) -> list[Doc]:
        query: Doc = {"user_id": user_id, "contact_id": contact_id}
        if before is not None:
            query["occurred_at"] = {"$lte": before}
        found = self._interactions.find(query).sort([("occurred_at", DESCENDING), ("_id", -1)])
        return await found.to_list(limit)

    async def threaded_mail(self, user_id: str, contact_id: str) -> list[Doc]:
        """The contact's e-mail interactions that belong to a thread, newest first (bounded)."""
        found = self._interactions.find(
            {
                "user_id": user_id,
                "contact_id": contact_id,
                "kind": "email",
                "thread_id": {"$type": "string"},
            }
        ).sort([("occurred_at", DESCENDING), ("_id", DESCENDING)])
        return await found.to_list(MAX_THREAD_SCAN)

    async def activity(
        self,
        contacts: Sequence[ContactKey],
        now: datetime,
        window_start: datetime,
        session: Session = None,
        *,
        whole_users: bool = False,
    ) -> dict[ContactKey, Activity]:
        """Each contact's activity up to ``now`` (see ``strength.Activity``).

        A few contacts are matched by id (a short ``$in`` per user, by index); a batch of
        ``whole_users`` (every contact of its users) by user alone. The match names no time:
        a time range beside an ``$in`` sends the embedded MongoDB-protocol server scanning,
        so interactions still to come are left out afterwards.
        """
        if not contacts:
            return {}
        users = sorted({user for user, _ in contacts})
        matches: list[Doc] = []
        if whole_users:
            matches.append({"user_id": users[0] if len(users) == 1 else {"$in": users}})
        else:
            for user in users:
                ids = sorted({contact for owner, contact in contacts if owner == user})
                for start in range(0, len(ids), FEW_CONTACTS):
                    chunk = ids[start : start + FEW_CONTACTS]
                    matches.append({"user_id": user, "contact_id": {"$in": chunk}})
        wanted = set(contacts)
        found: dict[ContactKey, Activity] = {}
        for match in matches:
            pipeline: list[Doc] = [
                {"$match": match},
                {
                    "$group": {
                        "_id": {"u": "$user_id", "c": "$contact_id"},
                        "seen": {"$push": ["$occurred_at", "$direction", "$sentiment"]},
                    }
                },
            ]
            async for row in await self._interactions.aggregate(pipeline, session=session):
                key = (row["_id"]["u"], row["_id"]["c"])
                if key in wanted:
                    found[key] = activity_of(row["seen"], window_start, now)
        return found


def activity_of(seen: Sequence[Sequence[Any]], window_start: datetime, now: datetime) -> Activity:
    """``seen``: (occurred_at, direction, sentiment) of each interaction, in any order; those
    after ``now`` have not happened yet and do not count."""
    past = [item for item in seen if item[0] <= now]
    moments = sorted((item[0] for item in past), reverse=True)
    directions = {"inbound": 0, "outbound": 0, "mutual": 0}
    in_window = 0
    mood = 0.0
    for at, direction, sentiment in past:
        if at < window_start:
            continue
        in_window += 1
        if direction in directions:
            directions[direction] += 1
        mood += float(sentiment or 0.0)
    return Activity(
        last_at=moments[0] if moments else None,
        moments=moments[:RHYTHM_MOMENTS],
        in_window=in_window,
        inbound=directions["inbound"],
        outbound=directions["outbound"],
        mutual=directions["mutual"],
        sentiment_sum=mood,
    )
