"""The records of the MCP authorization flow."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ConsentRequest(BaseModel):
    """A checked /authorize request waiting for the user on the consent page."""

    id: str
    client_id: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    state: str | None
    scopes: list[str]
    code_challenge: str
    resource: str
    expires_at: datetime
    form_token_digest: str | None = None


class IssuedCode(BaseModel):
    """An authorization code, until it is exchanged (once) or expires."""

    code_digest: str
    client_id: str
    user_id: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    scopes: list[str]
    code_challenge: str
    resource: str
    expires_at: datetime


class OAuthGrant(BaseModel):
    """What a user allowed one client: one refresh-token family, bound to one resource."""

    family_id: str
    user_id: str
    client_id: str
    scopes: list[str]
    resource: str
    created_at: datetime
    expires_at: datetime
    """Pushed back at every refresh; a grant whose refresh tokens are all gone goes too."""
