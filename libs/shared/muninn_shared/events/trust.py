"""Is a consumed event what its producer could have sent? Checked before any handler runs.

Any process that can write to a topic could otherwise wipe a user with a forged
``identity.user.erasure_requested`` or plant data in someone else's account: consumers act on
``subject`` and ``data.user_id`` and never asked who sent the event or whether the two agree.
Broker ACLs restrict who may write where; this check is what still holds inside a topic.
"""

from __future__ import annotations

from muninn_shared.events.catalogue import CATALOGUE
from muninn_shared.events.envelope import EventEnvelope


def untrusted_because(event: EventEnvelope) -> str | None:
    """Why ``event`` must not be applied, or ``None`` if it is consistent with the catalogue."""
    spec = CATALOGUE.get(event.type)
    if spec is None:
        return f"event type {event.type!r} is not in the catalogue"
    if event.source not in spec.producers:
        expected = ", ".join(sorted(spec.producers))
        return f"source {event.source!r} does not produce {event.type} (expected: {expected})"
    if "user_id" in spec.payload.model_fields:
        user_id = event.data.get("user_id")
        if user_id != event.subject:
            return f"subject {event.subject!r} differs from data.user_id {user_id!r}"
    if spec.producer_field is not None:
        claimed = event.data.get(spec.producer_field)
        if claimed != event.source:
            return f"source {event.source!r} differs from data.{spec.producer_field} {claimed!r}"
    return None
