"""The upstream response, relayed to the client chunk by chunk as it arrives."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import anyio
from muninn_shared.logging import get_logger
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from muninn_gateway.proxy.headers import RawHeaders

log = get_logger(__name__)


def is_event_stream(response: aiohttp.ClientResponse) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.lower().startswith("text/event-stream")


class BufferedResponse(Response):
    """A service's complete answer, with its headers passed on as they were."""

    def __init__(self, status_code: int, body: bytes, headers: RawHeaders) -> None:
        self.status_code = status_code
        self.background = None
        self.body = body
        self.raw_headers = headers


class UpstreamResponse(Response):
    """Nothing is buffered, so server-sent events reach the client as the service emits them.

    Each chunk must arrive within ``chunk_timeout`` (the route's read timeout, or the longer
    idle timeout for event streams). The upstream response is closed in every case: end of
    body, timeout, error, or the client going away.
    """

    def __init__(
        self, upstream: aiohttp.ClientResponse, headers: RawHeaders, *, chunk_timeout: float
    ) -> None:
        self.status_code = upstream.status
        self.background = None
        self.raw_headers = headers
        self._upstream = upstream
        self._chunk_timeout = chunk_timeout
        self._event_stream = is_event_stream(upstream)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks = aiter(self._upstream.content.iter_any())
        try:
            async with anyio.create_task_group() as group:

                async def relay() -> None:
                    await self._relay(chunks, send)
                    group.cancel_scope.cancel()

                async def watch() -> None:
                    await _until_disconnect(receive)
                    group.cancel_scope.cancel()

                group.start_soon(relay)
                group.start_soon(watch)
        finally:
            # A body read to its end has already returned its connection to the pool; one
            # left unfinished cannot be reused, so its connection is closed.
            self._upstream.close()

    async def _relay(self, chunks: AsyncIterator[bytes], send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            while True:
                try:
                    with anyio.fail_after(self._chunk_timeout):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except (TimeoutError, aiohttp.ClientError) as exc:
                    log.warning(
                        "upstream body interrupted",
                        error=repr(exc),
                        event_stream=self._event_stream,
                        status=self.status_code,
                    )
                    if self._event_stream:
                        # An event stream may simply end; clients reconnect with Last-Event-ID.
                        break
                    # Leaving the body unfinished makes the server drop the connection, so
                    # the client sees a truncated response instead of a short "complete" one.
                    return
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (OSError, ClientDisconnect):
            return


async def _until_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
