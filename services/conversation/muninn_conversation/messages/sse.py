"""Server-Sent Events framing for generation streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse

KEEPALIVE_SECONDS = 15.0


def frame(event: str, data: dict[str, Any]) -> bytes:
    return (
        f"event: {event}\ndata: {json.dumps(data, default=str, separators=(',', ':'))}\n\n".encode()
    )


async def with_keepalive(events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Interleave comment lines while idle so proxies keep the connection open."""
    iterator = events.__aiter__()
    pending: asyncio.Task[bytes] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=KEEPALIVE_SECONDS)
            if not done:
                yield b": keepalive\n\n"
                continue
            try:
                chunk = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield chunk
    finally:
        if pending is not None and not pending.done():
            pending.cancel()


def sse_response(events: AsyncIterator[bytes], status_code: int = 200) -> StreamingResponse:
    return StreamingResponse(
        with_keepalive(events),
        status_code=status_code,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def wants_stream(accept: str | None) -> bool:
    return bool(accept) and "text/event-stream" in (accept or "")
