"""What the memory service needs to know of a user's preferences, kept current from identity.

Identity publishes the whole preferences object on ``identity.user.updated``; we keep the
privacy choices (retention, long-term memory) and the time zone. Defaults until the first
event: keep everything, remember everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROFILES = "memory_profiles"
"""The collection of profiles, and the name erasure reports their count under."""


@dataclass(frozen=True)
class MemoryProfile:
    user_id: str
    data_retention_days: int = 0
    """0 keeps memories forever."""
    long_term_memory: bool = True
    timezone: str = "UTC"


def _pick(source: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in source:
            return source[name]
    return None


def profile_fields(preferences: dict[str, Any]) -> dict[str, Any]:
    """The fields we keep from identity's preferences (snake_case, or camelCase as older identity records spell them)."""
    changes: dict[str, Any] = {}
    privacy = _pick(preferences, "privacy") or {}
    if isinstance(privacy, dict):
        days = _pick(privacy, "data_retention_days", "dataRetentionDays")
        if isinstance(days, int) and not isinstance(days, bool) and days >= 0:
            changes["data_retention_days"] = days
        long_term = _pick(privacy, "long_term_memory", "longTermMemory")
        if isinstance(long_term, bool):
            changes["long_term_memory"] = long_term
    timezone = _pick(preferences, "timezone")
    if isinstance(timezone, str) and timezone:
        changes["timezone"] = timezone
    return changes
