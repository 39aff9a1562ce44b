"""Keeps a replica's private vector index in step with what the other replicas write.

Locally the vectors live in Qdrant Edge, embedded in the process: one directory per process.
Two memory replicas therefore hold two indexes, and the index sync (``service.py``) writes
only the index of the replica that made the change. The follower closes that gap from
MongoDB, the record: it reads every memory and document chunk changed since its watermark
(``updated_at``, re-reading a short overlap so a transaction that committed late is not
skipped) and writes them into its own index, and it drops the vectors of users whose
erasure tombstone appeared. Against a shared Qdrant server (``MUNINN_QDRANT_URL``) every
replica sees every write already, and the follower is not started.

Search hydrates hits from MongoDB and keeps only current records, so a vector this index
still holds for a deleted or superseded record is never shown; what the follower adds is
recall: a fact stored through one replica is found through the other within an interval.

Its progress (watermark, tombstones seen, and the users whose vectors it holds, by their
erasure hash) is kept in a small JSON file beside the index, so a restart resumes instead
of re-embedding everything.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.tombstones import TOMBSTONES, subject_hash
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from muninn_memory.indexing.service import IndexSync

log = get_logger(__name__)

Doc = dict[str, Any]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATE_FILE = "follower-state.json"
_APPLY_BATCH = 256


@dataclass
class FollowerState:
    watermark: datetime = EPOCH
    tombstones_until: datetime = EPOCH
    users: dict[str, str] = field(default_factory=dict)
    """Erasure hash -> user id of every user whose records this index was given."""

    @classmethod
    def load(cls, path: Path) -> FollowerState:
        try:
            raw = json.loads(path.read_text())
            return cls(
                watermark=datetime.fromisoformat(raw["watermark"]),
                tombstones_until=datetime.fromisoformat(raw["tombstones_until"]),
                users=dict(raw["users"]),
            )
        except FileNotFoundError:
            return cls()
        except (ValueError, KeyError, TypeError) as exc:
            # A torn or foreign file: following from the start is slow but always right.
            log.warning("index follower state unreadable, starting over", error=repr(exc))
            return cls()

    def save(self, path: Path) -> None:
        partial = path.with_suffix(".tmp")
        partial.write_text(
            json.dumps(
                {
                    "watermark": self.watermark.isoformat(),
                    "tombstones_until": self.tombstones_until.isoformat(),
                    "users": self.users,
                }
            )
        )
        os.replace(partial, path)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class IndexFollower:
    def __init__(
        self,
        sync: IndexSync,
        *,
        db: AsyncDatabase[Doc],
        collections: dict[str, str],
        state_dir: Path | None,
        interval: float,
        overlap: float,
    ) -> None:
        """``collections``: index source kind -> the MongoDB collection it mirrors;
        ``state_dir``: where progress is kept (None: a throw-away index, nothing kept)."""
        self._sync = sync
        self._db = db
        self._collections = collections
        self._state_path = state_dir / STATE_FILE if state_dir is not None else None
        self._interval = interval
        self._overlap = timedelta(seconds=overlap)
        self._state = (
            FollowerState.load(self._state_path)
            if self._state_path is not None
            else FollowerState()
        )
        self._applied: dict[str, tuple[int, datetime]] = {}
        """Record id -> (index_rev, updated_at) written while inside the overlap window."""
        self.caught_up = asyncio.Event()

    @property
    def watermark(self) -> datetime:
        """The newest change this index has taken in (it rereads an overlap behind it)."""
        return self._state.watermark

    async def prepare(self) -> None:
        for collection in self._collections.values():
            await ensure_index(self._db[collection], [("updated_at", ASCENDING)])

    async def follow_once(self) -> int:
        """One pass: changed records in, erased users out. Returns how many were written."""
        since = self._state.watermark - self._overlap
        written = 0
        newest = self._state.watermark
        for kind, collection in self._collections.items():
            batch: list[Doc] = []
            cursor = self._db[collection].find({"updated_at": {"$gte": since}})
            async for doc in cursor.sort("updated_at", ASCENDING):
                updated = _aware(doc["updated_at"])
                newest = max(newest, updated)
                if self._applied.get(doc["_id"], (None,))[0] == doc.get("index_rev", 1):
                    continue
                batch.append(doc)
                if len(batch) >= _APPLY_BATCH:
                    written += await self._apply(kind, batch)
                    batch = []
            written += await self._apply(kind, batch)
        await self._drop_erased()
        self._state.watermark = newest
        horizon = newest - self._overlap
        self._applied = {k: v for k, v in self._applied.items() if v[1] >= horizon}
        if self._state_path is not None:
            self._state.save(self._state_path)
        return written

    async def _apply(self, kind: str, docs: list[Doc]) -> int:
        by_user: dict[str, list[Doc]] = defaultdict(list)
        for doc in docs:
            by_user[doc["user_id"]].append(doc)
        for user_id, own in by_user.items():
            self._state.users[subject_hash(user_id)] = user_id
            await self._sync.refresh(kind, user_id, own)
            for doc in own:
                self._applied[doc["_id"]] = (
                    int(doc.get("index_rev", 1)),
                    _aware(doc["updated_at"]),
                )
        return len(docs)

    async def _drop_erased(self) -> None:
        since = self._state.tombstones_until - self._overlap
        newest = self._state.tombstones_until
        async for tombstone in self._db[TOMBSTONES].find({"erased_at": {"$gte": since}}):
            newest = max(newest, _aware(tombstone["erased_at"]))
            user_id = self._state.users.pop(tombstone["_id"], None)
            if user_id is not None:
                await self._sync.index.delete_user(user_id)
                log.info("erased user's vectors dropped from this replica", user_id=user_id)
        self._state.tombstones_until = newest

    async def run(self) -> None:
        await self.prepare()
        while True:
            try:
                written = await self.follow_once()
                if written:
                    log.info("index follower wrote records of other replicas", written=written)
                self.caught_up.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("index follow pass failed", error=repr(exc))
            await asyncio.sleep(self._interval)
