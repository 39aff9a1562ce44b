"""API keys: long-lived, scoped credentials for programs (shown once, stored hashed)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from muninn_shared.strict import Strict
from pydantic import BaseModel, Field

Scope = Literal["read", "write", "admin"]


def _default_scopes() -> list[Scope]:
    return ["read", "write"]


class ApiKeyCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(default_factory=_default_scopes, min_length=1)
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="Omit for a key that does not expire."
    )


class ApiKey(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The secret key. Shown only in this response; store it now.")


class ApiKeyList(BaseModel):
    items: list[ApiKey]
