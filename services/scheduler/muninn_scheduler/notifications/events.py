"""The events a notification's life produces."""

from __future__ import annotations

from typing import Any

from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.events.payloads import NotificationChanged, SchedulerProactive

SOURCE = "scheduler"


def changed(
    doc: dict[str, Any], status: str, channel: str | None = None, detail: str | None = None
) -> EventEnvelope:
    payload = NotificationChanged(
        user_id=doc["user_id"],
        notification_id=doc["_id"],
        kind=doc["kind"],
        status=status,
        channel=channel,
        detail=detail,
    )
    return new_event(
        "scheduler.notification.changed", source=SOURCE, subject=doc["user_id"], data=payload
    )


def proactive(doc: dict[str, Any]) -> EventEnvelope:
    """The in-app copy: an assistant message in the conversation the notification is about.

    ``reference_id`` names the thing the message is about (the reminder, the experience, the
    contact) so a reply can be tied back to it; the notification itself when there is none.
    """
    payload = SchedulerProactive(
        user_id=doc["user_id"],
        conversation_id=doc.get("conversation_id"),
        kind=doc["kind"],
        text=doc["body"],
        reference_id=doc.get("ref_id") or doc["_id"],
    )
    return new_event(
        "scheduler.proactive.message", source=SOURCE, subject=doc["user_id"], data=payload
    )
