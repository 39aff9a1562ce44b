"""Relationship strength and rhythm of one contact from its interactions (pure, no I/O).

The formula and its defaults are in docs/relationships.md ("Relationship strength"). Only
interactions that already happened count: a meeting next week is not contact yet.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

DAY = 86_400.0
MIN_RHYTHM = 3  # interactions needed before a silence can be called "going cold"
FREQUENCY_BUCKETS: tuple[tuple[float, str], ...] = (
    (2, "daily"),
    (10, "weekly"),
    (21, "biweekly"),
    (45, "monthly"),
    (120, "quarterly"),
)
RARELY = "rarely"


@dataclass(frozen=True)
class Tuning:
    w_recency: float = 0.35
    w_frequency: float = 0.35
    w_reciprocity: float = 0.15
    w_sentiment: float = 0.15
    recency_half_life_days: float = 30.0
    window_days: float = 180.0
    frequency_saturation: float = 24.0
    cold_factor: float = 2.0
    cold_min_days: float = 14.0


@dataclass(frozen=True)
class Activity:
    """What one aggregate over a contact's interactions yields.

    ``moments`` are the most recent interaction times (any order, possibly capped);
    ``in_window``, ``inbound``, ``outbound``, ``mutual`` and ``sentiment_sum`` count only
    interactions inside the window.
    """

    last_at: datetime | None
    moments: Sequence[datetime]
    in_window: int
    inbound: int
    outbound: int
    mutual: int
    sentiment_sum: float


NO_ACTIVITY = Activity(None, (), 0, 0, 0, 0, 0.0)


@dataclass(frozen=True)
class Relationship:
    strength: float
    frequency: str | None
    last_interaction_at: datetime | None
    going_cold: bool
    usual_gap_days: float | None
    cold_after_days: float | None

    def fields(self, now: datetime) -> dict[str, Any]:
        """As stored on the contact document."""
        return {
            "relationship_strength": self.strength,
            "interaction_frequency": self.frequency,
            "last_interaction_at": self.last_interaction_at,
            "going_cold": self.going_cold,
            "usual_gap_days": self.usual_gap_days,
            "cold_after_days": self.cold_after_days,
            "strength_updated_at": now,
        }


def frequency_bucket(gap_days: float) -> str:
    for limit, name in FREQUENCY_BUCKETS:
        if gap_days <= limit:
            return name
    return RARELY


def median_gap_days(moments: Sequence[datetime]) -> float | None:
    ordered = sorted(moments)
    if len(ordered) < 2:
        return None
    gaps = [(b - a).total_seconds() / DAY for a, b in itertools.pairwise(ordered)]
    return float(statistics.median(gaps))


def recency(last_at: datetime | None, now: datetime, half_life_days: float) -> float:
    if last_at is None:
        return 0.0
    days = max(0.0, (now - last_at).total_seconds() / DAY)
    return float(0.5 ** (days / half_life_days))


def frequency_score(count: int, saturation: float) -> float:
    if count <= 0:
        return 0.0
    return min(1.0, math.log1p(count) / math.log1p(saturation))


def reciprocity(inbound: int, outbound: int, mutual: int) -> float:
    """1 when both sides reach out as much; a mutual interaction counts for both sides."""
    ins, outs = inbound + mutual, outbound + mutual
    if ins + outs == 0:
        return 0.0
    return 1.0 - abs(ins - outs) / (ins + outs)


def relationship(activity: Activity, now: datetime, tuning: Tuning) -> Relationship:
    """Strength, frequency and going-cold of one contact at ``now``."""
    if activity.last_at is None:
        return Relationship(0.0, None, None, False, None, None)
    mood = 0.0
    if activity.in_window:
        mean = activity.sentiment_sum / activity.in_window
        mood = (1.0 + max(-1.0, min(1.0, mean))) / 2.0
    strength = (
        tuning.w_recency * recency(activity.last_at, now, tuning.recency_half_life_days)
        + tuning.w_frequency * frequency_score(activity.in_window, tuning.frequency_saturation)
        + tuning.w_reciprocity * reciprocity(activity.inbound, activity.outbound, activity.mutual)
        + tuning.w_sentiment * mood
    )
    gap = median_gap_days(activity.moments)
    cold_after: float | None = None
    going_cold = False
    if gap is not None and len(activity.moments) >= MIN_RHYTHM:
        cold_after = max(gap * tuning.cold_factor, tuning.cold_min_days)
        going_cold = now - activity.last_at > timedelta(days=cold_after)
    return Relationship(
        strength=round(max(0.0, min(1.0, strength)), 4),
        frequency=frequency_bucket(gap) if gap is not None else RARELY,
        last_interaction_at=activity.last_at,
        going_cold=going_cold,
        usual_gap_days=round(gap, 3) if gap is not None else None,
        cold_after_days=round(cold_after, 3) if cold_after is not None else None,
    )
