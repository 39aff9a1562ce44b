"""The user's memories as the behaviour patterns need them, read from the memory service with
the user's own token (a learning run the user asked for): nothing is copied or kept here but
what a pattern cites as its evidence."""

from __future__ import annotations

from datetime import datetime

import httpx
from muninn_shared.logging import get_logger
from pydantic import BaseModel, ConfigDict, ValidationError

log = get_logger(__name__)


class RememberedFact(BaseModel):
    """The part of memory's ``Memory`` a pattern can cite."""

    model_config = ConfigDict(extra="ignore")

    id: str
    content: str
    type: str
    context: str
    occurred_at: datetime


class RememberedPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[RememberedFact]


class MemoryReader:
    def __init__(self, http: httpx.AsyncClient, base_url: str, *, timeout: float = 10.0) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout

    async def recent(self, bearer_token: str, limit: int) -> list[RememberedFact] | None:
        """The user's newest active memories; None when memory cannot be read now."""
        try:
            response = await self._http.get(
                f"{self._base_url}/v1/memories",
                params={"limit": limit},
                headers={"Authorization": f"Bearer {bearer_token}"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            log.info("memories unavailable for patterns", error=type(exc).__name__)
            return None
        if response.status_code != 200:
            log.info("memories unavailable for patterns", status=response.status_code)
            return None
        try:
            return RememberedPage.model_validate_json(response.content).items
        except ValidationError as exc:
            log.warning("memory sent an unreadable page", errors=exc.error_count())
            return None
