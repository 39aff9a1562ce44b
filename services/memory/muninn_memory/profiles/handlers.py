"""Keep memory profiles current from identity's user events."""

from __future__ import annotations

from muninn_shared.messaging.consumer import EventConsumers
from muninn_shared.profiles import follow_user_events

from muninn_memory.profiles.models import profile_fields
from muninn_memory.profiles.store import ProfileStore


def install_profile_consumer(consumers: EventConsumers, profiles: ProfileStore) -> None:
    """Remember the user's retention and long-term-memory choices and time zone."""
    follow_user_events(
        consumers,
        profiles,
        name="memory-profiles",
        registered=lambda user: {"timezone": user.timezone},
        preferences=profile_fields,
    )
