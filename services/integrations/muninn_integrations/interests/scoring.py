"""Confidence in an interest: reinforced by each mention, fading without one (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from muninn_shared.moments import as_utc


@dataclass(frozen=True)
class InterestPolicy:
    base: float  # a first detection's confidence
    gain: float  # share of the remaining doubt each further mention removes
    half_life_days: float
    floor: float  # decayed under it, an inferred interest is dropped
    max_participants: int


def decayed(
    confidence: float, reinforced_at: datetime, now: datetime, half_life_days: float
) -> float:
    """``c · 0.5 ^ (days since last reinforced / half-life)``; never more than ``c``."""
    days = max(0.0, (as_utc(now) - as_utc(reinforced_at)).total_seconds() / 86_400)
    return float(confidence * 0.5 ** (days / half_life_days))


def reinforced(confidence: float, gain: float) -> float:
    """``c + (1 - c)·gain``: each mention closes part of the gap to certainty."""
    return min(1.0, confidence + (1.0 - confidence) * gain)
