"""Keeps the vector index in step with MongoDB.

Writers mark memories ``index_state: pending`` in their transaction and call :meth:`sync`
right after committing; a background sweep picks up whatever a crash left pending. Active
memories are upserted; superseded and deleted ones are removed, so search only ever sees
what is current.

The sweep leaves alone the records a writer of this process is about to sync itself
(:meth:`writing`): they are pending from their commit until the writer marks them, which
under a steady stream of ingestion jobs is most of the time, and a sweep that took them
would embed every job's memories a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from muninn_shared.logging import get_logger
from muninn_shared.model_calls import on_behalf_of
from muninn_shared.storage.routed import across_stores
from muninn_shared.storage.routes import RouteTable
from muninn_shared.storage.tombstones import ErasureTombstones
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from muninn_memory.retrieval.port import IndexedMemory, MemoryIndex
from muninn_memory.retrieval.timing import stage

log = get_logger(__name__)

Doc = dict[str, Any]


class IndexSource(Protocol):
    """A MongoDB collection whose documents the index mirrors (memories, document chunks)."""

    @property
    def kind(self) -> str: ...

    async def many(self, user_id: str, ids: list[str]) -> list[Doc]: ...

    async def pending_in(self, db: AsyncDatabase[Doc], limit: int) -> list[Doc]: ...

    async def pending_count(self, db: AsyncDatabase[Doc], limit: int) -> int: ...

    async def mark_synced(self, user_id: str, revisions: dict[str, int], model_id: str) -> None: ...

    def searchable(self, doc: Doc) -> bool: ...

    def to_indexed(self, doc: Doc) -> IndexedMemory: ...


class IndexSync:
    def __init__(
        self,
        index: MemoryIndex,
        *,
        sweep_db: AsyncDatabase[Doc],
        tombstones: ErasureTombstones,
        interval: float = 5.0,
        batch: int = 256,
        routes: RouteTable | None = None,
    ) -> None:
        """``routes``: BYOD users' own databases, swept like the main one."""
        self._sources: dict[str, IndexSource] = {}
        self._index = index
        self._sweep_db = sweep_db
        self._routes = routes
        self._tombstones = tombstones
        self._interval = interval
        self._batch = batch
        self._lock = asyncio.Lock()
        self._writing: Counter[str] = Counter()

    @property
    def index(self) -> MemoryIndex:
        return self._index

    def register(self, source: IndexSource) -> None:
        self._sources[source.kind] = source

    @contextlib.contextmanager
    def writing(self, ids: Iterable[str]) -> Iterator[None]:
        """Around a write and the :meth:`sync` that follows it: the sweep skips these records
        meanwhile (a record is in this process's hands; a crash leaves it to the sweep)."""
        held = list(ids)
        self._writing.update(held)
        try:
            yield
        finally:
            self._writing.subtract(held)
            for record_id in held:
                if self._writing[record_id] <= 0:
                    del self._writing[record_id]

    async def sync(self, user_id: str, ids: list[str], kind: str = "memory") -> None:
        """Bring the index up to date for these records (any status)."""
        if not ids:
            return
        source = self._sources[kind]
        with self.writing(ids):
            with stage("index.read"):
                docs = await source.many(user_id, ids)
            await self._apply(source, user_id, docs)

    async def prepare(self, user_id: str, docs: list[Doc], kind: str = "memory") -> None:
        """Embed what these records (about to be committed) will be indexed as, so that the
        sync after their commit finds the vectors ready: a writer runs this beside its
        transaction. The text indexed is decided by the record alone, so nothing the
        transaction changes makes these vectors stale; a failure only leaves the work to the sync."""
        source = self._sources[kind]
        memories = [source.to_indexed(d) for d in docs if source.searchable(d)]
        if memories:
            await self._index.prepare(user_id, memories)

    async def try_sync(self, user_id: str, ids: list[str], kind: str = "memory") -> None:
        """:meth:`sync`, leaving failures to the sweep: the write is already safe in MongoDB."""
        try:
            await self.sync(user_id, ids, kind)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("index write deferred to the sweep", user_id=user_id, error=repr(exc))

    async def refresh(self, kind: str, user_id: str, docs: list[Doc]) -> None:
        """Write these records (read by the caller) into this process's index only, leaving
        their sync state alone: how a replica with a private index follows the others."""
        await self._apply(self._sources[kind], user_id, docs, mark=False)

    async def _apply(
        self, source: IndexSource, user_id: str, docs: list[Doc], *, mark: bool = True
    ) -> None:
        if not docs:
            return
        active = [d for d in docs if source.searchable(d)]
        gone = [d["_id"] for d in docs if not source.searchable(d)]
        if active:
            # Embedding them is this user's usage, also when the sweep or a follower writes.
            with on_behalf_of(user_id):
                await self._index.upsert([source.to_indexed(d) for d in active])
        if gone:
            await self._index.delete(user_id, gone)
        # An erasure can commit between our read and the vector write: never leave its vectors.
        if await self._tombstones.is_erased(user_id):
            await self._index.delete_user(user_id)
            return
        if not mark:
            return
        with stage("index.mark"):
            await source.mark_synced(
                user_id, {d["_id"]: int(d.get("index_rev", 1)) for d in docs}, self._index.model_id
            )

    async def pending_counts(self, limit: int) -> dict[str, int]:
        """Per kind of record, how many in the main database wait for the index (up to
        ``limit`` each); what the sweep has yet to pick up."""
        return {
            kind: await source.pending_count(self._sweep_db, limit)
            for kind, source in self._sources.items()
        }

    async def sweep_once(self) -> int:
        async with self._lock:
            swept = 0
            for source in list(self._sources.values()):
                found = await source.pending_in(self._sweep_db, self._batch)
                pending = [doc for doc in found if doc["_id"] not in self._writing]
                by_user: dict[str, list[Doc]] = defaultdict(list)
                for doc in pending:
                    by_user[doc["user_id"]].append(doc)
                for user_id, docs in by_user.items():
                    await self._apply(source, user_id, docs)
                # Records being written here are not a backlog to go round again for at once.
                swept = max(swept, len(pending))
            return swept

    async def run(self) -> None:
        """The sweep, for as long as the service runs: at once again while a batch comes back
        full, else after the interval. A failed round is logged and retried."""
        while True:
            try:
                swept = max(await across_stores(self._routes, self.sweep_once))
            except asyncio.CancelledError:
                raise
            except (PyMongoError, Exception) as exc:
                log.warning("index sweep failed", error=repr(exc))
                swept = 0
            if swept < self._batch:
                await asyncio.sleep(self._interval)
