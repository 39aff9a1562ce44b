"""In-process fan-out of one generation's deltas to any number of stream readers.

A reader that attaches late (a reconnect) first gets everything generated so far as one
snapshot, then live deltas; attaching is synchronous, so nothing falls between the two.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

EventName = Literal["snapshot", "delta", "done", "error"]
LiveEvent = tuple[EventName, dict[str, Any]]


@dataclass
class LiveGeneration:
    message_id: str
    text: str = ""
    final: LiveEvent | None = None
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    _readers: set[asyncio.Queue[LiveEvent]] = field(default_factory=set)

    def publish(self, delta: str) -> None:
        self.text += delta
        for queue in self._readers:
            queue.put_nowait(("delta", {"text": delta}))

    def finish(self, event: LiveEvent) -> None:
        self.final = event
        for queue in self._readers:
            queue.put_nowait(event)

    def attach(self) -> tuple[str, asyncio.Queue[LiveEvent]]:
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue()
        if self.final is not None:
            queue.put_nowait(self.final)
        self._readers.add(queue)
        return self.text, queue

    def detach(self, queue: asyncio.Queue[LiveEvent]) -> None:
        self._readers.discard(queue)
