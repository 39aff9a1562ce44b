"""The records of the MCP authorization flow."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from muninn_identity.oauth.validation import RegisteredClient


class ClientRecord(BaseModel):
    """A registered client as stored: its RFC 7591 metadata, never its secret in plain text.

    The secret is 256 bits from ``secrets.token_hex(32)``: nobody can guess it, so a digest
    need not be slow or salted to keep a database reader from learning or using it (a slow
    hash protects low-entropy passwords against guessing, which cannot succeed here).
    """

    client_id: str
    metadata: dict[str, Any]
    secret_digest: str | None = None
    legacy_secret: str | None = None
    """The plain-text secret an earlier version stored, until it is hashed."""

    def client(self) -> RegisteredClient:
        return RegisteredClient.model_validate(self.metadata)

    def secret_matches(self, presented: str) -> bool:
        if self.secret_digest is None:
            return False
        digest = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).hexdigest()
        return hmac.compare_digest(self.secret_digest, digest)


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
