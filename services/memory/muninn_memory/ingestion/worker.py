"""A bounded pool of workers draining the durable job queue.

Back-pressure: at most ``workers`` jobs run at once per process, whatever arrives; the rest
wait in MongoDB (never in memory), and producers are slowed or told to retry once the
backlog passes its limit (see ``service.py``). A failing job is retried with backoff and
marked failed — with its input kept — after its last attempt.

The worker loops run under the service's BackgroundTasks (:meth:`IngestionWorkers.schedule`):
claims left by an earlier life are recovered before they start (:meth:`recover`) and claims
interrupted by a stop are handed back after they end (:meth:`hand_back`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from datetime import UTC, datetime
from typing import Any

from muninn_shared.background import BackgroundTasks
from muninn_shared.logging import get_logger
from muninn_shared.metrics import METRICS
from muninn_shared.model_calls import on_behalf_of
from muninn_shared.storage.routed import across_stores, first_across_stores, serving
from muninn_shared.storage.routes import RouteTable

from muninn_memory.ingestion.pipeline import IngestionPipeline
from muninn_memory.ingestion.store import JobStore, LostClaimError
from muninn_memory.retrieval.timing import recording

log = get_logger(__name__)

Doc = dict[str, Any]


class IngestionWorkers:
    def __init__(
        self,
        jobs: JobStore,
        pipeline: IngestionPipeline,
        *,
        workers: int,
        lease_seconds: float,
        poll_interval: float,
        instance_id: str,
        max_attempts: int,
        routes: RouteTable | None = None,
    ) -> None:
        """``routes``: BYOD users' own databases, whose jobs are queued there."""
        self._routes = routes
        self._jobs = jobs
        self._pipeline = pipeline
        self._count = workers
        self._lease = lease_seconds
        self._poll = poll_interval
        self._instance = instance_id
        self._max_attempts = max_attempts
        self._name = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._wakeup = asyncio.Event()
        self._busy_users: set[str] = set()
        self._claims: set[str] = set()
        self._running: set[str] = set()
        self._finished: dict[str, asyncio.Event] = {}
        self.processed = 0

    async def queued_everywhere(self) -> int:
        """Jobs waiting to run, on main and in every BYOD user's own database (theirs are
        queued there), for the backlog gauge."""
        return sum(await across_stores(self._routes, self._jobs.backlog))

    def wake(self) -> None:
        self._wakeup.set()

    def finished_event(self, job_id: str) -> asyncio.Event:
        """Set when this process finishes ``job_id`` (waiters also poll: another replica may run it)."""
        return self._finished.setdefault(job_id, asyncio.Event())

    def forget(self, job_id: str) -> None:
        self._finished.pop(job_id, None)

    def running(self, job_id: str) -> bool:
        """Whether a worker of this process is running ``job_id`` now (its end sets the
        job's finished event)."""
        return job_id in self._running

    async def recover(self) -> None:
        """Take back this instance's claims from before a restart; before the loops start."""
        recovered = sum(
            await across_stores(self._routes, lambda: self._jobs.recover_instance(self._instance))
        )
        if recovered:
            log.info("ingestion jobs recovered from before a restart", jobs=recovered)

    def schedule(self, background: BackgroundTasks) -> None:
        """The ``workers`` loops, each a task of ``background``."""
        for number in range(self._count):
            background.add(f"memory-ingestion-{number}", self.run)

    async def hand_back(self) -> None:
        """Once the loops are stopped: interrupted jobs did not commit; hand them straight
        back instead of waiting for their leases to lapse."""
        with contextlib.suppress(Exception):
            claims = list(self._claims)
            released = sum(await across_stores(self._routes, lambda: self._jobs.release(claims)))
            if released:
                log.info("ingestion jobs handed back at shutdown", jobs=released)
        self._claims.clear()

    async def run(self) -> None:
        """One worker: claim a job, run it, repeat; wait for a wake-up or the poll when idle."""
        while True:
            try:
                claiming = time.perf_counter()
                job, route = await first_across_stores(self._routes, self._claim)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("ingestion queue unavailable", error=repr(exc))
                await asyncio.sleep(min(self._poll * 4, 2.0))
                continue
            if job is None:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a cancellation
                # that arrives as the event is set, and this loop would never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll):
                        await self._wakeup.wait()
                self._wakeup.clear()
                continue
            # The job's model calls (extraction, embeddings) are its user's usage; where its time
            # goes, stage by stage (claim, plan, embed, transaction, index).
            with (
                serving(route),
                on_behalf_of(job.get("user_id")),
                recording(METRICS.ingestion_stage_duration) as timings,
            ):
                timings.add("claim", time.perf_counter() - claiming)
                await self._process(job)

    async def _claim(self) -> Doc | None:
        return await self._jobs.claim(
            worker=self._name,
            instance_id=self._instance,
            lease_seconds=self._lease,
            skip_users=set(self._busy_users),
        )

    async def _process(self, job: Doc) -> None:
        user_id, claim = job["user_id"], job["claim"]
        self._busy_users.add(user_id)
        self._claims.add(claim)
        self._running.add(job["_id"])
        heartbeat = asyncio.create_task(self._heartbeat(job["_id"], claim))
        interrupted = False
        try:
            await self._pipeline.run(job)
            self.processed += 1
            METRICS.time_to_searchable.record(_seconds_since(job.get("created_at")))
            self._notify(job["_id"])
        except LostClaimError:
            log.warning("ingestion job taken over or removed; not applied here", job_id=job["_id"])
        except asyncio.CancelledError:
            interrupted = True
            raise
        except Exception as exc:
            await self._failed(job, claim, exc)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            self._busy_users.discard(user_id)
            self._running.discard(job["_id"])
            if not interrupted:  # an interrupted claim is released by hand_back()
                self._claims.discard(claim)
            # The user's next job may be waiting on this one.
            self._wakeup.set()

    async def _failed(self, job: Doc, claim: str, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        attempts = int(job.get("attempts", 1))
        try:
            if attempts >= self._max_attempts:
                log.error("ingestion job failed", job_id=job["_id"], attempts=attempts, error=error)
                await self._jobs.fail(job["_id"], claim, error)
                self._notify(job["_id"])
            else:
                log.warning(
                    "ingestion job will be retried",
                    job_id=job["_id"],
                    attempts=attempts,
                    error=error,
                )
                await self._jobs.retry_later(
                    job["_id"], claim, error, min(30.0, 0.5 * 2 ** (attempts - 1))
                )
        except Exception as store_error:  # the lease will expire and another worker retries
            log.warning(
                "could not record an ingestion failure", job_id=job["_id"], error=repr(store_error)
            )

    def _notify(self, job_id: str) -> None:
        event = self._finished.get(job_id)
        if event is not None:
            event.set()

    async def _heartbeat(self, job_id: str, claim: str) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            with contextlib.suppress(Exception):
                if not await self._jobs.renew(job_id, claim, self._lease):
                    return


def _seconds_since(moment: object) -> float:
    """Seconds from ``moment`` (a job's creation) to now; 0 for a job without one."""
    if not isinstance(moment, datetime):
        return 0.0
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - aware).total_seconds())
