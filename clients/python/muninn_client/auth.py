"""Credentials: an API key, or an access token kept fresh with its refresh token."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Refreshed this long before the server would refuse it, so a request never races expiry.
EXPIRY_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class ApiKey:
    """An API key (``mk_…``) from ``/v1/me/api-keys``: it never expires on its own."""

    key: str

    def __repr__(self) -> str:
        return f"ApiKey({self.key[:6]}…)"


@dataclass
class Tokens:
    """An access token and the refresh token that renews it.

    ``on_refresh`` is called with the new pair after each refresh (the refresh token rotates:
    a caller that stores tokens must store the new one, the old one is spent).
    """

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None
    """When the access token expires (``time.time()`` seconds), if known."""
    on_refresh: Callable[[Tokens], None] | None = field(default=None, repr=False)

    @classmethod
    def from_pair(
        cls,
        access_token: str,
        refresh_token: str | None,
        expires_in: float | None,
        on_refresh: Callable[[Tokens], None] | None = None,
    ) -> Tokens:
        expires_at = time.time() + expires_in if expires_in is not None else None
        return cls(access_token, refresh_token, expires_at, on_refresh)

    def expiring(self, now: float | None = None) -> bool:
        if self.expires_at is None or self.refresh_token is None:
            return False
        return (now if now is not None else time.time()) >= self.expires_at - EXPIRY_MARGIN_SECONDS

    def replace_with(self, access_token: str, refresh_token: str, expires_in: float) -> None:
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.expires_at = time.time() + expires_in
        if self.on_refresh is not None:
            self.on_refresh(self)

    def __repr__(self) -> str:
        return f"Tokens(access_token=…, expires_at={self.expires_at})"


Credential = ApiKey | Tokens


def authorization(credential: Credential | None) -> dict[str, str]:
    if credential is None:
        return {}
    token = credential.key if isinstance(credential, ApiKey) else credential.access_token
    return {"Authorization": f"Bearer {token}"}
