"""An RFC 5545 recurrence rule read as its parts, without expanding it.

The services judge how dense a rule is before anything walks it (the scheduler when a
reminder's rule is made, the integrations service before a calendar event is expanded): both
read the same parts the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

# About how long each frequency's period is (a month and a year at their shortest).
PERIOD_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3_600,
    "DAILY": 86_400,
    "WEEKLY": 604_800,
    "MONTHLY": 28 * 86_400,
    "YEARLY": 365 * 86_400,
}


def rule_parts(rule: str) -> dict[str, str]:
    """``FREQ=DAILY;BYHOUR=8,12`` as ``{"FREQ": "DAILY", "BYHOUR": "8,12"}`` (upper-cased)."""
    parts: dict[str, str] = {}
    for part in rule.upper().split(";"):
        name, _, value = part.partition("=")
        parts[name.strip()] = value.strip()
    return parts


def rule_interval(parts: Mapping[str, str]) -> int:
    """The rule's INTERVAL: 1 when it names none, or none that is a whole number, or less."""
    try:
        return max(1, int(parts.get("INTERVAL") or 1))
    except ValueError:
        return 1
