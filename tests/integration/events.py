"""Events as other services publish them, for a test to publish in their place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.events.payloads import ErasureRequested


def erasure_requested(
    user: str, *services: str, source: str = "identity", subject: str | None = None
) -> EventEnvelope:
    """Identity's request that ``services`` erase everything they hold of ``user``.

    ``source`` and ``subject`` (by default identity, and the user) are for forged requests.
    """
    return new_event(
        "identity.user.erasure_requested",
        source=source,
        subject=subject or user,
        data=ErasureRequested(
            user_id=user,
            erasure_id="e-" + uuid.uuid4().hex,
            services=list(services),
            requested_at=datetime.now(UTC),
        ),
    )
