"""What a dynamically registered client may ask for (RFC 7591 metadata, OAuth 2.1 rules).

Registration is open to anyone, so everything a client sends is hostile until checked here:
where codes may be sent, what it may be called on the consent page, which scopes it may ask.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientInformationFull
from muninn_shared.http.scopes import Scope

SCOPES: tuple[Scope, ...] = ("read", "write")
"""Muninn's scopes an MCP client may hold; ``admin`` (keys, erasure) is never delegated."""
OAUTH_SCOPES: tuple[str, ...] = SCOPES

MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_LENGTH = 2000
MAX_CLIENT_NAME_LENGTH = 120
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI may not receive authorization codes, or None when it may.

    https anywhere, or plain http to the loopback interface only (a native app listening on
    a local port, RFC 8252 §7.3); nothing else, and never with credentials or a fragment.
    """
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return "is too long"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in uri):
        return "holds spaces or control characters"
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return "is not a valid URL"
    if parts.fragment or "#" in uri:
        return "must not have a fragment"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials"
    if not host:
        return "needs a host"
    scheme = parts.scheme.lower()
    if scheme == "https":
        return None
    if scheme == "http":
        return None if _is_loopback(host) else "must use https unless it is a loopback address"
    return "must use https (or http on a loopback address)"


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_client(client: OAuthClientInformationFull) -> None:
    """Refuse a registration Muninn will not serve (RFC 7591 §3.2.2 errors)."""
    uris = [str(uri) for uri in client.redirect_uris or []]
    if not uris:
        raise RegistrationError("invalid_redirect_uri", "at least one redirect_uri is required")
    if len(uris) > MAX_REDIRECT_URIS:
        raise RegistrationError(
            "invalid_redirect_uri", f"at most {MAX_REDIRECT_URIS} redirect_uris are accepted"
        )
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem is not None:
            raise RegistrationError("invalid_redirect_uri", f"redirect_uri {uri[:100]!r} {problem}")
    name = client.client_name
    if name is not None and (
        len(name) > MAX_CLIENT_NAME_LENGTH or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name)
    ):
        raise RegistrationError(
            "invalid_client_metadata",
            f"client_name must be at most {MAX_CLIENT_NAME_LENGTH} printable characters",
        )
    requested = set((client.scope or "").split())
    if not requested <= set(OAUTH_SCOPES):
        raise RegistrationError(
            "invalid_client_metadata",
            f"scope may only hold {' and '.join(OAUTH_SCOPES)}",
        )
    if set(client.grant_types) - {"authorization_code", "refresh_token"}:
        raise RegistrationError(
            "invalid_client_metadata",
            "grant_types may only hold authorization_code and refresh_token",
        )
