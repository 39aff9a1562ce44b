"""Server-sent events as the WHATWG spec frames them (what both OpenAI and Anthropic send)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSentEvent:
    event: str  # "message" unless the server named it
    data: str


async def iter_events(lines: AsyncIterable[str]) -> AsyncIterator[ServerSentEvent]:
    """Group ``field: value`` lines into events; a blank line ends one, ``:`` lines are comments."""
    event = ""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield ServerSentEvent(event or "message", "\n".join(data))
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)
        # "id" and "retry" only matter to reconnecting browsers.
    if data:
        # The spec drops an unterminated event, but several compatible servers omit the final
        # blank line; passing it on lets the parser judge whether the stream is complete.
        yield ServerSentEvent(event or "message", "\n".join(data))
