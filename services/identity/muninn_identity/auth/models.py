"""Request and response bodies of registration, login and token refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from muninn_shared.strict import Strict
from pydantic import BaseModel, EmailStr, Field

from muninn_identity.users.models import LanguageTag, TimeZoneName, User


class Credentials(Strict):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)


class Registration(Strict):
    email: EmailStr
    password: str = Field(min_length=10, max_length=256, description="At least 10 characters.")
    name: str | None = Field(default=None, min_length=1, max_length=120)
    timezone: TimeZoneName | None = Field(
        default=None, description="IANA time zone, e.g. 'Europe/Lisbon'."
    )
    language: LanguageTag | None = Field(default=None, description="BCP 47 tag, e.g. 'pt-BR'.")


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=16, max_length=512)


class LogoutRequest(Strict):
    refresh_token: str = Field(min_length=16, max_length=512)


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str
    refresh_expires_in: int


class Session(BaseModel):
    user: User
    tokens: TokenPair


@dataclass(frozen=True)
class RefreshToken:
    """A stored refresh token (only its digest is kept, so the record holds no secret)."""

    id: str
    user_id: str
    family_id: str
    status: str
    expires_at: datetime
