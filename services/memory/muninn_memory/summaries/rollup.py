"""A quarter's or a year's summary from the summaries of its parts, by rules.

A long period is read from its months (or quarters), not from its memories: what each part
found (insights, events, preferences, entities) is merged, every part has its say in what
is kept, and what comes back across parts counts for more. Like the parts, each line can be
traced: events keep their dates, preferences their memories.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from muninn_memory.extraction.text import normalized
from muninn_memory.summaries.models import LearnedPreference, NewRelationship, Period
from muninn_memory.summaries.periods import label
from muninn_memory.summaries.rules import (
    BASE_CONTEXTS,
    MAX_ENTITIES,
    MAX_EVENTS,
    MAX_INSIGHTS,
    MAX_PREFERENCES,
    Draft,
)

Doc = dict[str, Any]
# A preference stated in several parts is surer than in one, as a repeated statement is.
PER_PART_CONFIDENCE = 0.08


def original_chars(part: Doc) -> int:
    """About how many characters of memories a stored summary stands for (ratio times length)."""
    return round(float(part.get("compression_ratio") or 0) * len(str(part.get("summary") or "")))


def _round_robin(lists: list[list[str]], limit: int) -> list[str]:
    """The first of each list, then the second of each…: every part has its say."""
    kept: dict[str, None] = {}
    for position in range(max((len(items) for items in lists), default=0)):
        for items in lists:
            if position < len(items):
                kept.setdefault(items[position], None)
                if len(kept) >= limit:
                    return list(kept)
    return list(kept)


def merged_breakdown(parts: list[Doc]) -> dict[str, float]:
    """The parts' context shares weighted by how many memories each part had."""
    total = sum(int(p.get("original_memory_count") or 0) for p in parts) or 1
    weights: dict[str, float] = {}
    for part in parts:
        count = int(part.get("original_memory_count") or 0)
        for context, share in (part.get("context_breakdown") or {}).items():
            weights[context] = weights.get(context, 0.0) + float(share) * count
    shares = {c: 0.0 for c in BASE_CONTEXTS}
    for context, weight in weights.items():
        shares[context] = round(weight / total, 1)
    return shares


def merged_preferences(parts: list[Doc]) -> list[LearnedPreference]:
    groups: dict[str, list[LearnedPreference]] = {}
    for part in parts:
        for raw in part.get("learned_preferences") or []:
            preference = LearnedPreference.model_validate(raw)
            groups.setdefault(normalized(preference.preference), []).append(preference)
    merged: list[LearnedPreference] = []
    for members in groups.values():
        latest = members[-1]
        best = max(p.confidence for p in members)
        merged.append(
            LearnedPreference(
                preference=latest.preference,
                category=latest.category,
                sentiment=latest.sentiment,
                confidence=round(min(0.99, best + PER_PART_CONFIDENCE * (len(members) - 1)), 2),
                evidence=list(dict.fromkeys(e for p in members for e in p.evidence))[:5],
                memory_ids=list(dict.fromkeys(m for p in members for m in p.memory_ids)),
            )
        )
    merged.sort(key=lambda p: (-p.confidence, p.preference))
    return merged[:MAX_PREFERENCES]


def merged_entities(parts: list[Doc]) -> tuple[list[str], Counter[str]]:
    """Entities by how many parts name them, then by their best rank in a part."""
    present: Counter[str] = Counter()
    best_rank: dict[str, int] = {}
    for part in parts:
        for rank, name in enumerate(part.get("entities") or []):
            present[name] += 1
            best_rank[name] = min(rank, best_rank.get(name, rank))
    ranked = sorted(present, key=lambda n: (-present[n], best_rank[n], n))
    return ranked[:MAX_ENTITIES], present


def merged_relationships(parts: list[Doc]) -> list[NewRelationship]:
    strongest: dict[tuple[str, str, str], NewRelationship] = {}
    for part in parts:
        for raw in part.get("new_relationships") or []:
            found = NewRelationship.model_validate(raw)
            key = (found.entity1, found.entity2, found.relationship)
            if key not in strongest or strongest[key].strength < found.strength:
                strongest[key] = found
    ranked = sorted(strongest.values(), key=lambda r: -r.strength)
    return ranked[:MAX_ENTITIES]


def rollup(period: Period, start: datetime, end: datetime, parts: list[Doc]) -> Draft:
    """The summary of ``period`` from its parts' stored summaries (in order)."""
    memories = sum(int(p.get("original_memory_count") or 0) for p in parts)
    breakdown = merged_breakdown(parts)
    entities, present = merged_entities(parts)
    changes = [[i for i in p.get("key_insights") or [] if i.startswith("Changed:")] for p in parts]
    others = [
        [i for i in p.get("key_insights") or [] if not i.startswith("Changed:")] for p in parts
    ]
    insights = _round_robin(changes, MAX_INSIGHTS // 2)
    insights += [i for i in _round_robin(others, MAX_INSIGHTS) if i not in insights]
    recurring = [n for n in entities if present[n] >= 2][:2]
    insights = insights[: MAX_INSIGHTS - len(recurring)] + [
        f"{name} came up in {present[name]} of {len(parts)} parts of the period."
        for name in recurring
    ]
    # Each event line starts with its date: sorted, they read in order.
    events = sorted(
        _round_robin([list(p.get("important_events") or []) for p in parts], MAX_EVENTS)
    )
    preferences = merged_preferences(parts)
    text = _narrative(period, start, end, parts, memories, breakdown, insights, events, preferences)
    return Draft(
        summary=text,
        key_insights=insights,
        important_events=events,
        learned_preferences=preferences,
        entities=entities,
        new_relationships=merged_relationships(parts),
        context_breakdown=breakdown,
        original_memory_count=memories,
        compression_ratio=round(sum(original_chars(p) for p in parts) / max(1, len(text)), 2),
    )


def _narrative(
    period: Period,
    start: datetime,
    end: datetime,
    parts: list[Doc],
    memories: int,
    breakdown: dict[str, float],
    insights: list[str],
    events: list[str],
    preferences: list[LearnedPreference],
) -> str:
    contexts = ", ".join(
        f"{name} {share:.0f}%"
        for name, share in sorted(breakdown.items(), key=lambda p: -p[1])
        if share
    )
    busiest = max(parts, key=lambda p: int(p.get("original_memory_count") or 0))
    text = [
        f"{label(period, start, end)}: {memories} memories in {len(parts)} summarised "
        f"{'months' if period == 'quarter' else 'quarters'} ({contexts}); the busiest was "
        f"{label(busiest['period'], busiest['start'], busiest['end'])}."
    ]
    if insights:
        text.append("Key points: " + "; ".join(i.rstrip(".") for i in insights[:6]) + ".")
    if events:
        text.append("Events: " + "; ".join(e.rstrip(".") for e in events[:6]) + ".")
    if preferences:
        text.append(
            "Preferences: " + "; ".join(p.preference.rstrip(".") for p in preferences[:5]) + "."
        )
    text.append(
        "By part: "
        + "; ".join(
            f"{label(p['period'], p['start'], p['end'])} {int(p.get('original_memory_count') or 0)}"
            for p in parts
        )
        + "."
    )
    return " ".join(text)
