"""The durable ingestion queue: one MongoDB document per job.

A job is written before the client gets its 202 (or, for a Kafka event, in the transaction
that marks the event applied), so an accepted input survives any crash. Workers claim jobs
atomically with a lease; a partial unique index allows one job in progress per user, which
keeps each user's messages in order (a correction is never applied before the fact it
corrects). A job's outcome commits in the same transaction as its memories, conditioned on
the claim, so a job whose worker lost its lease cannot be applied twice.

Jobs are served in *turns*, not in arrival order, so one user's backlog never holds up
another user (start-time fair queueing with one unit per job): a job's turn is the turn
being served now (the lowest turn still queued) or, if its user already has jobs waiting,
one after that user's last. A user who posts 1,000 messages gets turns t … t+999; another
user's message posted next gets turn t and is claimed as soon as a worker is free, whatever
the first backlog holds.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import update_one_and_read
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from muninn_memory.ingestion.models import JOBS, JobStatus

Doc = dict[str, Any]


class LostClaimError(RuntimeError):
    """The job was taken over (lease expired) or removed (user erased) while we worked on it."""


CLAIM_CANDIDATES = 200


class JobStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._jobs = db[JOBS]

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._jobs, [("status", ASCENDING), ("enqueued_at", ASCENDING), ("_id", ASCENDING)]
        )
        await ensure_index(
            self._jobs, [("status", ASCENDING), ("turn", ASCENDING), ("_id", ASCENDING)]
        )
        await ensure_index(
            self._jobs, [("user_id", ASCENDING), ("status", ASCENDING), ("turn", DESCENDING)]
        )
        await ensure_index(
            self._jobs,
            "user_id",
            name="one_processing_job_per_user",
            unique=True,
            partialFilterExpression={"status": JobStatus.PROCESSING.value},
        )
        await ensure_index(self._jobs, [("user_id", ASCENDING), ("created_at", ASCENDING)])

    async def insert(self, doc: Doc, session: AsyncClientSession | None = None) -> bool:
        """False if a job with this id exists already (an event delivered twice)."""
        doc["turn"] = await self.next_turn(doc["user_id"], session)
        try:
            await self._jobs.insert_one(doc, session=session)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, job_id: str, user_id: str | None = None) -> Doc | None:
        query: Doc = {"_id": job_id}
        if user_id is not None:
            query["user_id"] = user_id
        return await self._jobs.find_one(query)

    async def next_turn(self, user_id: str, session: AsyncClientSession | None = None) -> int:
        """The turn of a job this user queues now (see the module's docstring).

        Two concurrent inserts may get the same turn; ties go by arrival, so the order is
        still fair, only not strictly round-robin.
        """
        head = await self._jobs.find_one(
            {"status": JobStatus.QUEUED.value},
            {"turn": 1},
            sort=[("status", ASCENDING), ("turn", ASCENDING), ("_id", ASCENDING)],
            session=session,
        )
        turn = max(0, _turn_of(head)) if head is not None else 0
        # One status at a time: the embedded server walks every job of the user for an $in.
        for status in (JobStatus.QUEUED, JobStatus.PROCESSING):
            last = await self._jobs.find_one(
                {"user_id": user_id, "status": status.value},
                {"turn": 1},
                sort=[("user_id", ASCENDING), ("status", ASCENDING), ("turn", DESCENDING)],
                session=session,
            )
            if last is not None:
                turn = max(turn, _turn_of(last) + 1)
        return turn

    async def backlog(self) -> int:
        return await self._jobs.count_documents({"status": JobStatus.QUEUED.value})

    async def claim(
        self, *, worker: str, instance_id: str, lease_seconds: float, skip_users: set[str]
    ) -> Doc | None:
        """Take the runnable job with the lowest turn among users with nothing in progress."""
        now = datetime.now(UTC)
        candidates = sorted(
            await self._runnable(JobStatus.QUEUED, {"not_before": {"$lte": now}})
            + await self._runnable(JobStatus.PROCESSING, {"lease_until": {"$lt": now}}),
            key=lambda job: (_turn_of(job), job["enqueued_at"], job["_id"]),
        )
        tried: set[str] = set(skip_users)
        for candidate in candidates:
            user_id = candidate["user_id"]
            if user_id in tried:
                continue
            tried.add(user_id)
            claim = uuid.uuid4().hex
            try:
                # A conditional update, then a read of what it claimed: the embedded server
                # walks the whole collection for a findAndModify, even by _id (~70 ms at 2,000
                # jobs, growing with every job kept), and answers these two by index.
                taken = await self._jobs.update_one(
                    {
                        "_id": candidate["_id"],
                        "status": candidate["status"],
                        "claim": candidate.get("claim"),
                    },
                    {
                        "$set": {
                            "status": JobStatus.PROCESSING.value,
                            "claim": claim,
                            "worker": worker,
                            "worker_instance": instance_id,
                            "lease_until": now + timedelta(seconds=lease_seconds),
                            "started_at": now,
                            "updated_at": now,
                        },
                        "$inc": {"attempts": 1},
                    },
                )
            except DuplicateKeyError:
                continue  # another job of this user is in progress
            if taken.modified_count:
                doc = await self._jobs.find_one({"_id": candidate["_id"], "claim": claim})
                if doc is not None:  # else its lease already ran out and another worker took it
                    return doc
        return None

    async def _runnable(self, status: JobStatus, condition: Doc) -> list[Doc]:
        # One status at a time, not an $or of both: each query then walks the status index in
        # queue order, where the embedded server scans every job ever queued for an $or.
        cursor = (
            self._jobs.find(
                {"status": status.value, **condition},
                {"_id": 1, "user_id": 1, "status": 1, "claim": 1, "enqueued_at": 1, "turn": 1},
            )
            .sort([("status", ASCENDING), ("turn", ASCENDING), ("_id", ASCENDING)])
            .limit(CLAIM_CANDIDATES)
        )
        return await cursor.to_list(None)

    async def renew(self, job_id: str, claim: str, lease_seconds: float) -> bool:
        now = datetime.now(UTC)
        result = await self._jobs.update_one(
            {"_id": job_id, "claim": claim, "status": JobStatus.PROCESSING.value},
            {"$set": {"lease_until": now + timedelta(seconds=lease_seconds), "updated_at": now}},
        )
        return result.matched_count == 1

    async def finish(
        self, job_id: str, claim: str, result: Doc, session: AsyncClientSession
    ) -> None:
        """Mark done inside the memories' transaction; raises if the claim is no longer ours."""
        now = datetime.now(UTC)
        outcome = await self._jobs.update_one(
            {"_id": job_id, "claim": claim, "status": JobStatus.PROCESSING.value},
            {
                "$set": {
                    "status": JobStatus.DONE.value,
                    "result": result,
                    "finished_at": now,
                    "updated_at": now,
                    "lease_until": None,
                },
                # The content now lives in memories, behind the store routing; the queue keeps no copy.
                "$unset": {"payload": ""},
            },
            session=session,
        )
        if outcome.matched_count != 1:
            raise LostClaimError(job_id)

    async def retry_later(self, job_id: str, claim: str, error: str, delay_seconds: float) -> None:
        now = datetime.now(UTC)
        await self._let_go(
            job_id,
            claim,
            status=JobStatus.QUEUED,
            error=error,
            now=now,
            not_before=now + timedelta(seconds=delay_seconds),
        )

    async def fail(self, job_id: str, claim: str, error: str) -> None:
        """Give up after the last attempt; the payload stays so the job can be retried."""
        now = datetime.now(UTC)
        await self._let_go(
            job_id, claim, status=JobStatus.FAILED, error=error, now=now, finished_at=now
        )

    async def _let_go(
        self,
        job_id: str,
        claim: str,
        *,
        status: JobStatus,
        error: str,
        now: datetime,
        **times: datetime,
    ) -> None:
        """The worker holding this claim gives the job up: its lease and claim end."""
        await self._jobs.update_one(
            {"_id": job_id, "claim": claim, "status": JobStatus.PROCESSING.value},
            {
                "$set": {
                    "status": status.value,
                    "claim": None,
                    "lease_until": None,
                    "error": error,
                    "updated_at": now,
                    **times,
                }
            },
        )

    async def release(self, claims: list[str]) -> int:
        """Hand jobs back to the queue at shutdown (they were not committed)."""
        if not claims:
            return 0
        return await self._requeue({"claim": {"$in": claims}})

    async def recover_instance(self, instance_id: str) -> int:
        """At start-up: jobs this replica held before it restarted are dead claims; requeue them now."""
        return await self._requeue({"worker_instance": instance_id})

    async def _requeue(self, held_by: Doc) -> int:
        """Jobs in progress under these claims go back to the queue, runnable at once."""
        now = datetime.now(UTC)
        result = await self._jobs.update_many(
            {**held_by, "status": JobStatus.PROCESSING.value},
            {
                "$set": {
                    "status": JobStatus.QUEUED.value,
                    "claim": None,
                    "lease_until": None,
                    "updated_at": now,
                    "not_before": now,
                }
            },
        )
        return result.modified_count

    async def delete_user(self, user_id: str, session: AsyncClientSession | None = None) -> int:
        result = await self._jobs.delete_many({"user_id": user_id}, session=session)
        return result.deleted_count

    async def delete_finished_before(self, user_id: str, cutoff: datetime) -> int:
        """Finished jobs keep short excerpts in their results: retention removes them too."""
        result = await self._jobs.delete_many(
            {
                "user_id": user_id,
                "created_at": {"$lt": cutoff},
                "status": {"$in": [JobStatus.DONE.value, JobStatus.FAILED.value]},
            }
        )
        return result.deleted_count

    async def requeue_failed(self, job_id: str, user_id: str) -> Doc | None:
        now = datetime.now(UTC)
        # A retried job waits its turn like a new one instead of jumping the queue.
        turn = await self.next_turn(user_id)
        return await update_one_and_read(
            self._jobs,
            {"_id": job_id, "user_id": user_id, "status": JobStatus.FAILED.value},
            {
                "$set": {
                    "status": JobStatus.QUEUED.value,
                    "attempts": 0,
                    "error": None,
                    "turn": turn,
                    "enqueued_at": now,
                    "not_before": now,
                    "updated_at": now,
                    "finished_at": None,
                }
            },
        )


def _turn_of(job: Doc) -> int:
    # Jobs queued before turns existed have none: they are the oldest, served first.
    turn = job.get("turn")
    return -1 if turn is None else int(turn)
