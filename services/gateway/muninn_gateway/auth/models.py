"""Who is calling, as far as the gateway needs to know."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


class ApiKeyGrant(BaseModel):
    """Identity's answer to POST /internal/api-keys/verify."""

    user_id: str = Field(min_length=1)
    api_key_id: str
    scopes: list[str]
    access_token: str = Field(min_length=1)
    expires_in: int = Field(ge=0)


@dataclass(frozen=True)
class Caller:
    user_id: str
    access_token: str
    """The JWT every upstream verifies itself: the caller's own, or one exchanged for a key."""
    api_key_id: str | None = None

    @property
    def authorization(self) -> str:
        return f"Bearer {self.access_token}"
