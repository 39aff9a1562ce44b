"""The payloads of an embedded shard's points, kept in RAM once a query has returned them.

Reading payloads is most of an Edge query's time (200 points: ~0.5 ms for ids and scores,
2-5 ms more with payloads, from the shard's files), and the same memories come back search
after search. An Edge shard is written only through its one store in this process, so the
store keeps this cache exact: every write drops what it touched, and a read that overlapped
a write does not store what it read.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

Payload = dict[str, Any]  # keyed by the point id as the shard returns it (a uuid.UUID)
DEFAULT_LIMIT = 400_000
"""Points whose payload is kept (~1 KB each): 100,000 chat messages with their sentence parts
are ~350,000 points. Past the limit the cache starts again from empty."""


class PayloadCache:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._entries: dict[Hashable, Payload] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """Changes with every write: take it before a read, hand it back to :meth:`fill`."""
        return self._generation

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, point_id: Hashable) -> Payload | None:
        return self._entries.get(point_id)

    def fill(self, payloads: dict[Hashable, Payload], generation: int) -> None:
        """Keep what a read returned, unless a write happened since the read began."""
        if generation != self._generation or not payloads:
            return
        if len(self._entries) + len(payloads) > self._limit:
            self._entries.clear()  # rare: a store bigger than the limit re-warms from scratch
        self._entries.update(payloads)

    def invalidate(self, point_ids: Iterable[Hashable]) -> None:
        self._generation += 1
        for point_id in point_ids:
            self._entries.pop(point_id, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
