"""The user's assistant name and preferences, read from identity and cached briefly.

The cache is keyed by the user the profile describes, and a profile is only ever fetched
with that user's own token: in a shared conversation each participant's turn is answered
with their own name, style and memory switch, never another participant's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from muninn_shared.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class UserContext:
    assistant_name: str = "Muninn"
    display_name: str | None = None
    response_style: str = "concise"
    language: str = "en"
    timezone: str = "UTC"
    ai_provider: str | None = None
    ai_model: str | None = None
    long_term_memory: bool = True
    preferences: dict[str, Any] = field(default_factory=dict)


class ProfileClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        identity_url: str,
        *,
        ttl_seconds: float = 60.0,
        timeout: float = 2.0,
    ) -> None:
        self._http = http
        self._url = identity_url.rstrip("/")
        self._ttl = ttl_seconds
        self._timeout = timeout
        self._cache: dict[str, tuple[float, UserContext]] = {}

    async def context_for(self, user_id: str, bearer_token: str) -> UserContext:
        """The profile of ``user_id``, who must be the subject of ``bearer_token``."""
        cached = self._cache.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await self._http.get(
                f"{self._url}/v1/me",
                headers={"Authorization": f"Bearer {bearer_token}"},
                timeout=self._timeout,
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.info("profile unavailable, using defaults", error=type(exc).__name__)
            return cached[1] if cached else UserContext()
        user = response.json()
        if user.get("id") != user_id:
            # Never file one user's profile under another's id.
            log.warning("profile answered for another user; using defaults")
            return cached[1] if cached else UserContext()
        context = self._from_user(user)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[user_id] = (time.monotonic() + self._ttl, context)
        return context

    @staticmethod
    def _from_user(user: dict[str, Any]) -> UserContext:
        prefs = user.get("preferences") or {}
        return UserContext(
            assistant_name=user.get("assistant_name") or "Muninn",
            display_name=user.get("name"),
            response_style=prefs.get("response_style", "concise"),
            language=prefs.get("language", "en"),
            timezone=prefs.get("timezone", "UTC"),
            ai_provider=prefs.get("ai_provider"),
            ai_model=prefs.get("ai_model"),
            long_term_memory=(prefs.get("privacy") or {}).get("long_term_memory", True),
            preferences=prefs,
        )
