"""The request body, streamed to the upstream under a size limit."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from muninn_shared.problems import ProblemError
from starlette.requests import Request


class BodyTooLargeError(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit} bytes")
        self.limit = limit


def too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        f"The request body is larger than this route accepts ({limit} bytes).",
        code="payload-too-large",
    )


def declared_length(request: Request) -> int | None:
    """Content-Length when the client sent a valid one; a bad one is a 400."""
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise ProblemError(400, "Content-Length is not a number.", code="bad-content-length")
    return int(raw)


def has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "chunked" in request.headers.get("transfer-encoding", "").lower()


async def limited_body(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """Chunks as they arrive; stops the upload once ``limit`` is passed (chunked bodies or a
    lying Content-Length cannot slip past the check made on the header)."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise BodyTooLargeError(limit)
        if chunk:
            yield chunk
