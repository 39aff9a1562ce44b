"""Keep profiles current from identity's events."""

from __future__ import annotations

from typing import Any

from muninn_shared.messaging.consumer import EventConsumers
from muninn_shared.profiles import follow_user_events

from muninn_scheduler.profiles.store import ProfileStore


def preference_fields(preferences: dict[str, Any]) -> dict[str, Any]:
    notifications = preferences.get("notifications") or {}
    changes: dict[str, Any] = {}
    if "timezone" in preferences:
        changes["timezone"] = preferences["timezone"]
    if "currency" in preferences:
        changes["currency"] = preferences["currency"]
    if "quiet_hours" in notifications:
        changes["quiet_hours"] = notifications["quiet_hours"]
    switches = {
        k: notifications[k]
        for k in ("push_notifications", "email_follow_ups", "proactive_messages")
        if k in notifications
    }
    if switches:
        changes["notifications"] = switches
    if "event_reminder_minutes" in notifications:
        changes["event_reminder_minutes"] = notifications["event_reminder_minutes"]
    if "preferred_contact_times" in preferences:
        changes["preferred_contact_times"] = preferences["preferred_contact_times"]
    return changes


def register_handlers(consumers: EventConsumers, profiles: ProfileStore) -> None:
    follow_user_events(
        consumers,
        profiles,
        name="scheduler-profiles",
        registered=lambda user: {
            "timezone": user.timezone,
            "email": user.email,
            "display_name": user.display_name,
        },
        preferences=preference_fields,
    )
