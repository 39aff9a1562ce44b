"""Client authentication at /token and /revoke against the stored digest of the secret.

The MCP SDK's authenticator compares the presented secret with the one its provider returns
in plain text; identity keeps only a digest, so this one replaces it with the same methods and
answers: ``client_secret_basic`` (RFC 6749 §2.3.1, form-urlencoded parts), ``client_secret_post``
and ``none`` for public clients (which prove themselves with PKCE).
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Protocol
from urllib.parse import unquote

from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.shared.auth import OAuthClientInformationFull
from starlette.datastructures import FormData
from starlette.requests import Request

from muninn_identity.oauth.models import ClientRecord


class ClientRegistry(Protocol):
    async def client_record(self, client_id: str) -> ClientRecord | None: ...


class HashedSecretAuthenticator(ClientAuthenticator):
    def __init__(self, clients: ClientRegistry) -> None:
        # Not the SDK's constructor: every lookup goes through the registry, none through
        # the provider's get_client (which carries no secret).
        self._clients = clients

    async def authenticate_request(self, request: Request) -> OAuthClientInformationFull:
        form = await request.form()
        client_id = form.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise AuthenticationError("Missing client_id")
        record = await self._clients.client_record(client_id)
        if record is None:
            raise AuthenticationError("Invalid client_id")
        client = record.client()
        method = client.token_endpoint_auth_method
        presented = _presented_secret(method, request, form, client_id)
        if method != "none" and record.secret_digest is None:
            # Nothing could be checked: a secret-based client without a secret must not pass.
            raise AuthenticationError(
                "Client is registered for secret-based authentication but has no stored secret"
            )
        if record.secret_digest is not None:
            if not presented:
                raise AuthenticationError("Client secret is required")
            if not record.secret_matches(presented):
                raise AuthenticationError("Invalid client_secret")
            expires_at = client.client_secret_expires_at
            if expires_at and expires_at < int(time.time()):
                raise AuthenticationError("Client secret has expired")
        return client


def _presented_secret(
    method: str | None, request: Request, form: FormData, client_id: str
) -> str | None:
    if method == "client_secret_basic":
        return _basic_secret(request.headers.get("authorization", ""), client_id)
    if method == "client_secret_post":
        secret = form.get("client_secret")
        return secret if isinstance(secret, str) else None
    if method == "none":
        return None
    raise AuthenticationError(f"Unsupported auth method: {method}")


def _basic_secret(header: str, client_id: str) -> str:
    if not header.startswith("Basic "):
        raise AuthenticationError("Missing or invalid Basic authentication in Authorization header")
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise AuthenticationError("Invalid Basic authentication header") from None
    if ":" not in decoded:
        raise AuthenticationError("Invalid Basic authentication header")
    basic_id, secret = decoded.split(":", 1)
    if unquote(basic_id) != client_id:
        raise AuthenticationError("Client ID mismatch in Basic auth")
    return unquote(secret)
