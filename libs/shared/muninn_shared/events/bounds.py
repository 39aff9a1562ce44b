"""Events carry bounded payloads: what is published, and how an event is cut to fit.

An event above the broker's message limit is refused by the Kafka client, and the outbox relay
publishes in order: one such event would hold back every later event of its service. So the
outbox measures each event when it is written, on the very bytes the relay will publish, and
cuts the payload's :class:`~muninn_shared.events.payloads.Cuttable` text to fit; an event that
cannot be cut to fit is refused with its write.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from muninn_shared.events.catalogue import spec_for
from muninn_shared.events.envelope import EventEnvelope
from muninn_shared.events.payloads import Cuttable
from muninn_shared.events.wire import encode_envelope
from muninn_shared.problems import ProblemError

# encode_envelope is named here too: what is measured is what goes on the wire.
__all__ = [
    "DEFAULT_EVENT_MAX_BYTES",
    "EventTooLargeError",
    "cuttable_fields",
    "encode_envelope",
    "fit_event",
]

DEFAULT_EVENT_MAX_BYTES = 256 * 1024


class EventTooLargeError(ProblemError):
    """An event above the cap with nothing that may be cut (or still too large once cut)."""

    def __init__(self, event_type: str, size: int, max_bytes: int) -> None:
        super().__init__(
            413,
            f"The change is too large to announce ({event_type}: {size} bytes, at most "
            f"{max_bytes}).",
            code="event-too-large",
        )
        self.event_type = event_type
        self.size = size
        self.max_bytes = max_bytes


def cuttable_fields(model: type[BaseModel]) -> list[str]:
    return [
        name
        for name, field in model.model_fields.items()
        if any(isinstance(marker, Cuttable) for marker in field.metadata)
    ]


def _encoded_length(text: str) -> int:
    return len(json.dumps(text)) - 2


def _longest_prefix_within(text: str, budget: int) -> str:
    """The longest prefix of ``text`` whose JSON string encoding fits in ``budget`` bytes."""
    if _encoded_length(text) <= budget:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _encoded_length(text[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def fit_event(event: EventEnvelope, max_bytes: int) -> EventEnvelope:
    """``event`` itself if it fits in ``max_bytes``, else a copy with its cuttable text cut.

    Raises :class:`EventTooLargeError` when no cut makes it fit.
    """
    size = len(encode_envelope(event))
    if size <= max_bytes:
        return event
    try:
        fields = cuttable_fields(spec_for(event.type).payload)
    except KeyError:
        fields = []
    texts: dict[str, str] = {}
    for name in fields:
        text = event.data.get(name)
        if isinstance(text, str) and text:
            texts[name] = text
    if not texts:
        raise EventTooLargeError(event.type, size, max_bytes)
    data: dict[str, Any] = dict(event.data)
    for name, text in texts.items():
        data[name] = ""
        data[f"{name}_truncated"] = True
        data[f"{name}_length"] = len(text)
    emptied = event.model_copy(update={"data": data})
    overhead = len(encode_envelope(emptied))
    budget = max_bytes - overhead
    if budget < 0:
        raise EventTooLargeError(event.type, size, max_bytes)
    # The budget is shared in field order; payloads carry one cuttable text in practice.
    for name, text in texts.items():
        kept = _longest_prefix_within(text, budget)
        data[name] = kept
        budget -= _encoded_length(kept)
    return event.model_copy(update={"data": data})
