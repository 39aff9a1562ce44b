"""Asks the memory service what it knows that is relevant, within a short deadline.

Memory makes replies better but must never block them: if the memory service is slow or
down, the reply goes ahead and the message says memory was unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx
from muninn_shared.logging import get_logger

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
        try:
            response = await self._http.post(
                f"{self._base_url}/v1/memories/search",
                json={"query": query[:2000], "limit": self._limit},
                headers={"Authorization": f"Bearer {bearer_token}"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            log.info("memory recall unavailable", error=type(exc).__name__)
            return Recall([], "unavailable")
        if response.status_code != 200:
            log.info("memory recall failed", status=response.status_code)
            return Recall([], "unavailable")
        memories = [self._parse(item) for item in response.json().get("results", [])]
        found = [m for m in memories if m is not None]
        return Recall(found, "used" if found else "none")

    @staticmethod
    def _parse(item: dict[str, Any]) -> RecalledMemory | None:
        if item.get("kind") == "document":
            chunk = item.get("document") or {}
            if not chunk.get("content"):
                return None
            return RecalledMemory(
                id=str(chunk.get("chunk_id", "")),
                content=str(chunk["content"]),
                score=float(item.get("score", 0.0)),
                type="document",
                kind="document",
                title=chunk.get("title"),
            )
        memory = item.get("memory") or {}
        content = memory.get("content")
        if not content:
            return None
        return RecalledMemory(
            id=str(memory.get("id", "")),
            content=str(content),
            score=float(item.get("score", 0.0)),
            created_at=memory.get("occurred_at") or memory.get("created_at"),
            type=memory.get("type"),
        )
