"""Identity's ``POST /internal/api-keys/verify``: the gateway exchanges an API key for a token."""

from __future__ import annotations

from pydantic import BaseModel, Field

from muninn_shared.http.scopes import Scope
from muninn_shared.strict import Strict


class ApiKeyVerification(Strict):
    key: str = Field(min_length=1, max_length=256)


class ApiKeyGrant(BaseModel):
    """What the gateway gets in exchange for a valid key: a short-lived access token."""

    user_id: str = Field(min_length=1)
    api_key_id: str
    scopes: list[Scope]
    access_token: str = Field(min_length=1)
    expires_in: int = Field(ge=0)
