"""Reaching a source to check a connection, with every failure turned into a clear answer."""

from __future__ import annotations

import asyncio
import hashlib
import math
from urllib.parse import urlsplit

from muninn_shared.logging import get_logger
from muninn_shared.outbound import OutboundRefusedError
from muninn_shared.problems import ProblemError, invalid_field

from muninn_integrations.connections.models import Provider, SourceCollection
from muninn_integrations.connectors.port import (
    AddressRefusedError,
    ConnectorError,
    CredentialsRejectedError,
    SourceUnavailableError,
)
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint

log = get_logger(__name__)

SCHEMES: dict[Provider, frozenset[str]] = {
    Provider.CALDAV: frozenset({"https", "http"}),
    Provider.CARDDAV: frozenset({"https", "http"}),
    Provider.ICS: frozenset({"https", "http", "webcal", "webcals"}),
    Provider.IMAP: frozenset({"imaps", "imap"}),
}


def checked_server_url(provider: Provider, server_url: str) -> str:
    """The URL as it will be stored: a scheme the protocol speaks, a host, no credentials.

    Whether the address may be reached at all is the outbound guard's call, at connect time.
    """
    url = server_url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise invalid_url("is not a valid URL") from None
    allowed = SCHEMES.get(provider, frozenset())
    if parts.scheme.lower() not in allowed:
        raise invalid_url(f"must start with {' or '.join(sorted(s + '://' for s in allowed))}")
    if not parts.hostname:
        raise invalid_url("has no host")
    if parts.username is not None or parts.password is not None:
        raise invalid_url("must not carry a user name or password; send them as fields")
    if port == 0:
        raise invalid_url("has no valid port")
    return parts._replace(fragment="").geturl()


def feed_host_url(server_url: str) -> str:
    """What may be shown of a feed address: its scheme and host, never its path or query."""
    parts = urlsplit(server_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/…"


def invalid_url(why: str) -> ProblemError:
    return invalid_field(
        f"The server URL {why}.", loc=("body", "server_url"), msg=why, code="invalid-server-url"
    )


def account_key(server_url: str, username: str | None) -> str:
    """One account at one server, however its host or user name was capitalised."""
    parts = urlsplit(server_url)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/") or "/"
    port = f":{parts.port}" if parts.port else ""
    identity = (
        f"{parts.scheme.lower()}://{host}{port}{path}?{parts.query}|{(username or '').lower()}"
    )
    # Hashed: a feed's address carries its private token, which must not sit in the clear.
    return hashlib.sha256(identity.encode()).hexdigest()


async def reach(
    registry: ConnectorRegistry, endpoint: Endpoint, *, timeout: float
) -> list[SourceCollection]:
    """The collections the source offers to these credentials, or a ProblemError saying why not."""
    try:
        connector = registry.open(endpoint)
    except ConnectorError as exc:
        raise ProblemError(422, exc.public_message, code="credentials-rejected") from None
    try:
        async with asyncio.timeout(timeout):
            found = await connector.check()
    except TimeoutError:
        raise source_unavailable(
            SourceUnavailableError("The server did not answer in time.")
        ) from None
    except OutboundRefusedError as exc:
        raise ProblemError(422, exc.public_message, code="address-refused") from None
    except CredentialsRejectedError as exc:
        raise ProblemError(422, exc.public_message, code="credentials-rejected") from None
    except AddressRefusedError as exc:
        raise ProblemError(422, exc.public_message, code="address-refused") from None
    except SourceUnavailableError as exc:
        raise source_unavailable(exc) from None
    except ConnectorError as exc:
        raise ProblemError(422, exc.public_message, code="source-refused") from None
    finally:
        await connector.aclose()
    return [
        SourceCollection(id=c.id, name=c.name, kind=c.kind, read_only=c.read_only) for c in found
    ]


def source_unavailable(error: SourceUnavailableError) -> ProblemError:
    retry_after = max(1, math.ceil(error.retry_after or 30))
    return ProblemError(
        502,
        f"{error.public_message} Try again shortly.",
        code="source-unavailable",
        headers={"Retry-After": str(retry_after)},
    )
