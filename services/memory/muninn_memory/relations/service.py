"""A memory's relations: what memory infers, what the user made, minus what the user removed.

A relation shows only while both memories exist and are not deleted; a deleted memory's
stored relations go with it (in the deleting transaction: see ``forget``), and erasure
removes the user's with everything else. Recall uses :meth:`RelationService.expand`: the
memories related to the best search results, to add after them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_shared.problems import ProblemError, invalid_field, not_found
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.memories.ledger import MemoryLedger
from muninn_memory.memories.models import MemoryStatus, MemoryType
from muninn_memory.memories.service import MemoryService
from muninn_memory.relations.inference import Inferred, ends, infer, relation_id
from muninn_memory.relations.models import (
    MemoryRelation,
    RelatedMemory,
    RelationCreate,
)
from muninn_memory.relations.store import MAX_PER_MEMORY, RelationStore
from muninn_memory.relations.types import MUTUAL, Direction, RelationSource, RelationType

Doc = dict[str, Any]
# Facts sharing an entity that are weighed for a memory (the newest): a person mentioned in
# thousands of memories must not make reading one memory slow.
ENTITY_CANDIDATES = 50
# The best results of a search whose relations recall adds.
EXPAND_FROM = 5
DETAIL_RELATIONS = 20


@dataclass(frozen=True)
class Row:
    """One relation seen from a memory, before the other memory is read."""

    id: str
    type: RelationType
    direction: Direction
    other_id: str
    strength: float
    source: RelationSource
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class Expansion:
    """A memory to add after the results: related to ``parent_id`` (a result) this way."""

    parent_id: str
    other_id: str
    type: RelationType
    direction: Direction
    strength: float
    score: float


def _direction(type_: str, source: str, memory_id: str) -> Direction:
    if type_ in MUTUAL:
        return "mutual"
    return "outgoing" if source == memory_id else "incoming"


def _related(doc: Doc) -> RelatedMemory:
    return RelatedMemory(
        id=doc["_id"],
        content=doc["content"],
        type=doc["type"],
        status=doc["status"],
        occurred_at=doc["occurred_at"],
    )


@dataclass(kw_only=True, eq=False)
class RelationService:
    store: RelationStore
    memories: MemoryService
    ledger: MemoryLedger

    # -- reading --------------------------------------------------------------------------

    async def of(
        self,
        user_id: str,
        memory_id: str,
        *,
        limit: int = DETAIL_RELATIONS,
        types: list[RelationType] | None = None,
    ) -> list[MemoryRelation]:
        """The memory's relations, strongest first (a 404 for a deleted or unknown memory)."""
        doc = await self.memories.get_doc(user_id, memory_id)
        rows = await self._rows(user_id, doc)
        if types:
            rows = [r for r in rows if r.type in types]
        others = {d["_id"]: d for d in await self.ledger.docs(user_id, [r.other_id for r in rows])}
        shown = [r for r in rows if _visible(others.get(r.other_id))]
        shown.sort(key=lambda r: (-r.strength, r.source != "user", -r.at.timestamp()))
        return [self._model(r, others[r.other_id]) for r in shown[:limit]]

    async def _rows(self, user_id: str, doc: Doc) -> list[Row]:
        me = doc["_id"]
        stored = await self.store.of(user_id, [me])
        dismissed = {r["_id"] for r in stored if r.get("dismissed")}
        rows: list[Row] = []
        by_user: set[str] = set()
        for row in stored:
            if row.get("dismissed"):
                continue
            other = row["related_memory_id"] if row["memory_id"] == me else row["memory_id"]
            by_user.add(other)
            rows.append(
                Row(
                    row["_id"],
                    row["type"],
                    _direction(row["type"], row["memory_id"], me),
                    other,
                    float(row["strength"]),
                    "user",
                    row.get("reason"),
                    row["created_at"],
                )
            )
        for found in await self._inferred(user_id, doc):
            rid = relation_id(found.type, *ends(me, found.other_id, found.direction))
            if rid in dismissed or (found.type == "related" and found.other_id in by_user):
                continue  # the user removed it, or said how the two relate
            rows.append(
                Row(
                    rid,
                    found.type,
                    found.direction,
                    found.other_id,
                    found.strength,
                    "inferred",
                    found.reason,
                    found.at,
                )
            )
        return rows

    async def _inferred(self, user_id: str, doc: Doc) -> list[Inferred]:
        fact = doc["type"] != MemoryType.CONVERSATION.value
        versions = await self.ledger.lineage(user_id, str(doc.get("lineage_id") or doc["_id"]))
        same_message = await self._said_with(user_id, doc)
        replaced = next((v for v in versions if v["_id"] == doc.get("supersedes")), None)
        corrected = await self._said_with(user_id, replaced) if fact and replaced else []
        correction = None
        if doc.get("outdated_by"):
            found = await self.ledger.docs(user_id, [str(doc["outdated_by"])])
            correction = found[0] if found else None
        entity_ids = list(doc.get("entity_ids") or [])
        sharing = (
            await self.ledger.sharing_entities(user_id, entity_ids, ENTITY_CANDIDATES)
            if entity_ids
            else []
        )
        return infer(
            doc,
            versions=versions if fact else [],
            same_message=same_message,
            corrected_messages=corrected,
            correction=correction,
            sharing_entities=sharing,
        )

    async def _said_with(self, user_id: str, doc: Doc) -> list[Doc]:
        """The memories of the message(s) ``doc`` was said in (see ``inference.episode``)."""
        provenance = doc.get("provenance") or {}
        message_ids = list(provenance.get("message_ids") or [])
        if message_ids:
            return await self.ledger.by_message_ids(user_id, message_ids)
        if provenance.get("job_id"):
            same_time = {"occurred_at": doc["occurred_at"]}
            return await self.ledger.of_job(user_id, str(provenance["job_id"]), same_time)
        return []

    def _model(self, row: Row, other: Doc) -> MemoryRelation:
        return MemoryRelation(
            id=row.id,
            type=row.type,
            direction=row.direction,
            related_memory_id=row.other_id,
            related=_related(other),
            strength=row.strength,
            source=row.source,
            reason=row.reason,
            created_at=row.at,
        )

    # -- the user's relations ---------------------------------------------------------------

    async def add(self, user_id: str, memory_id: str, body: RelationCreate) -> MemoryRelation:
        await self.memories.get_doc(user_id, memory_id)
        if body.related_memory_id == memory_id:
            raise invalid_field(
                "A memory is not related to itself.",
                loc=("body", "related_memory_id"),
                msg="is the memory itself",
            )
        found = await self.ledger.docs(user_id, [body.related_memory_id])
        if not found or not _visible(found[0]):
            raise ProblemError(404, "Related memory not found", code="not-found")
        other = found[0]
        made = [r for r in await self.store.of(user_id, [memory_id]) if not r.get("dismissed")]
        for row in made:
            same = (row["memory_id"], row["related_memory_id"]) == (memory_id, other["_id"])
            reversed_ = (row["memory_id"], row["related_memory_id"]) == (other["_id"], memory_id)
            if row["type"] == body.type and (same or (reversed_ and body.type in MUTUAL)):
                raise ProblemError(
                    409,
                    f"The memories are already related that way (relation {row['_id']}).",
                    code="relation-exists",
                )
        if len(made) >= MAX_PER_MEMORY:
            raise ProblemError(
                422,
                f"A memory has at most {MAX_PER_MEMORY} relations made by hand.",
                code="too-many-relations",
            )
        now = datetime.now(UTC)
        doc: Doc = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "memory_id": memory_id,
            "related_memory_id": other["_id"],
            "type": body.type,
            "strength": body.strength,
            "reason": body.reason,
            "source": "user",
            "created_at": now,
        }
        await self.store.insert(doc)
        made_row = Row(
            doc["_id"],
            body.type,
            _direction(body.type, memory_id, memory_id),
            other["_id"],
            body.strength,
            "user",
            body.reason,
            now,
        )
        return self._model(made_row, other)

    async def remove(self, user_id: str, memory_id: str, relation_id_: str) -> None:
        """Delete a relation the user made; an inferred one is dismissed (not inferred again)."""
        doc = await self.memories.get_doc(user_id, memory_id)
        for row in await self._rows(user_id, doc):
            if row.id != relation_id_:
                continue
            if row.source == "user":
                await self.store.delete(user_id, row.id)
                return
            source, target = ends(memory_id, row.other_id, row.direction)
            await self.store.dismiss(
                {
                    "_id": row.id,
                    "user_id": user_id,
                    "memory_id": source,
                    "related_memory_id": target,
                    "type": row.type,
                    "source": "inferred",
                    "dismissed": True,
                    "created_at": datetime.now(UTC),
                }
            )
            return
        raise not_found("Relation")

    async def forget(
        self, user_id: str, memory_ids: list[str], session: AsyncClientSession
    ) -> None:
        """The memories are deleted: their stored relations go (in the same transaction)."""
        await self.store.delete_for(user_id, memory_ids, session)

    async def all(self, user_id: str) -> list[Doc]:
        """The user's stored relations (made, or inferred and removed), as an export carries
        them."""
        return [
            {("id" if k == "_id" else k): v for k, v in d.items() if k != "user_id"}
            for d in await self.store.all_for(user_id)
        ]

    # -- recall ---------------------------------------------------------------------------

    async def expand(self, user_id: str, ranked: list[tuple[str, float]]) -> list[Expansion]:
        """Memories related to the best of ``ranked`` (memory id, score) and not among them,
        best first (by the result's score times the relation's strength)."""
        parents = ranked[:EXPAND_FROM]
        scores = dict(parents)
        docs = await self.ledger.docs(user_id, [p for p, _ in parents])
        present = {memory_id for memory_id, _ in ranked}
        best: dict[str, Expansion] = {}
        for doc in sorted(docs, key=lambda d: -scores[d["_id"]]):
            for row in await self._rows(user_id, doc):
                if row.other_id in present:
                    continue
                score = scores[doc["_id"]] * row.strength
                if row.other_id not in best or best[row.other_id].score < score:
                    best[row.other_id] = Expansion(
                        doc["_id"], row.other_id, row.type, row.direction, row.strength, score
                    )
        return sorted(best.values(), key=lambda e: -e.score)


def _visible(doc: Doc | None) -> bool:
    return doc is not None and doc["status"] != MemoryStatus.DELETED.value
