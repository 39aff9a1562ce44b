"""Relations memory already knows, read from what the memories record (never stored, so
they hold for memories written before relations existed and vanish with what they rest on):

- **updates**: a newer version of a fact (same lineage) updates the one it superseded.
- **contradicts**: a correction contradicts the stored message that stated the old fact
  (the message is ``outdated_by`` it).
- **follows_from**: a fact extracted from a message follows from that message.
- **related**, same episode: facts extracted from the same message.
- **related**, shared entities: facts that mention the same people, places or things; the
  more of their entities they share, the stronger (Jaccard of the two sets).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_memory.memories.models import MemoryType
from muninn_memory.relations.types import MUTUAL, Direction, RelationType

Doc = dict[str, Any]
CONVERSATION = MemoryType.CONVERSATION.value

UPDATES_STRENGTH = 1.0
CONTRADICTS_STRENGTH = 0.9
FOLLOWS_STRENGTH = 0.9
SAME_MESSAGE_STRENGTH = 0.8
# Shared entities: from ENTITY_BASE (one entity of many in common) to ENTITY_BASE + ENTITY_SPAN.
ENTITY_BASE = 0.3
ENTITY_SPAN = 0.4


@dataclass(frozen=True)
class Inferred:
    other_id: str
    type: RelationType
    direction: Direction
    strength: float
    reason: str
    at: datetime


def relation_id(type_: str, source: str, target: str) -> str:
    """The same id for a relation whichever memory it is read from (mutual ones unordered)."""
    if type_ in MUTUAL:
        source, target = sorted((source, target))
    digest = hashlib.sha1(f"{type_}|{source}|{target}".encode()).hexdigest()
    return f"i-{digest[:24]}"


def ends(memory_id: str, other_id: str, direction: Direction) -> tuple[str, str]:
    """(source, target) of a relation seen from ``memory_id``."""
    return (other_id, memory_id) if direction == "incoming" else (memory_id, other_id)


def episode(doc: Doc) -> set[tuple[str, ...]]:
    """What a memory was said in: its source messages, or for messages that came without an
    id, its ingestion job and the message's time (as the job stamps every memory of it)."""
    provenance = doc.get("provenance") or {}
    ids = provenance.get("message_ids") or []
    if ids:
        return {("message", str(i)) for i in ids}
    job = provenance.get("job_id")
    at = doc.get("occurred_at")
    return {("job", str(job), at.isoformat())} if job and at else set()


def _later(a: Doc, b: Doc) -> datetime:
    """When the relation came to be known: when the later of the two was stored."""
    times: list[datetime] = [t for t in (a.get("created_at"), b.get("created_at")) if t]
    return max(times) if times else datetime.fromtimestamp(0, UTC)


def _names(doc: Doc, shared: set[str]) -> str:
    names = [
        n
        for i, n in zip(doc.get("entity_ids") or [], doc.get("entity_names") or [], strict=False)
        if i in shared
    ]
    return ", ".join(dict.fromkeys(names)) or "the same entities"


def infer(
    memory: Doc,
    *,
    versions: list[Doc],
    same_message: list[Doc],
    corrected_messages: list[Doc],
    correction: Doc | None,
    sharing_entities: list[Doc],
) -> list[Inferred]:
    """What ``memory`` is known to relate to, one relation per other memory (the most
    specific when several rules hold).

    ``versions``: its lineage; ``same_message``: memories of its source messages;
    ``corrected_messages``: messages its correction outdated; ``correction``: the memory that
    outdated it (for a message); ``sharing_entities``: facts with an entity of its own.
    """
    me = memory["_id"]
    found: dict[str, Inferred] = {}

    def add(
        other: Doc, type_: RelationType, direction: Direction, strength: float, why: str
    ) -> None:
        if other["_id"] == me or other["_id"] in found:
            return
        found[other["_id"]] = Inferred(
            other["_id"], type_, direction, strength, why, _later(memory, other)
        )

    for other in versions:
        if other.get("superseded_by") == me or memory.get("supersedes") == other["_id"]:
            add(other, "updates", "outgoing", UPDATES_STRENGTH, "a newer version of this fact")
        elif memory.get("superseded_by") == other["_id"] or other.get("supersedes") == me:
            add(other, "updates", "incoming", UPDATES_STRENGTH, "a newer version of this fact")
    if correction is not None:
        add(
            correction,
            "contradicts",
            "mutual",
            CONTRADICTS_STRENGTH,
            "a later correction of what this message said",
        )
    for other in corrected_messages:
        if other.get("outdated_by") == me:
            add(
                other,
                "contradicts",
                "mutual",
                CONTRADICTS_STRENGTH,
                "this correction outdated what the message said",
            )
    mine = episode(memory)
    fact = memory["type"] != CONVERSATION
    for other in same_message:
        if not mine & episode(other):
            continue
        other_fact = other["type"] != CONVERSATION
        if fact and not other_fact:
            add(other, "follows_from", "outgoing", FOLLOWS_STRENGTH, "extracted from this message")
        elif other_fact and not fact:
            add(other, "follows_from", "incoming", FOLLOWS_STRENGTH, "extracted from this message")
        elif fact and other_fact:
            add(other, "related", "mutual", SAME_MESSAGE_STRENGTH, "stated in the same message")
    entities = set(memory.get("entity_ids") or [])
    for other in sharing_entities:
        theirs = set(other.get("entity_ids") or [])
        shared = entities & theirs
        if not shared or other["type"] == CONVERSATION:
            continue
        jaccard = len(shared) / len(entities | theirs)
        strength = round(ENTITY_BASE + ENTITY_SPAN * jaccard, 2)
        add(other, "related", "mutual", strength, f"both about {_names(other, shared)}")
    return list(found.values())
