"""Signing in with a provider's consent page (OAuth 2.0 authorization code with PKCE):
what the product's front end sends and is answered. No token is ever part of an answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from muninn_shared.strict import Strict
from pydantic import BaseModel, Field

from muninn_integrations.connectors.google.config import Product


class OAuthStart(Strict):
    products: Annotated[list[Product], Field(min_length=1, max_length=3)] | None = Field(
        default=None,
        description="What to ask access to (calendar, contacts, mail); default: all three.",
    )


class OAuthStarted(BaseModel):
    authorize_url: str = Field(description="Send the user's browser here.")
    state: str = Field(description="Comes back with Google's redirect; forward it to complete.")
    expires_at: datetime = Field(description="The sign-in must be completed before this.")
    scopes: list[str] = Field(description="The permissions asked for.")


class OAuthComplete(Strict):
    code: Annotated[str, Field(min_length=1, max_length=2048)]
    state: Annotated[str, Field(min_length=16, max_length=512)]
