"""A service's own copy of what identity says about its users (time zone, preferences): one
document per user, ``_id`` the user id, merged from identity's user events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import UserRegistered, UserUpdated
from muninn_shared.messaging.consumer import EventConsumers
from muninn_shared.storage.mongo import Document


class ProfileDocuments:
    def __init__(self, profiles: AsyncCollection[Document]) -> None:
        self._profiles = profiles

    async def merge(
        self, user_id: str, changes: Document, session: AsyncClientSession | None = None
    ) -> None:
        await self._profiles.update_one(
            {"_id": user_id},
            {"$set": {**changes, "user_id": user_id, "updated_at": datetime.now(UTC)}},
            upsert=True,
            session=session,
        )


def follow_user_events(
    consumers: EventConsumers,
    profiles: ProfileDocuments,
    *,
    name: str,
    registered: Callable[[UserRegistered], Document],
    preferences: Callable[[dict[str, Any]], Document],
) -> None:
    """Merge into ``profiles`` what ``registered`` keeps of a new user and what
    ``preferences`` keeps of changed preferences (nothing is written when that is empty)."""

    @consumers.on(
        Topic.IDENTITY_USERS, "identity.user.registered", "identity.user.updated", name=name
    )
    async def on_user_event(event: EventEnvelope, session: AsyncClientSession) -> None:
        if event.type == "identity.user.registered":
            user = UserRegistered.model_validate(event.data)
            await profiles.merge(user.user_id, registered(user), session)
            return
        update = UserUpdated.model_validate(event.data)
        changes = preferences(update.preferences or {})
        if changes:
            await profiles.merge(update.user_id, changes, session)
