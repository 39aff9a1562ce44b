"""Background re-embedding of every memory into the configured model's collection.

The copy reads texts from the old collection's payload, embeds them with the new model and
inserts them into the new collection without overwriting (a write that arrived meanwhile is
newer). Each page is committed under the index's write lock and then checked against the old
collection, so a memory deleted while its page was being embedded is not resurrected. The
cursor is saved in the new collection's record after each page: a restart resumes there.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Literal

from muninn_shared.logging import get_logger

from muninn_memory.retrieval.lexical import SparseEncoder
from muninn_memory.retrieval.spaces import CollectionState, Space, utc_now_iso
from muninn_memory.vectors.port import StoredPoint

log = get_logger(__name__)


@dataclass(frozen=True)
class MigrationStatus:
    state: Literal["idle", "running", "complete", "failed"]
    source: str | None = None
    target: str | None = None
    copied: int = 0
    total: int = 0
    error: str | None = None

    @property
    def progress(self) -> float:
        if self.state == "complete":
            return 1.0
        return min(1.0, self.copied / self.total) if self.total else 0.0


class Reembedder:
    def __init__(
        self,
        source: Space,
        target: Space,
        *,
        encoder: SparseEncoder,
        write_lock: asyncio.Lock,
        on_complete: Callable[[], Awaitable[None]],
        cursor: str | None = None,
        copied: int = 0,
        batch: int = 64,
        max_backoff: float = 60.0,
    ) -> None:
        if target.embedder is None:
            raise ValueError("the target space needs an embedder")
        self._source = source
        self._target = target
        self._encoder = encoder
        self._lock = write_lock
        self._on_complete = on_complete
        self._batch = batch
        self._max_backoff = max_backoff
        self._cursor = cursor
        self._copied_all = False
        self.status = MigrationStatus(
            "running", source.collection, target.collection, copied=copied
        )

    async def run(self) -> None:
        """Copy page after page, then switch over. Run again after a crash (its supervisor
        restarts it), it goes on after the last page copied rather than from the start."""
        backoff = 1.0
        total = await self._source.store.size()
        self.status = replace(self.status, total=max(total, self.status.copied))
        while not self._copied_all:
            try:
                self._cursor = await self._page(self._cursor)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The model may be briefly unreachable; reads are still served meanwhile.
                log.warning(
                    "re-embed page failed; retrying",
                    target=self._target.collection,
                    error=repr(exc),
                )
                self.status = replace(self.status, error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(self._max_backoff, backoff * 2)
                continue
            self._copied_all = self._cursor is None
        await self._on_complete()
        self.status = replace(self.status, state="complete", error=None)
        log.info(
            "re-embed complete", source=self._source.collection, target=self._target.collection
        )

    async def _page(self, cursor: str | None) -> str | None:
        page = await self._source.store.scan(cursor, self._batch)
        memories = page.memories
        if memories:
            assert self._target.embedder is not None
            dense = await self._target.embedder.embed_documents([m.text for m in memories])
            points = [
                StoredPoint(m, d, self._encoder.document(m.text))
                for m, d in zip(memories, dense, strict=True)
            ]
            async with self._lock:
                await self._target.store.insert_missing(points)
                keys = [(m.user_id, m.memory_id) for m in memories]
                alive = await self._source.store.present(keys)
                vanished: dict[str, list[str]] = defaultdict(list)
                for user_id, memory_id in keys:
                    if (user_id, memory_id) not in alive:
                        vanished[user_id].append(memory_id)
                for user_id, ids in vanished.items():
                    await self._target.store.delete(user_id, ids)
        copied = self.status.copied + len(memories)
        meta = await self._target.store.read_meta() or {}
        meta.update(
            state=CollectionState.BUILDING.value,
            source=self._source.collection,
            cursor=page.next_offset,
            copied=copied,
            updated_at=utc_now_iso(),
        )
        await self._target.store.write_meta(meta)
        # Reported only once saved: progress shown is progress a restart keeps.
        self.status = replace(
            self.status, copied=copied, total=max(self.status.total, copied), error=None
        )
        return page.next_offset
