"""Memory's index for every user: the hosted one, or a BYOD user's own Qdrant.

A user who registered a Qdrant with their database has their vectors there, in the
collections the content schema declares for it; a user who did not keeps theirs in the
hosted index (they are derived from content and rebuilt from it). The route is the one the
request or event is served with, so a user's reads and writes follow the same switch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from muninn_shared.storage.routed import route_for
from muninn_shared.storage.routes import OwnDatabase, RouteTable

from muninn_memory.retrieval.port import IndexedMemory, MemoryIndex, ScoredMemory
from muninn_memory.vectors.port import SearchFilters

OwnIndexFactory = Callable[[OwnDatabase], MemoryIndex]


class RoutedMemoryIndex:
    def __init__(
        self, hosted: MemoryIndex, routes: RouteTable | None, own_index: OwnIndexFactory
    ) -> None:
        self._hosted = hosted
        self._routes = routes
        self._own_index = own_index
        self._owned: dict[tuple[str, str], MemoryIndex] = {}

    def _index_of(self, user_id: str) -> MemoryIndex:
        route = route_for(self._routes, user_id)
        own = route.own if route is not None and not route.hosted else None
        if own is None or not own.qdrant_url:
            return self._hosted
        key = (own.store_id, own.qdrant_url)
        index = self._owned.get(key)
        if index is None:
            index = self._own_index(own)
            self._owned[key] = index
        return index

    @property
    def model_id(self) -> str:
        return self._hosted.model_id

    async def upsert(self, memories: list[IndexedMemory]) -> None:
        by_user: dict[str, list[IndexedMemory]] = defaultdict(list)
        for memory in memories:
            by_user[memory.user_id].append(memory)
        for user_id, theirs in by_user.items():
            await self._index_of(user_id).upsert(theirs)

    async def prepare(self, user_id: str, memories: list[IndexedMemory]) -> None:
        await self._index_of(user_id).prepare(user_id, memories)

    async def delete(self, user_id: str, memory_ids: list[str]) -> None:
        await self._index_of(user_id).delete(user_id, memory_ids)

    async def delete_user(self, user_id: str) -> None:
        await self._index_of(user_id).delete_user(user_id)

    async def search(
        self,
        user_id: str,
        query: str,
        *,
        limit: int = 10,
        filters: SearchFilters | None = None,
        now: datetime | None = None,
    ) -> list[ScoredMemory]:
        return await self._index_of(user_id).search(
            user_id, query, limit=limit, filters=filters, now=now
        )

    async def count(self, user_id: str) -> int:
        return await self._index_of(user_id).count(user_id)

    async def close(self) -> None:
        owned, self._owned = self._owned, {}
        for index in owned.values():
            await index.close()
        await self._hosted.close()
