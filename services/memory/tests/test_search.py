from __future__ import annotations

from typing import Any

from muninn_memory.documents.models import DocumentHit
from muninn_memory.memories.models import MemoryFilters, SearchRequest
from muninn_memory.memories.search import Candidate, MemorySearch, memory_only
from muninn_memory.retrieval.port import ScoredMemory


def memory(memory_id: str, content: str, type_: str = "personal_info") -> Candidate:
    doc: dict[str, Any] = {"_id": memory_id, "content": content, "type": type_}
    return Candidate(0.0, {}, content, doc)


def chunk(chunk_id: str, content: str) -> Candidate:
    hit = DocumentHit(
        document_id="d",
        chunk_id=chunk_id,
        title="t",
        media_type="text/plain",
        chunk_index=0,
        content=content,
    )
    return Candidate(0.0, {}, content, {"_id": chunk_id}, hit)


def choose(
    scored: list[tuple[str, float]], candidates: list[Candidate], **request: Any
) -> tuple[list[str], list[float], int]:
    chosen, tokens = MemorySearch._choose(
        [ScoredMemory(i, s) for i, s in scored],
        {c.doc["_id"]: c for c in candidates},
        SearchRequest(query="q", **request),
    )
    return [c.doc["_id"] for c in chosen], [c.score for c in chosen], tokens


def test_the_fact_replaces_its_own_message_at_the_better_rank() -> None:
    ids, scores, _ = choose(
        [("msg", 0.9), ("other", 0.7), ("fact", 0.6)],
        [
            memory("msg", "I just adopted a cat named Miso.", "conversation"),
            memory("other", "User works at Acme."),
            memory("fact", "User just adopted a cat named Miso."),
        ],
    )
    assert ids == ["fact", "other"]
    assert scores == [0.9, 0.7]


def test_a_message_never_replaces_a_fact_and_duplicates_collapse() -> None:
    ids, _, _ = choose(
        [("fact", 0.9), ("msg", 0.8), ("copy", 0.7)],
        [
            memory("fact", "User lives in Berlin."),
            memory("msg", "User lives in Berlin!", "conversation"),
            memory("copy", "User lives in Berlin"),
        ],
    )
    assert ids == ["fact"]


def test_results_stop_at_the_token_budget_and_the_limit() -> None:
    candidates = [memory(f"m{i}", f"Memory {i} " + "word " * 20) for i in range(5)]
    scored = [(f"m{i}", 1.0 - i / 10) for i in range(5)]
    ids, _, tokens = choose(scored, candidates, token_budget=60)
    assert ids == ["m0", "m1"]
    assert tokens <= 60
    assert choose(scored, candidates, limit=3)[0] == ["m0", "m1", "m2"]


def test_hits_without_a_current_record_are_skipped() -> None:
    ids, _, _ = choose([("gone", 0.9), ("c1", 0.5)], [chunk("c1", "The deposit is 1800 euros.")])
    assert ids == ["c1"]


def test_memory_only_filters() -> None:
    assert not memory_only(MemoryFilters())
    assert not memory_only(MemoryFilters(context="work"))
    assert not memory_only(MemoryFilters(source="document"))
    assert memory_only(MemoryFilters(types=["personal_info"]))
    assert memory_only(MemoryFilters(entities=["Mary"]))
    assert memory_only(MemoryFilters(source="conversation"))
