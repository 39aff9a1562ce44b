"""Keep memory profiles current from identity's user events."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import UserRegistered, UserUpdated
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.profiles.models import profile_fields
from muninn_memory.profiles.store import ProfileStore


def install_profile_consumer(consumers: EventConsumers, profiles: ProfileStore) -> None:
    @consumers.on(
        Topic.IDENTITY_USERS,
        "identity.user.registered",
        "identity.user.updated",
        name="memory-profiles",
    )
    async def on_user_event(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Remember the user's retention and long-term-memory choices and time zone."""
        if event.type == "identity.user.registered":
            user = UserRegistered.model_validate(event.data)
            await profiles.merge(user.user_id, {"timezone": user.timezone}, session)
            return
        update = UserUpdated.model_validate(event.data)
        changes = profile_fields(update.preferences or {})
        if changes:
            await profiles.merge(update.user_id, changes, session)
