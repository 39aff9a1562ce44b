"""Background work that one replica at a time does, at most once per interval.

A lease document in MongoDB says who runs a job and when it last ran, so replicas share the
schedule: whoever takes the lease first after the interval has passed runs it, the others
skip, and a restarted replica does not re-run what ran a minute ago. The checking itself
runs as a periodic step of the service's BackgroundTasks (see :meth:`PeriodicJob.schedule`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.background import BackgroundTasks
from muninn_shared.storage.mongo import update_one_and_read
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]
LEASES = "memory_job_leases"
Work = Callable[[datetime], Awaitable[Any]]


class PeriodicJob:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        name: str,
        work: Work,
        *,
        interval: float,
        lease_seconds: float = 600.0,
        poll: float | None = None,
        start_delay: float = 0.0,
    ) -> None:
        self._leases = db[LEASES]
        self.name = name
        self._work = work
        self._interval = interval
        self._lease = lease_seconds
        self._poll = poll if poll is not None else min(interval, 60.0)
        self._start_delay = start_delay
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"

    async def _acquire(self, now: datetime) -> bool:
        try:
            doc = await update_one_and_read(
                self._leases,
                {
                    "_id": self.name,
                    "$or": [{"owner": self._owner}, {"until": {"$lt": now}}],
                },
                {"$set": {"owner": self._owner, "until": now + timedelta(seconds=self._lease)}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # another replica holds it
        return doc is not None and doc.get("owner") == self._owner

    async def run_once(self, *, force: bool = False) -> bool:
        """Run the job if it is due (or ``force``) and no other replica is running it."""
        now = datetime.now(UTC)
        if not await self._acquire(now):
            return False
        try:
            lease = await self._leases.find_one({"_id": self.name})
            last = lease.get("last_run_at") if lease else None
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=UTC)
            if not force and last is not None and now - last < timedelta(seconds=self._interval):
                return False
            await self._work(now)
            await self._leases.update_one(
                {"_id": self.name, "owner": self._owner}, {"$set": {"last_run_at": now}}
            )
            return True
        finally:
            await self._leases.update_one(
                {"_id": self.name, "owner": self._owner}, {"$set": {"until": now}}
            )

    def schedule(self, background: BackgroundTasks) -> None:
        """Check whether the job is due every poll, the first check after ``start_delay``; a
        failed round is logged there and retried at the next check (the record is in MongoDB)."""
        background.every(
            f"memory-job:{self.name}", self._poll, self.run_once, start_delay=self._start_delay
        )
