"""Reading a person's channel settings (defaults until they set any)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.notifications.models import ChannelSettings
from muninn_scheduler.notifications.store import NotificationStore


def settings_from_doc(doc: dict[str, Any] | None) -> ChannelSettings:
    if doc is None:
        return ChannelSettings()
    return ChannelSettings.model_validate(
        {k: v for k, v in doc.items() if k in ChannelSettings.model_fields}
    )


async def channel_settings(
    store: NotificationStore, user_id: str, session: AsyncClientSession | None = None
) -> ChannelSettings:
    return settings_from_doc(await store.channel_settings(user_id, session))


async def channel_settings_many(
    store: NotificationStore, user_ids: Iterable[str], session: AsyncClientSession | None
) -> dict[str, ChannelSettings]:
    users = set(user_ids)
    docs = await store.channel_settings_many(users, session)
    return {user: settings_from_doc(docs.get(user)) for user in users}
