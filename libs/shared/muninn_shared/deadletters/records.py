"""The dead-letter record: what failed, where it came from, and the message itself if it fits.

A record is JSON on ``<topic>.dlq``. It always names the original's topic, partition and
offset and the consumer that gave up, so the original can be found even when the record had
to leave it out: a dead letter larger than the broker accepts could not be published at all,
and the consumer would redeliver the poison message forever.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

FORMAT = "muninn-dead-letter/1"
REDRIVE_FORMAT = "muninn-dead-letter-redrive/1"

# Under Kafka's default limit (1 MiB message.max.bytes, aiokafka's max_request_size) with room
# for the record batch framing and headers.
DEFAULT_MAX_BYTES = 900_000
MAX_ERROR_CHARS = 4000
# Identifying fields copied out of the original, cut to this length each.
_FIELD_CHARS = 200

Reason = Literal["handler-failed", "invalid-envelope", "untrusted"]


@dataclass(frozen=True)
class Origin:
    """Where the original message is (partition and offset are unknown outside Kafka)."""

    topic: str
    partition: int | None = None
    offset: int | None = None


def dead_letter_record(
    *,
    consumer: str,
    origin: Origin,
    reason: Reason,
    error: str,
    raw: bytes,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> bytes:
    """The encoded record for ``raw`` (the original Kafka value), never over ``max_bytes``."""
    message = _decoded(raw)
    record: dict[str, Any] = {
        "format": FORMAT,
        "consumer": consumer,
        "topic": origin.topic,
        "partition": origin.partition,
        "offset": origin.offset,
        "reason": reason,
        "error": _cut_text(error, MAX_ERROR_CHARS),
        "dead_lettered_at": datetime.now(UTC).isoformat(),
        **_identity_of(message),
        "truncated": False,
        "message": message,
    }
    encoded = _encode(record)
    if len(encoded) <= max_bytes:
        return encoded
    record.update(message=None, truncated=True, message_bytes=len(raw), message_head="")
    room = max_bytes - len(_encode(record)) - 64
    # JSON escapes every non-ASCII character (6 or 12 bytes for what took 2 to 4 in UTF-8);
    # shrink the head until the whole record fits.
    head = raw[: max(room, 0)].decode("utf-8", errors="ignore")
    while head:
        record["message_head"] = head
        encoded = _encode(record)
        if len(encoded) <= max_bytes:
            return encoded
        head = head[: len(head) * 3 // 4]
    record["message_head"] = ""
    return _encode(record)


def redrive_record(*, dead_letter_id: str, republished_to: str, operator: str) -> bytes:
    """Appended to the dead-letter topic when an operator re-drives a dead letter."""
    return _encode(
        {
            "format": REDRIVE_FORMAT,
            "redrive_of": dead_letter_id,
            "republished_to": republished_to,
            "operator": operator,
            "redriven_at": datetime.now(UTC).isoformat(),
        }
    )


def _decoded(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _identity_of(message: Any) -> dict[str, str | None]:
    found = message if isinstance(message, dict) else {}
    return {
        name: _cut_text(value, _FIELD_CHARS) if isinstance(value, str) else None
        for name, value in (
            ("event_id", found.get("id")),
            ("event_type", found.get("type")),
            ("subject", found.get("subject")),
            ("source", found.get("source")),
        )
    }


def _cut_text(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text)} characters]"


def _encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":"), default=str).encode()
