"""Datetimes as every service keeps them: aware, in UTC when no offset was given.

MongoDB hands datetimes back naive (they are UTC) unless the client is tz-aware, and events
carry moments as ISO text; both come through here rather than through a helper per module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def as_utc(value: datetime) -> datetime:
    """``value`` with UTC as its offset when it has none (a stored datetime read back)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_moment(value: Any) -> datetime | None:
    """A datetime, or ISO 8601 text (``Z`` allowed), as an aware datetime; None otherwise."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return as_utc(value)
