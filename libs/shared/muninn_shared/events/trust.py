"""Is a consumed event what its producer could have sent? Checked before any handler runs.

Any process that can write to a topic could otherwise wipe a user with a forged
``identity.user.erasure_requested`` or plant data in someone else's account: consumers act on
``subject`` and ``data.user_id`` and never asked who sent the event or whether the two agree.
Broker ACLs restrict who may write where; this check is what still holds inside a topic.
"""

from __future__ import annotations

from muninn_shared.events.catalogue import CATALOGUE
from muninn_shared.events.envelope import EventEnvelope

# Whoever forged the event chose these values; the reason is logged and dead-lettered.
_SHOWN_CHARS = 120


def untrusted_because(event: EventEnvelope) -> str | None:
    """Why ``event`` must not be applied, or ``None`` if it is consistent with the catalogue."""
    spec = CATALOGUE.get(event.type)
    if spec is None:
        return f"event type {_shown(event.type)} is not in the catalogue"
    if event.source not in spec.producers:
        expected = ", ".join(sorted(spec.producers))
        return f"source {_shown(event.source)} does not produce {event.type} (expected: {expected})"
    if "user_id" in spec.payload.model_fields:
        user_id = event.data.get("user_id")
        if user_id != event.subject:
            return f"subject {_shown(event.subject)} differs from data.user_id {_shown(user_id)}"
    if spec.producer_field is not None:
        claimed = event.data.get(spec.producer_field)
        if claimed != event.source:
            return (
                f"source {_shown(event.source)} differs from "
                f"data.{spec.producer_field} {_shown(claimed)}"
            )
    return None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]}…"
