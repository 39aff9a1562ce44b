"""The records of the MCP authorization flow, and the connections a user sees."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field

from muninn_identity.oauth.validation import DelegatedScope, RegisteredClient


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
    last_used_at: datetime | None = None
    """The last refresh, or the last time the gateway traded one of its access tokens."""


class ConnectionRow(BaseModel):
    """One client's live grants of one user, summed up (its name and addresses come from the
    client's record)."""

    client_id: str
    scopes: list[str]
    first_authorized_at: datetime
    last_used_at: datetime | None = None


class OAuthConnection(BaseModel):
    """An MCP or OAuth client the user authorized, with every grant it still holds."""

    client_id: str
    client_name: str | None = Field(
        default=None, description="The name the client registered with, if it gave one."
    )
    redirect_targets: list[str] = Field(
        description="Where the client's authorization codes go: the host of a web or loopback "
        "redirect URI (claude.ai, 127.0.0.1), or an app's scheme (cursor://anysphere."
        "cursor-retrieval, com.example.app:)."
    )
    scopes: list[DelegatedScope] = Field(description="What it may do: read, write.")
    first_authorized_at: datetime = Field(
        description="When the oldest authorization it still holds was given."
    )
    last_used_at: datetime | None = Field(
        default=None,
        description="When it last refreshed its token or called the MCP server (within a few "
        "minutes: the gateway trades each access token once per few minutes); absent when it "
        "has done neither since it was authorized.",
    )


class OAuthConnectionPage(CursorPage[OAuthConnection]):
    pass
