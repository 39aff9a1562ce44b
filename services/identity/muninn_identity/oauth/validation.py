"""What a dynamically registered client may ask for (RFC 7591 metadata, OAuth 2.1 rules).

Registration is open to anyone, so everything a client sends is hostile until checked here:
where codes may be sent, what it may be called on the consent page, which scopes it may ask.

Redirect URIs follow RFC 8252 (OAuth for native apps) besides web clients' https ones:

* ``https`` to any host;
* ``http`` to a loopback address only (``127.0.0.0/8``, ``[::1]``, and ``localhost``): a
  desktop app listening on a local port (§7.3). RFC 8252 §8.3 advises ``127.0.0.1`` over
  ``localhost``, but Claude Code and other clients register ``http://localhost:PORT/…``;
  browsers resolve ``localhost`` to the loopback interface themselves, so it is accepted and
  treated as the loopback address it names;
* a private-use scheme (§7.1): any RFC 3986 scheme an app can claim on its platform. The RFC
  asks apps for a reverse-domain scheme containing a period (``com.example.app:/cb``), but the
  desktop MCP clients people use register single-word ones (``cursor://…``, ``vscode://…``),
  so a period is not required. What is refused instead is every scheme that already means
  something to browsers or operating systems: one that would run script or show content in the
  browser, open local files or browser internals, speak another network protocol, or hand the
  URL (and the code in it) to another person or program. Such a scheme receives nothing an app
  could use, and from Muninn's address (the authorization endpoint redirects errors to a
  registered URI) it would turn into a launcher of those handlers.

Never a fragment (RFC 6749 §3.1.2) or credentials in any of them.

At /authorize the URI must be one registered, compared exactly (after the URL parsing both
sides have been through: scheme and host case, an empty path), except that a loopback ``http``
URI matches on any port (§7.3: the app picks a free port each time it runs).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal
from urllib.parse import urlsplit

from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import InvalidRedirectUriError, OAuthClientInformationFull
from pydantic import AnyUrl, TypeAdapter, ValidationError

DelegatedScope = Literal["read", "write"]
SCOPES: tuple[DelegatedScope, ...] = ("read", "write")
"""Muninn's scopes an MCP client may hold; ``admin`` (keys, erasure) is never delegated."""
OAUTH_SCOPES: tuple[str, ...] = SCOPES

MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_LENGTH = 2000
MAX_CLIENT_NAME_LENGTH = 120
MAX_SCHEME_LENGTH = 64
LOOPBACK_NAMES = frozenset({"localhost"})
WEB_SCHEMES = frozenset({"http", "https"})
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
"""RFC 3986 §3.1: a letter, then letters, digits, ``+``, ``-`` or ``.``."""

REFUSED_SCHEMES = frozenset(
    {
        # Run script or show content in the browser, in the page's context or its own.
        "javascript",
        "vbscript",
        "livescript",
        "data",
        "blob",
        "filesystem",
        "about",
        "view-source",
        "jar",
        # Local files and browser internals.
        "file",
        "resource",
        "chrome",
        "chrome-extension",
        "moz-extension",
        "safari-web-extension",
        "ms-browser-extension",
        "edge",
        # Other network protocols: not a place an app waits for its code.
        "ws",
        "wss",
        "ftp",
        "ftps",
        "sftp",
        "gopher",
        "ldap",
        "ldaps",
        "smb",
        "nfs",
        # Hand the URL, code included, to another person or program.
        "mailto",
        "tel",
        "sms",
        "sip",
        "sips",
        "news",
        "nntp",
        "irc",
        "callto",
        "facetime",
        "intent",
        "shell",
        "search",
        "search-ms",
        "x-apple.systempreferences",
        # Names, not places.
        "urn",
        "tag",
        "cid",
        "mid",
    }
)
REFUSED_SCHEME_PREFIXES = ("ms-",)
"""Windows' own protocol handlers (``ms-msdt``, ``ms-officecmd``, ``ms-settings``, …), several
of which have been used to run code from a link."""

_URL = TypeAdapter(AnyUrl)


def redirect_uri_problem(uri: str) -> str | None:
    """Why a redirect URI may not receive authorization codes, or None when it may."""
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        return "is too long"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in uri):
        return "holds spaces or control characters"
    named = SCHEME.match(uri)
    if named is None:
        return "needs a scheme (RFC 3986: a letter, then letters, digits, '+', '-' or '.')"
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
    scheme = named[1].lower()
    if scheme == "https":
        return None if host else "needs a host"
    if scheme == "http":
        if not host:
            return "needs a host"
        return None if is_loopback(host) else "must use https unless it is a loopback address"
    return _private_scheme_problem(scheme, uri[len(named[0]) :])


def _private_scheme_problem(scheme: str, rest: str) -> str | None:
    if len(scheme) > MAX_SCHEME_LENGTH:
        return f"has a scheme longer than {MAX_SCHEME_LENGTH} characters"
    if scheme in REFUSED_SCHEMES or scheme.startswith(REFUSED_SCHEME_PREFIXES):
        return (
            f"uses the {scheme}: scheme, which is not an app's: use https, http on a loopback "
            "address, or a private-use scheme of the app (RFC 8252)"
        )
    if not rest.strip("/"):
        return "names a scheme and nothing else"
    return None


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_target(uri: str) -> str:
    """Where a redirect URI sends codes, as a person recognises it: the host of a web or
    loopback address (``claude.ai``, ``127.0.0.1``), or an app's scheme, with its host when it
    has one (``cursor://anysphere.cursor-retrieval``, ``com.example.app:``)."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme in WEB_SCHEMES:
        return host
    return f"{scheme}://{host}" if host else f"{scheme}:"


def redirect_uri_matches(requested: str, registered: str) -> bool:
    """Whether a redirect URI sent to /authorize is the registered one (RFC 8252 §7.3 port
    rule for loopback http; any other difference refuses)."""
    asked, known = _canonical(requested), _canonical(registered)
    if asked is None or known is None:
        return False
    if asked == known:
        return True
    try:
        a, k = urlsplit(asked), urlsplit(known)
        a.port, k.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return False
    return (
        a.scheme == k.scheme == "http"
        and a.hostname is not None
        and a.hostname == k.hostname
        and is_loopback(a.hostname)
        and a.username is None
        and a.password is None
        and (a.path or "/") == (k.path or "/")
        and a.query == k.query
        and not a.fragment
    )


def _canonical(uri: str) -> str | None:
    """The URI as the authorization endpoint's own parsing writes it (it parses the request's
    ``redirect_uri`` before Muninn sees it), so both sides of a comparison are spelt alike."""
    try:
        return str(_URL.validate_python(uri))
    except ValidationError:
        return None


class RegisteredClient(OAuthClientInformationFull):
    """A stored client, matching redirect URIs by Muninn's rule instead of the SDK's."""

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        registered = [str(uri) for uri in self.redirect_uris or []]
        if redirect_uri is None:
            if len(registered) == 1:
                return _URL.validate_python(registered[0])
            raise InvalidRedirectUriError(
                "redirect_uri must be specified unless the client has exactly one registered URI"
            )
        if any(redirect_uri_matches(str(redirect_uri), known) for known in registered):
            # The request's own URI: for a loopback one, the port the app listens on now.
            return redirect_uri
        raise InvalidRedirectUriError(f"Redirect URI '{redirect_uri}' not registered for client")


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
