"""A period's summary from its memories, by rules: offline, deterministic, traceable.

Every line of the summary comes from stored memories (key facts by importance, dated events,
preferences grouped by what they are about), so it can be checked against them; the
compression ratio says how much shorter it is than what it summarises.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from muninn_memory.entities.service import relation_strength
from muninn_memory.extraction.text import content_terms, normalized, truncate
from muninn_memory.memories.models import MemoryType
from muninn_memory.summaries.models import LearnedPreference, NewRelationship, Period
from muninn_memory.summaries.periods import label

Doc = dict[str, Any]
GENERATOR = "rules-v1"
BASE_CONTEXTS = ("work", "personal", "family")
MAX_INSIGHTS = 8
MAX_EVENTS = 10
MAX_PREFERENCES = 12
MAX_ENTITIES = 20

EVENT_TYPES = frozenset(
    {
        MemoryType.EXPERIENCE_REVIEW.value,
        MemoryType.TASK_COMPLETION.value,
        MemoryType.GOAL_SETTING.value,
    }
)
INSIGHT_TYPES = frozenset(
    {
        MemoryType.PERSONAL_INFO.value,
        MemoryType.RELATIONSHIP_INFO.value,
        MemoryType.GOAL_SETTING.value,
        MemoryType.PREFERENCE_LEARNED.value,
        MemoryType.EXPERIENCE_REVIEW.value,
    }
)
PREFERENCE_CATEGORIES: dict[str, frozenset[str]] = {
    "food": frozenset(
        [
            "food",
            "eat",
            "cook",
            "cooking",
            "dinner",
            "lunch",
            "breakfast",
            "restaurant",
            "sushi",
            "pizza",
            "pasta",
            "coffee",
            "tea",
            "vegan",
            "vegetarian",
            "spicy",
            "dessert",
            "chocolate",
            "cuisine",
            "meal",
            "wine",
            "beer",
            "drink",
            "fruit",
        ]
    ),
    "entertainment": frozenset(
        [
            "movie",
            "movies",
            "film",
            "films",
            "music",
            "song",
            "songs",
            "band",
            "concert",
            "book",
            "books",
            "novel",
            "read",
            "reading",
            "game",
            "games",
            "gaming",
            "show",
            "shows",
            "series",
            "tv",
            "podcast",
            "painting",
            "art",
            "museum",
        ]
    ),
    "travel": frozenset(
        [
            "travel",
            "trip",
            "trips",
            "flight",
            "flights",
            "fly",
            "hotel",
            "beach",
            "mountain",
            "vacation",
            "holiday",
            "abroad",
            "city",
            "country",
            "road",
            "train",
            "seat",
            "window",
            "aisle",
        ]
    ),
    "work_style": frozenset(
        [
            "work",
            "meeting",
            "meetings",
            "remote",
            "office",
            "email",
            "emails",
            "deadline",
            "schedule",
            "morning",
            "mornings",
            "evening",
            "focus",
            "team",
            "manager",
            "calls",
            "async",
        ]
    ),
    "health": frozenset(
        [
            "gym",
            "run",
            "running",
            "yoga",
            "exercise",
            "workout",
            "sleep",
            "diet",
            "walk",
            "walking",
            "swim",
            "swimming",
            "hike",
            "hiking",
            "climbing",
            "bike",
            "cycling",
            "sport",
            "sports",
        ]
    ),
    "shopping": frozenset(
        ["buy", "shop", "shopping", "brand", "clothes", "shoes", "store", "price"]
    ),
}


@dataclass
class Draft:
    summary: str
    key_insights: list[str]
    important_events: list[str]
    learned_preferences: list[LearnedPreference]
    entities: list[str]
    new_relationships: list[NewRelationship]
    context_breakdown: dict[str, float]
    original_memory_count: int
    compression_ratio: float
    generator: str = GENERATOR
    notes: list[str] = field(default_factory=list)


def category_of(text: str) -> str:
    terms = {t.lower() for t in content_terms(text)} | set(normalized(text).split())
    best, hits = "other", 0
    for name, words in PREFERENCE_CATEGORIES.items():
        count = len(terms & words)
        if count > hits:
            best, hits = name, count
    return best


def context_breakdown(docs: list[Doc]) -> dict[str, float]:
    counts = Counter(str(d.get("context") or "personal") for d in docs)
    total = sum(counts.values()) or 1
    shares = {c: 0.0 for c in BASE_CONTEXTS}
    for name, count in counts.items():
        shares[name] = round(100.0 * count / total, 1)
    return shares


def _evidence(doc: Doc) -> str:
    messages = (doc.get("provenance") or {}).get("messages") or []
    excerpt = messages[0].get("excerpt") if messages else None
    return truncate(str(excerpt or doc["content"]), 300)


def learned_preferences(docs: list[Doc]) -> list[LearnedPreference]:
    groups: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        if doc["type"] == MemoryType.PREFERENCE_LEARNED.value:
            groups[doc.get("slot") or doc.get("normalized") or normalized(doc["content"])].append(
                doc
            )
    preferences: list[LearnedPreference] = []
    for members in groups.values():
        members.sort(key=lambda d: d["occurred_at"])
        latest = members[-1]
        stated = len(members) + sum(int(d.get("reinforcements") or 0) for d in members)
        extraction = ((latest.get("provenance") or {}).get("extraction") or {}).get("confidence")
        base = float(extraction) if isinstance(extraction, (int, float)) else 0.75
        # Each further statement of the same preference makes it more certain, up to 0.99.
        confidence = min(0.99, base + 0.08 * (stated - 1))
        preferences.append(
            LearnedPreference(
                preference=latest["content"],
                category=category_of(latest["content"]),
                sentiment=latest.get("sentiment") or "neutral",
                confidence=round(confidence, 2),
                evidence=list(dict.fromkeys(_evidence(d) for d in members))[:5],
                memory_ids=[d["_id"] for d in members],
            )
        )
    preferences.sort(key=lambda p: (-p.confidence, p.preference))
    return preferences[:MAX_PREFERENCES]


def important_events(docs: list[Doc], start: datetime, end: datetime) -> list[str]:
    events: list[tuple[datetime, str]] = []
    for doc in docs:
        event_at = doc.get("event_at")
        in_period = event_at is not None and start <= event_at < end
        if (doc["type"] in EVENT_TYPES and int(doc.get("importance", 5)) >= 5) or in_period:
            when = event_at if event_at is not None else doc["occurred_at"]
            events.append((when, f"{when:%Y-%m-%d}: {doc['content']}"))
    events.sort()
    return list(dict.fromkeys(text for _, text in events))[:MAX_EVENTS]


def key_insights(
    facts: list[Doc], breakdown: dict[str, float], entity_counts: Counter[str]
) -> list[str]:
    insights: list[str] = []
    for doc in facts:
        if doc.get("supersedes") and doc.get("status") == "active":
            insights.append(f"Changed: {doc['content']}")
    ranked = sorted(
        (d for d in facts if d["type"] in INSIGHT_TYPES),
        key=lambda d: (-int(d.get("importance", 5)), -d["occurred_at"].timestamp()),
    )
    insights.extend(d["content"] for d in ranked)
    leading = max(breakdown, key=lambda c: breakdown[c]) if breakdown else None
    if leading and breakdown[leading] >= 50:
        insights.append(f"Most of the period was about {leading} ({breakdown[leading]:.0f}%).")
    for name, count in entity_counts.most_common(3):
        if count >= 3:
            insights.append(f"{name} came up {count} times.")
    return list(dict.fromkeys(insights))[:MAX_INSIGHTS]


def new_relationships(rows: list[Doc], names: dict[str, str]) -> list[NewRelationship]:
    found: list[NewRelationship] = []
    for row in rows:
        first, second = names.get(row["source_id"]), names.get(row["target_id"])
        if first and second:
            mentions = int(row.get("mentions", 1))
            found.append(
                NewRelationship(
                    entity1=first,
                    entity2=second,
                    relationship=row["relationship"],
                    strength=relation_strength(row["relationship"], mentions),
                )
            )
    return found[:MAX_ENTITIES]


def narrative(
    period: Period,
    start: datetime,
    end: datetime,
    docs: list[Doc],
    facts: list[Doc],
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
    parts = [
        f"{label(period, start, end)}: {len(docs)} memories, {len(facts)} of them facts "
        f"({contexts})."
    ]
    if insights:
        parts.append("Key points: " + "; ".join(i.rstrip(".") for i in insights[:5]) + ".")
    if events:
        parts.append("Events: " + "; ".join(e.rstrip(".") for e in events[:5]) + ".")
    if preferences:
        parts.append(
            "Preferences: " + "; ".join(p.preference.rstrip(".") for p in preferences[:5]) + "."
        )
    return " ".join(parts)


def summarise(
    period: Period,
    start: datetime,
    end: datetime,
    docs: list[Doc],
    entity_names: dict[str, str],
    relationships: list[Doc],
) -> Draft:
    facts = [d for d in docs if d["type"] != MemoryType.CONVERSATION.value]
    breakdown = context_breakdown(docs)
    entity_counts: Counter[str] = Counter(
        entity_names[e]
        for d in docs
        for e in dict.fromkeys(d.get("entity_ids") or [])
        if e in entity_names
    )
    insights = key_insights(facts, breakdown, entity_counts)
    events = important_events(facts, start, end)
    preferences = learned_preferences(facts)
    text = narrative(period, start, end, docs, facts, breakdown, insights, events, preferences)
    original = sum(len(d["content"]) for d in docs)
    return Draft(
        summary=text,
        key_insights=insights,
        important_events=events,
        learned_preferences=preferences,
        entities=[name for name, _ in entity_counts.most_common(MAX_ENTITIES)],
        new_relationships=new_relationships(relationships, entity_names),
        context_breakdown=breakdown,
        original_memory_count=len(docs),
        compression_ratio=round(original / max(1, len(text)), 2),
    )
