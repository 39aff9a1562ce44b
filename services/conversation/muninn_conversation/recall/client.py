"""Asks the memory service what it knows that is relevant, within a short deadline.

Memory makes replies better but must never block them: if the memory service is slow or
down, the reply goes ahead and the message says memory was unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx
from muninn_shared.contracts.memory_search import (
    MemorySearchHit,
    MemorySearchQuery,
    MemorySearchResults,
)
from muninn_shared.logging import get_logger
from pydantic import ValidationError

log = get_logger(__name__)

RecallStatus = Literal["used", "none", "unavailable", "disabled"]


@dataclass(frozen=True)
class RecalledMemory:
    """A memory or an uploaded document's chunk that bears on the message."""

    id: str
    content: str
    score: float
    created_at: str | None = None
    type: str | None = None
    kind: Literal["memory", "document"] = "memory"
    title: str | None = None


@dataclass(frozen=True)
class Recall:
    memories: list[RecalledMemory]
    status: RecallStatus


class MemoryRecallClient:
    def __init__(
        self, http: httpx.AsyncClient, base_url: str, *, timeout: float, limit: int
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._limit = limit

    async def recall(self, query: str, *, bearer_token: str, enabled: bool = True) -> Recall:
        if not enabled:
            return Recall([], "disabled")
        asked = MemorySearchQuery(query=query[:2000], limit=self._limit)
        try:
            response = await self._http.post(
                f"{self._base_url}/v1/memories/search",
                json=asked.model_dump(),
                headers={"Authorization": f"Bearer {bearer_token}"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            log.info("memory recall unavailable", error=type(exc).__name__)
            return Recall([], "unavailable")
        if response.status_code != 200:
            log.info("memory recall failed", status=response.status_code)
            return Recall([], "unavailable")
        try:
            results = MemorySearchResults.model_validate_json(response.content)
        except ValidationError as exc:
            log.warning("memory sent unreadable search results", errors=exc.error_count())
            return Recall([], "unavailable")
        memories = [self._recalled(hit) for hit in results.results]
        found = [m for m in memories if m is not None]
        return Recall(found, "used" if found else "none")

    @staticmethod
    def _recalled(hit: MemorySearchHit) -> RecalledMemory | None:
        if hit.kind == "document":
            chunk = hit.document
            if chunk is None or not chunk.content:
                return None
            return RecalledMemory(
                id=chunk.chunk_id,
                content=chunk.content,
                score=hit.score,
                type="document",
                kind="document",
                title=chunk.title,
            )
        memory = hit.memory
        if memory is None or not memory.content:
            return None
        return RecalledMemory(
            id=memory.id,
            content=memory.content,
            score=hit.score,
            created_at=memory.occurred_at or memory.created_at,
            type=memory.type,
        )
