"""Interests and preferences fade when not mentioned again: importance halves every half-life.

The original importance is kept (``base_importance``) so a fresh mention restores it; decay
never goes below a floor, so an old preference stays findable, just ranked lower.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from muninn_memory.memories.models import MemoryType

Doc = dict[str, Any]
DECAYING_TYPES = [MemoryType.PREFERENCE_LEARNED.value]


def last_mentioned(doc: Doc) -> datetime:
    moments: list[datetime] = [doc["occurred_at"]]
    if doc.get("last_reinforced_at") is not None:
        moments.append(doc["last_reinforced_at"])
    return max(moments)


def decayed(doc: Doc, now: datetime, *, half_life_days: float, floor: int) -> tuple[int, float]:
    """The importance and decay factor the memory should have at ``now``."""
    base = int(doc.get("base_importance") or doc["importance"])
    age_days = max(0.0, (now - last_mentioned(doc)).total_seconds() / 86_400)
    factor = 0.5 ** (age_days / half_life_days)
    return max(min(base, floor), round(base * factor)), round(factor, 3)
