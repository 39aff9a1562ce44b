"""How an event travels in a Kafka record: CloudEvents structured content mode, JSON format.

The record value is the whole event (attributes and ``data``) as one JSON object, and the only
CloudEvents header is ``content-type: application/cloudevents+json``; there are no ``ce_*``
headers, so nothing on the wire can disagree with the value. The W3C ``traceparent`` header is
set too, for tracing middleware that reads headers only; it repeats the event's attribute.

Structured mode rather than binary because the value is then self-contained: the outbox
measures exactly these bytes against the size cap, a dead letter wraps them whole, and a
re-drive republishes them without having to rebuild headers.

Reading accepts what the previous release wrote as well: the same JSON object with a
``schema_version`` field instead of ``dataschema`` (see :class:`EventEnvelope`), sent with
``content-type: application/json`` and ``ce_type``/``ce_id``/``ce_source`` headers. Those
headers only repeated the value, so reading the value alone reads both.
"""

from __future__ import annotations

import json

from muninn_shared.events.envelope import EventEnvelope

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"


def encode_envelope(event: EventEnvelope) -> bytes:
    """The record value the relay publishes; sizes are measured on it.

    ``json.dumps`` escapes every character outside ASCII (an emoji becomes 12 bytes), which is
    why an event's size is not its text's UTF-8 length. An absent optional attribute is left
    out rather than written as ``null``, as the JSON event format asks.
    """
    absent = {"traceparent"} if event.traceparent is None else None
    return json.dumps(event.model_dump(mode="json", exclude=absent)).encode()


def decode_envelope(value: bytes) -> EventEnvelope:
    """The event in a record value, in this release's shape or the previous one.

    Raises pydantic's ``ValidationError`` when the value is not a valid event.
    """
    return EventEnvelope.model_validate_json(value)


def record_headers(event: EventEnvelope) -> dict[str, str]:
    """The Kafka headers published with :func:`encode_envelope`'s value."""
    headers = {"content-type": STRUCTURED_CONTENT_TYPE}
    if event.traceparent:
        headers["traceparent"] = event.traceparent
    return headers
