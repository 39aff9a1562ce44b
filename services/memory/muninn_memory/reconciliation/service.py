"""Deciding what a new fact does to what is already remembered.

- **noop**: a near-identical fact is active already (a duplicate).
- **update**: a fact about the same thing (same slot: "residence", "employer",
  "preference:sushi"…) or a correction of a similar one supersedes it: the old version gets
  ``valid_to`` and stays in history, the new one is current.
- **historical**: as update, but the new fact is older than the current one (a late-arriving
  message): it is kept as a past version and the current one stays.
- **delete**: a retraction ("I no longer work at Acme", "forget that I like sushi") ends the
  fact it matches.
- **add**: anything else.

Candidates come from the slot, the exact text, and the vector index (similar memories), plus
facts added earlier in the same job; the decision itself compares text, so it does not
depend on how the index scores.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from muninn_shared.logging import get_logger

from muninn_memory.extraction.models import ExtractedFact
from muninn_memory.extraction.rules import positive_form
from muninn_memory.extraction.text import content_terms, normalized, similarity
from muninn_memory.memories.ledger import MemoryLedger
from muninn_memory.memories.models import MemoryStatus, MemoryType
from muninn_memory.retrieval.port import MemoryIndex
from muninn_memory.vectors.port import SearchFilters

log = get_logger(__name__)

Doc = dict[str, Any]
Operation = Literal["add", "update", "historical", "delete", "noop"]

FACT_TYPES = tuple(t.value for t in MemoryType if t is not MemoryType.CONVERSATION)
_NEGATION_TERMS = frozenset(
    {
        "no",
        "longer",
        "anymore",
        "don't",
        "dont",
        "doesn",
        "doesn't",
        "not",
        "never",
        "forget",
        "ignore",
    }
)


@dataclass(frozen=True)
class Decision:
    op: Operation
    fact: ExtractedFact
    target: Doc | None = None
    similarity: float = 0.0
    reason: str = ""


def _terms_without_negation(text: str) -> set[str]:
    return {t for t in content_terms(text) if t not in _NEGATION_TERMS and not t.endswith("n't")}


def containment(retraction: str, candidate: str) -> float:
    """Share of the retraction's terms found in the candidate: "no longer works at Acme" ⊂ "works at Acme as an engineer"."""
    wanted = _terms_without_negation(retraction)
    if len(wanted) < 2:
        return 0.0
    return len(wanted & _terms_without_negation(candidate)) / len(wanted)


class Reconciler:
    def __init__(
        self,
        memories: MemoryLedger,
        index: MemoryIndex,
        *,
        candidates: int = 8,
        duplicate_similarity: float = 0.8,
        correction_similarity: float = 0.45,
        index_timeout: float = 5.0,
    ) -> None:
        self._memories = memories
        self._index = index
        self._limit = candidates
        self._duplicate = duplicate_similarity
        self._correction = correction_similarity
        self._index_timeout = index_timeout

    async def candidates(
        self,
        user_id: str,
        fact: ExtractedFact,
        pending: list[Doc],
        retired: set[str],
        scope: dict[str, str] | None = None,
    ) -> list[Doc]:
        found: dict[str, Doc] = {}
        if fact.slot:
            for doc in await self._memories.active_by_slot(user_id, fact.slot):
                found[doc["_id"]] = doc
        for doc in await self._memories.active_by_normalized(user_id, normalized(fact.content)):
            found[doc["_id"]] = doc
        for doc in await self._similar(user_id, fact):
            found.setdefault(doc["_id"], doc)
        # A fact in an app's scope (one of its users, agents or runs) never changes another
        # scope's facts; the job's own facts (pending) share its scope.
        wanted = scope or {}
        found = {k: d for k, d in found.items() if (d.get("scope") or {}) == wanted}
        for doc in pending:
            if (
                doc["status"] == MemoryStatus.ACTIVE.value
                and doc["type"] != MemoryType.CONVERSATION.value
            ):
                found[doc["_id"]] = doc
        # A contact memory belongs to its synced record: that record changes it, not a
        # fact from conversation (which is remembered beside it).
        return [
            d
            for d in found.values()
            if d["_id"] not in retired
            and d["type"] != MemoryType.CONVERSATION.value
            and not d.get("contact_id")
        ]

    async def _similar(self, user_id: str, fact: ExtractedFact) -> list[Doc]:
        query = positive_form(fact.content) if fact.negated else fact.content
        try:
            async with asyncio.timeout(self._index_timeout):
                scored = await self._index.search(
                    user_id, query, limit=self._limit, filters=SearchFilters(types=FACT_TYPES)
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Reconciliation still has slot and exact-text candidates; similarity ones are a bonus.
            log.warning("similar-memory lookup failed", user_id=user_id, error=repr(exc))
            return []
        ids = [s.memory_id for s in scored]
        return await self._memories.active_among(user_id, ids)

    async def decide(
        self,
        user_id: str,
        fact: ExtractedFact,
        *,
        pending: list[Doc],
        retired: set[str],
        scope: dict[str, str] | None = None,
    ) -> Decision:
        candidates = await self.candidates(user_id, fact, pending, retired, scope)
        return self.decide_among(fact, candidates)

    def decide_among(self, fact: ExtractedFact, candidates: list[Doc]) -> Decision:
        same_slot = [d for d in candidates if fact.slot and d.get("slot") == fact.slot]
        same_slot.sort(key=lambda d: d["valid_from"], reverse=True)
        if fact.negated:
            return self._retraction(fact, candidates, same_slot)
        for doc in candidates:
            score = similarity(fact.content, doc["content"])
            if score >= self._duplicate and (
                not fact.slot or not doc.get("slot") or doc.get("slot") == fact.slot
            ):
                return Decision("noop", fact, doc, score, "the same fact is already remembered")
        if same_slot:
            target = same_slot[0]
            score = similarity(fact.content, target["content"])
            if _earlier(fact, target):
                return Decision(
                    "historical", fact, target, score, f"an earlier value of '{fact.slot}'"
                )
            return Decision("update", fact, target, score, f"a new value of '{fact.slot}'")
        if fact.correction:
            scored = sorted(
                (
                    (similarity(fact.content, d["content"]), d)
                    for d in candidates
                    if d["type"] == fact.type.value
                ),
                key=lambda p: -p[0],
            )
            if scored and scored[0][0] >= self._correction:
                score, target = scored[0]
                if _earlier(fact, target):
                    return Decision(
                        "historical", fact, target, score, "an earlier version of a corrected fact"
                    )
                return Decision("update", fact, target, score, "the user corrected it")
        return Decision("add", fact, None, 0.0, "new information")

    def _retraction(
        self, fact: ExtractedFact, candidates: list[Doc], same_slot: list[Doc]
    ) -> Decision:
        positive = positive_form(fact.content)
        if same_slot:
            target = same_slot[0]
            return Decision("delete", fact, target, 1.0, f"the user retracted '{fact.slot}'")
        scored = sorted(
            ((containment(positive, d["content"]), d) for d in candidates), key=lambda p: -p[0]
        )
        if scored and scored[0][0] >= max(0.6, self._correction):
            score, target = scored[0]
            return Decision("delete", fact, target, score, "the user retracted it")
        if fact.retract_only:
            return Decision(
                "noop", fact, None, 0.0, "nothing remembered matches what the user asked to forget"
            )
        return Decision("add", fact, None, 0.0, "a change with no earlier fact to end")


def _earlier(fact: ExtractedFact, target: Doc) -> bool:
    return fact.stated_at is not None and fact.stated_at < target["valid_from"]
