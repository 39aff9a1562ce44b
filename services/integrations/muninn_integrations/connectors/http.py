"""What the connectors speaking HTTP (CalDAV/CardDAV, ICS feeds, Google's APIs) share: an
answer's body read within a bound, and transport failures told as the port's errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from muninn_shared.outbound import OutboundRefusedError

from muninn_integrations.connectors.port import AddressRefusedError, SourceUnavailableError


@contextmanager
def reaching(party: str) -> Iterator[None]:
    """Calls to ``party`` ("The server", "Google"…): an address the outbound policy refuses,
    a timeout or a broken connection become the port's errors."""
    try:
        yield
    except OutboundRefusedError as exc:
        raise AddressRefusedError(exc.public_message) from None
    except httpx.TimeoutException:
        raise SourceUnavailableError(f"{party} did not answer in time.") from None
    except (httpx.TransportError, httpx.DecodingError):
        raise SourceUnavailableError(f"{party} could not be reached.") from None


async def read_body(
    response: httpx.Response,
    max_bytes: int,
    too_large: Exception,
    *,
    check_declared: bool = True,
) -> bytes:
    """A streamed answer's body; ``too_large`` is raised once it passes ``max_bytes`` (before
    reading, with ``check_declared``, when its Content-Length says it will)."""
    if check_declared:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
