"""Personal fields of an event sealed under its user's key (AES-256-GCM), and opened again.

The outbox relay seals every :class:`~muninn_shared.events.payloads.Personal` field of an
event just before publishing it; consumers open them before any handler sees the payload.
The sealed fields leave ``data`` and travel together under ``data["sealed"]``::

    {"user_id": "u1", "message_id": "m1", …,
     "sealed": {"v": 1, "fields": {"content": "<base64url(nonce ‖ ciphertext ‖ tag)>"}}}

Each field's plaintext is its JSON value. The associated data binds the ciphertext to the
event id, type and subject and to the field's name, so a sealed value copied into another
event, another user's event or another field does not open. An event without ``sealed`` is of
the shape before sealing existed and passes through unchanged.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from muninn_shared.events.bounds import EventTooLargeError, encode_envelope, fit_event
from muninn_shared.events.catalogue import UnknownEventTypeError, spec_for
from muninn_shared.events.envelope import EventEnvelope
from muninn_shared.events.payloads import Personal

SEALED = "sealed"
SEALING_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12

# Each pass lowers the cut's cap by 3/4 of what the sealed event still exceeds (base64 turns
# 3 bytes into 4); two or three passes suffice, the bound only stops a pathological loop.
_MAX_FIT_PASSES = 12


class SealBrokenError(Exception):
    """A sealed field does not open under its user's key: forged, moved or corrupted."""


def personal_fields(model: type[BaseModel]) -> list[str]:
    return [
        name
        for name, field in model.model_fields.items()
        if any(isinstance(marker, Personal) for marker in field.metadata)
    ]


def fields_to_seal(event: EventEnvelope) -> list[str]:
    """The personal fields ``event`` carries (none for a type outside the catalogue)."""
    try:
        model = spec_for(event.type).payload
    except UnknownEventTypeError:
        return []
    return [name for name in personal_fields(model) if name in event.data]


def is_sealed(event: EventEnvelope) -> bool:
    return isinstance(event.data.get(SEALED), dict)


def needs_key(event: EventEnvelope) -> bool:
    """Whether sealing ``event`` needs its user's key (it carries personal fields)."""
    return not is_sealed(event) and bool(fields_to_seal(event))


def _associated_data(event: EventEnvelope, field: str) -> bytes:
    return f"muninn-sealed/v{SEALING_VERSION}\n{event.id}\n{event.type}\n{event.subject}\n{field}".encode()


def seal_event(event: EventEnvelope, key: bytes) -> EventEnvelope:
    """A copy of ``event`` whose personal fields are sealed under ``key``."""
    fields = fields_to_seal(event)
    if not fields or is_sealed(event):
        return event
    cipher = AESGCM(key)
    data: dict[str, Any] = dict(event.data)
    sealed: dict[str, str] = {}
    for name in fields:
        nonce = os.urandom(NONCE_BYTES)
        plaintext = json.dumps(data.pop(name), ensure_ascii=False).encode()
        ciphertext = cipher.encrypt(nonce, plaintext, _associated_data(event, name))
        sealed[name] = base64.urlsafe_b64encode(nonce + ciphertext).decode()
    data[SEALED] = {"v": SEALING_VERSION, "fields": sealed}
    return event.model_copy(update={"data": data})


def open_event(event: EventEnvelope, key: bytes) -> EventEnvelope:
    """A copy of ``event`` with its sealed fields back in ``data``; SealBrokenError if one fails."""
    if not is_sealed(event):
        return event
    data: dict[str, Any] = dict(event.data)
    envelope = data.pop(SEALED)
    fields = envelope.get("fields")
    if envelope.get("v") != SEALING_VERSION or not isinstance(fields, dict):
        raise SealBrokenError(f"unknown sealing version {envelope.get('v')!r}")
    cipher = AESGCM(key)
    for name, value in fields.items():
        if not isinstance(value, str):
            raise SealBrokenError(f"sealed field {name!r} is not text")
        try:
            raw = base64.urlsafe_b64decode(value)
            plaintext = cipher.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(event, name)
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise SealBrokenError(f"sealed field {name!r} does not open") from None
        data[name] = json.loads(plaintext)
    return event.model_copy(update={"data": data})


def sealed_size(event: EventEnvelope) -> int:
    """The published size of ``event`` once sealed (the same under any key)."""
    return len(encode_envelope(seal_event(event, bytes(KEY_BYTES))))


def fit_sealed_event(event: EventEnvelope, max_bytes: int) -> EventEnvelope:
    """Like :func:`fit_event`, but the sealed event is what must fit in ``max_bytes``.

    Sealing grows a field (nonce, tag, base64), so the text is cut against a lower cap until
    the event fits once sealed. Raises :class:`EventTooLargeError` when no cut makes it fit.
    """
    cap = max_bytes
    for _ in range(_MAX_FIT_PASSES):
        try:
            fitted = fit_event(event, cap)
        except EventTooLargeError:
            break
        size = sealed_size(fitted)
        if size <= max_bytes:
            return fitted
        cap -= max(1, (size - max_bytes) * 3 // 4)
        if cap <= 0:
            break
    raise EventTooLargeError(event.type, sealed_size(event), max_bytes)
