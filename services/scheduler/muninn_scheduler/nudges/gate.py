"""Whether a nudge of one kind about one contact may be created now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_scheduler.nudges.models import NudgeSettings

KINDS = {
    "birthday": "birthdays",
    "going_cold": "going_cold",
    "job_change": "job_changes",
    "follow_up": "follow_ups",
    "briefing": "briefings",
}


def user_allows(prefs: NudgeSettings, kind: str, now: datetime) -> bool:
    """Nudges on, this kind on, and not snoozed as a whole."""
    snoozed = prefs.snoozed_until is not None and prefs.snoozed_until > now
    return prefs.enabled and bool(getattr(prefs, KINDS[kind])) and not snoozed


def contact_allows(contact: dict[str, Any] | None, now: datetime) -> bool:
    """Not opted out, not snoozed, not archived; a contact not (yet) projected is allowed."""
    if contact is None:
        return True
    snoozed = contact.get("snoozed_until") is not None and contact["snoozed_until"] > now
    return not (contact.get("opt_out") or contact.get("archived") or snoozed)
