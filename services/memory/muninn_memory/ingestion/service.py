"""Accepting inputs: persist a job, answer at once (or when it is done), report its status."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from muninn_shared.events import EventEnvelope
from muninn_shared.events.payloads import MessageEvent
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import mongo_deadline
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError

from muninn_memory.ingestion.models import Job, JobResult, JobStatus, MemoryCreate
from muninn_memory.ingestion.records import RecordMemory
from muninn_memory.ingestion.store import JobStore
from muninn_memory.ingestion.worker import IngestionWorkers
from muninn_memory.memories.ledger import MemoryLedger
from muninn_memory.memories.models import Memory

log = get_logger(__name__)

Doc = dict[str, Any]
EVENT_JOBS = uuid.UUID("9a0f4a52-52d4-4c43-9d0b-6f2d3c1e8b11")
BACKLOG_CACHE_SECONDS = 1.0
# How often a waiting write reads its job again. Its end here wakes the wait at once, so the
# reads are for what another replica does: a job it runs is read often, a queued one less
# and less often (every waiting request reads: ten writers waiting behind a backlog read 40
# times a second at 0.25 s, much of the embedded database's time), and one running here only
# as a backstop should its claim be lost.
POLL_PROCESSING_ELSEWHERE = 0.25
POLL_QUEUED_FIRST, POLL_QUEUED_MAX = 0.25, 1.0
POLL_RUNNING_HERE = 2.0


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def job_from_doc(doc: Doc, memories: list[Memory] | None = None) -> Job:
    result = doc.get("result")
    return Job(
        id=doc["_id"],
        status=doc["status"],
        kind=doc["kind"],
        source=doc["source"],
        infer=doc.get("infer", True),
        message_count=doc.get("message_count", 0),
        attempts=doc.get("attempts", 0),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        finished_at=doc.get("finished_at"),
        result=JobResult.model_validate(result) if result else None,
        error=doc.get("error"),
        status_url=f"/v1/memories/jobs/{doc['_id']}",
        memories=memories,
    )


class IngestionService:
    def __init__(
        self,
        jobs: JobStore,
        workers: IngestionWorkers,
        memories: MemoryLedger,
        *,
        max_backlog: int,
        max_messages: int,
        wait_timeout: float,
        ingest_assistant_messages: bool,
    ) -> None:
        self._jobs = jobs
        self._workers = workers
        self._memories = memories
        self._max_backlog = max_backlog
        self._max_messages = max_messages
        self._wait_timeout = wait_timeout
        self._assistant = ingest_assistant_messages
        self._backlog: tuple[float, int] = (0.0, 0)

    async def backlog(self) -> int:
        checked_at, value = self._backlog
        if time.monotonic() - checked_at > BACKLOG_CACHE_SECONDS:
            value = await self._jobs.backlog()
            self._backlog = (time.monotonic(), value)
        return value

    async def submit(
        self, user_id: str, body: MemoryCreate, *, scope: dict[str, str] | None = None
    ) -> Doc:
        """Queue ``body`` for ingestion. ``scope`` (identifiers an app chose inside the
        account) is stamped on every memory the job writes, and facts reconcile within it."""
        if await self.backlog() >= self._max_backlog:
            raise ProblemError(
                429,
                "Memory ingestion is saturated; retry shortly. Nothing from this request was stored.",
                code="ingestion-saturated",
                headers={"Retry-After": "2"},
            )
        now = datetime.now(UTC)
        payload: Doc = {"context": body.context}
        if scope:
            payload["scope"] = dict(scope)
        if body.messages is not None:
            if len(body.messages) > self._max_messages:
                raise ProblemError(
                    413,
                    f"At most {self._max_messages} messages per request; split the rest into further requests.",
                    code="too-many-messages",
                )
            payload["messages"] = [
                {
                    "role": m.role,
                    "content": m.content,
                    "created_at": _utc(m.created_at),
                    "message_id": m.message_id,
                    "conversation_id": m.conversation_id,
                    "metadata": m.metadata,
                }
                for m in body.messages
            ]
            # Said of the request as a whole: every memory the messages leave carries them.
            if body.metadata:
                payload["metadata"] = body.metadata
            if body.expires_at:
                payload["expires_at"] = _utc(body.expires_at)
            kind = "messages"
        else:
            assert body.content is not None
            occurred = _utc(body.occurred_at)
            payload["memory"] = {
                "content": body.content,
                "type": body.type.value if body.type else None,
                "context": body.context,
                "importance": body.importance,
                "sentiment": body.sentiment,
                "tags": body.tags,
                "metadata": body.metadata,
                "event_at": _utc(body.event_at) if body.event_at else None,
                "expires_at": _utc(body.expires_at) if body.expires_at else None,
            }
            payload["messages"] = [
                {
                    "role": "user",
                    "content": body.content,
                    "created_at": occurred,
                    "metadata": body.metadata,
                }
            ]
            kind = "memory"
        doc = self._job_doc(
            uuid.uuid4().hex,
            user_id,
            kind=kind,
            source="api",
            infer=body.infer,
            payload=payload,
            now=now,
        )
        await self._jobs.insert(doc)
        self._workers.wake()
        return doc

    def accepts(self, message: MessageEvent) -> bool:
        if not message.content.strip():
            return False
        if message.role != "user" and not (message.role == "assistant" and self._assistant):
            return False
        # A message its author marked not to be remembered (an incognito chat) is not.
        return not (
            message.metadata.get("memory") is False or message.metadata.get("incognito") is True
        )

    async def admit(self, max_wait: float = 5.0) -> None:
        """Slow an event consumer down while the backlog is over its limit (bounded)."""
        deadline = time.monotonic() + max_wait
        while await self.backlog() >= self._max_backlog and time.monotonic() < deadline:
            await asyncio.sleep(0.2)

    async def enqueue_event(
        self, event: EventEnvelope, message: MessageEvent, session: AsyncClientSession
    ) -> bool:
        """The job for a conversation message, in the transaction that marks the event applied."""
        job_id = uuid.uuid5(EVENT_JOBS, str(event.id)).hex
        metadata = dict(message.metadata)
        if message.content_truncated:
            # The event carried a prefix of a message too large for it: what arrived is
            # remembered, and its provenance says it is a part and how long the whole was.
            metadata["content_truncated"] = True
            metadata["content_length"] = message.content_length
        payload = {
            "context": message.metadata.get("context")
            if isinstance(message.metadata.get("context"), str)
            else None,
            "messages": [
                {
                    "role": message.role,
                    "content": message.content,
                    "created_at": _utc(message.created_at),
                    "message_id": message.message_id,
                    "conversation_id": message.conversation_id,
                    "metadata": metadata,
                }
            ],
        }
        doc = self._job_doc(
            job_id,
            message.user_id,
            kind="messages",
            source="conversation",
            infer=True,
            payload=payload,
            now=datetime.now(UTC),
        )
        doc["event_id"] = str(event.id)
        inserted = await self._jobs.insert(doc, session)
        # The transaction commits after the handler returns; wake the workers just after.
        asyncio.get_running_loop().call_later(0.05, self._workers.wake)
        return inserted

    async def enqueue_record(
        self, event: EventEnvelope, memory: RecordMemory, user_id: str, session: AsyncClientSession
    ) -> bool:
        """The job for a synced calendar event or e-mail, in the transaction marking it applied."""
        job_id = uuid.uuid5(EVENT_JOBS, str(event.id)).hex
        now = datetime.now(UTC)
        payload: Doc = {
            "context": None,
            "memory": {
                "content": memory.content,
                "type": memory.type.value,
                "context": None,
                "importance": None,
                "sentiment": None,
                "tags": [],
                "metadata": memory.metadata,
                "event_at": memory.event_at,
                "expires_at": None,
            },
            "messages": [
                {
                    "role": "user",
                    "content": memory.content,
                    "created_at": memory.event_at or now,
                    "metadata": memory.metadata,
                }
            ],
        }
        doc = self._job_doc(
            job_id,
            user_id,
            kind="memory",
            source="integration",
            infer=False,
            payload=payload,
            now=now,
        )
        doc["event_id"] = str(event.id)
        inserted = await self._jobs.insert(doc, session)
        asyncio.get_running_loop().call_later(0.05, self._workers.wake)
        return inserted

    @staticmethod
    def _job_doc(
        job_id: str,
        user_id: str,
        *,
        kind: str,
        source: str,
        infer: bool,
        payload: Doc,
        now: datetime,
    ) -> Doc:
        return {
            "_id": job_id,
            "user_id": user_id,
            "status": JobStatus.QUEUED.value,
            "kind": kind,
            "source": source,
            "infer": infer,
            "payload": payload,
            "message_count": len(payload.get("messages") or []),
            "attempts": 0,
            "claim": None,
            "created_at": now,
            "enqueued_at": now,
            "not_before": now,
            "updated_at": now,
        }

    async def get(self, user_id: str, job_id: str) -> Doc:
        doc = await self._jobs.get(job_id, user_id)
        if doc is None:
            raise not_found("Job")
        return doc

    async def wait(
        self, submitted: Doc, timeout: float | None = None, *, since: float | None = None
    ) -> Doc:
        """The job once done (and its memories searchable) or failed, or as it stands when
        ``timeout`` (the service's wait bound by default) has passed since ``since`` (a
        ``time.monotonic()`` reading; now by default).

        Bounded in every case, a slow database included: a waiting write must be answered
        (202 and the job) before the gateway gives up on it, or the user sees an error for a
        write that was stored.
        """
        user_id, job_id = submitted["user_id"], submitted["_id"]
        start = time.monotonic() if since is None else since
        deadline = start + (self._wait_timeout if timeout is None else timeout)
        finished = self._workers.finished_event(job_id)
        doc = submitted
        queued_reads = 0
        try:
            while (remaining := deadline - time.monotonic()) > 0:
                try:
                    with mongo_deadline(remaining):
                        doc = await self.get(user_id, job_id)
                        if doc["status"] == JobStatus.FAILED.value:
                            return doc
                        # Committed is not yet searchable: the vectors are written just after.
                        if doc["status"] == JobStatus.DONE.value and not (
                            await self._memories.pending_for_job(user_id, job_id)
                        ):
                            return doc
                except PyMongoError as exc:
                    if not exc.timeout:
                        raise
                    return doc  # the database is slower than the bound: the job as last read
                if finished.is_set():  # done here, vectors still being written
                    await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
                    continue
                if self._workers.running(job_id):
                    pause = POLL_RUNNING_HERE
                elif doc["status"] == JobStatus.QUEUED.value:
                    pause = min(POLL_QUEUED_MAX, POLL_QUEUED_FIRST * 2**queued_reads)
                    queued_reads += 1
                else:
                    pause = POLL_PROCESSING_ELSEWHERE
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(remaining, pause)):
                        await finished.wait()
            return doc
        finally:
            self._workers.forget(job_id)

    async def erase_user(self, user_id: str, session: AsyncClientSession) -> int:
        """Remove every job of the user, queued or finished, in the erasure's transaction."""
        return await self._jobs.delete_user(user_id, session)

    async def delete_finished_before(self, user_id: str, cutoff: datetime) -> int:
        """Finished jobs created before ``cutoff``: retention removes their excerpts too."""
        return await self._jobs.delete_finished_before(user_id, cutoff)

    async def retry(self, user_id: str, job_id: str) -> Doc:
        doc = await self._jobs.requeue_failed(job_id, user_id)
        if doc is None:
            await self.get(user_id, job_id)
            raise ProblemError(409, "Only a failed job can be retried.", code="job-not-failed")
        self._workers.wake()
        return doc
