"""A reply's server-sent events as typed events, sync and async.

The conversation service streams ``message`` (the stored user message and the pending
reply), ``delta`` {text} as tokens arrive, then ``done`` or ``error`` with the stored reply;
a resumed stream starts with a ``snapshot`` of what was generated so far. Comment lines
(keep-alives) are skipped.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from muninn_client._generated import models as m


@dataclass
class ServerSentEvent:
    event: str = "message"
    data: str = ""
    id: str | None = None


@dataclass
class SseDecoder:
    """Lines in, events out (the WHATWG rules this API uses: event, data, id; comments)."""

    _event: str = ""
    _data: list[str] = field(default_factory=list)
    _id: str | None = None

    def feed(self, line: str) -> ServerSentEvent | None:
        line = line.rstrip("\r\n")
        if not line:
            if not self._data and not self._event:
                return None
            event = ServerSentEvent(self._event or "message", "\n".join(self._data), self._id)
            self._event, self._data = "", []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            self._id = value
        return None


class StreamEvent(BaseModel):
    model_config = ConfigDict(extra="allow")


class MessageStarted(StreamEvent):
    """The exchange began: the stored user message and the reply, still pending."""

    event: Literal["message"] = "message"
    user_message: m.Message | None = None
    assistant_message: m.Message


class Delta(StreamEvent):
    """More of the reply's text."""

    event: Literal["delta"] = "delta"
    text: str


class Snapshot(StreamEvent):
    """A resumed stream: the reply's text so far."""

    event: Literal["snapshot"] = "snapshot"
    content: str = ""


class Done(StreamEvent):
    """The reply is complete and stored."""

    event: Literal["done"] = "done"
    message: m.Message
    usage: m.Usage | None = None
    timing: m.Timing | None = None


class Failed(StreamEvent):
    """The generation failed or was stopped; ``message`` holds what was saved."""

    event: Literal["error"] = "error"
    message: m.Message | None = None
    usage: m.Usage | None = None
    timing: m.Timing | None = None


ChatEvent = MessageStarted | Delta | Snapshot | Done | Failed
EVENT_TYPES: dict[str, type[StreamEvent]] = {
    "message": MessageStarted,
    "delta": Delta,
    "snapshot": Snapshot,
    "done": Done,
    "error": Failed,
}


def chat_event(sse: ServerSentEvent) -> ChatEvent | None:
    """The typed event, or None for an event this client does not know (a newer server)."""
    kind = EVENT_TYPES.get(sse.event)
    if kind is None:
        return None
    data: Any = json.loads(sse.data) if sse.data else {}
    if not isinstance(data, dict):
        return None
    if kind is Failed and isinstance(data.get("message"), str):
        data = {"detail": data["message"]}
    event = kind.model_validate(data)
    assert isinstance(event, MessageStarted | Delta | Snapshot | Done | Failed)
    return event


def chat_events(lines: Iterable[str]) -> Iterator[ChatEvent]:
    decoder = SseDecoder()
    for line in lines:
        sse = decoder.feed(line)
        if sse is not None and (event := chat_event(sse)) is not None:
            yield event


async def async_chat_events(lines: AsyncIterator[str]) -> AsyncIterator[ChatEvent]:
    decoder = SseDecoder()
    async for line in lines:
        sse = decoder.feed(line)
        if sse is not None and (event := chat_event(sse)) is not None:
            yield event


def final_text(events: Iterable[ChatEvent]) -> str:
    """The reply's text from a stream: the stored message's if it ended, else the deltas."""
    parts: list[str] = []
    for event in events:
        if isinstance(event, Snapshot):
            parts = [event.content]
        elif isinstance(event, Delta):
            parts.append(event.text)
        elif isinstance(event, Done | Failed) and event.message is not None:
            return event.message.content
    return "".join(parts)
