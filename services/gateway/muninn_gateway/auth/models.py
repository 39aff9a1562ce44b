"""Who is calling, as far as the gateway needs to know."""

from __future__ import annotations

from dataclasses import dataclass, field

from muninn_shared.auth import ALL_SCOPES


@dataclass(frozen=True)
class Caller:
    user_id: str
    access_token: str
    """The JWT every upstream verifies itself: the caller's own, or one exchanged for a key."""
    api_key_id: str | None = None
    scopes: frozenset[str] = field(default_factory=lambda: frozenset(ALL_SCOPES))
    """What the credential grants (an API key or an MCP client may hold less than a session)."""

    @property
    def authorization(self) -> str:
        return f"Bearer {self.access_token}"
