from __future__ import annotations

import asyncio
from typing import Any

import pytest
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
    chosen, tokens, _ = MemorySearch._choose(
        [ScoredMemory(i, s) for i, s in scored],
        {c.doc["_id"]: c for c in candidates},
        SearchRequest(query="q", **request),
    )
    return [c.doc["_id"] for c in chosen], [c.score for c in chosen], tokens


def final(scored: list[tuple[str, float]], candidates: list[Candidate], **request: Any) -> bool:
    return MemorySearch._choose(
        [ScoredMemory(i, s) for i, s in scored],
        {c.doc["_id"]: c for c in candidates},
        SearchRequest(query="q", **request),
    )[2]


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


def test_results_are_final_only_when_the_page_or_the_budget_is_full() -> None:
    candidates = [memory(f"m{i}", f"Memory number {i} " + "word " * 20) for i in range(3)]
    scored = [(f"m{i}", 1.0 - i / 10) for i in range(4)]
    assert final(scored, candidates, limit=3)
    assert final(scored, candidates, limit=5, token_budget=40)
    assert not final(scored, candidates, limit=5), "m3's record was not read yet"


class _Index:
    model_id = "test-model"

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids

    async def search(self, user_id: str, query: str, **_: Any) -> list[ScoredMemory]:
        return [ScoredMemory(i, 1.0 - n / 100) for n, i in enumerate(self.ids)]


class _Store:
    """Records as the memory store keeps them; some are no longer current."""

    def __init__(self, current: set[str]) -> None:
        self.current = current
        self.reads: list[list[str]] = []

    async def by_ids(self, user_id: str, ids: list[str], query: dict[str, Any]) -> list[Any]:
        self.reads.append(list(ids))
        return [
            {"_id": i, "content": f"Fact {i} stands alone.", "type": "personal_info"}
            for i in ids
            if i in self.current
        ]


class _Memories:
    async def entity_filter(self, user_id: str, filters: Any) -> tuple[list[Any], None]:
        return [], None

    async def hydrate(self, user_id: str, docs: list[dict[str, Any]]) -> list[Any]:
        return [_Hydrated(d["_id"]) for d in docs]


class _Hydrated:
    def __init__(self, memory_id: str) -> None:
        self.id = memory_id
        self.provenance = None


class _Documents:
    async def hits(self, user_id: str, ids: list[str]) -> dict[str, Any]:
        return {}


async def _search(store: _Store, ids: list[str], limit: int) -> list[str]:
    search = MemorySearch(
        memories=_Memories(),  # type: ignore[arg-type]
        store=store,  # type: ignore[arg-type]
        documents=_Documents(),  # type: ignore[arg-type]
        index=_Index(ids),  # type: ignore[arg-type]
    )
    chosen: list[str] = []

    async def results(user_id: str, picked: list[Candidate]) -> list[Any]:
        chosen.extend(c.doc["_id"] for c in picked)
        return []

    search._results = results  # type: ignore[method-assign]
    await search.search("u", SearchRequest(query="q", limit=limit, sources=["memories"]))
    return chosen


async def test_records_are_read_for_the_best_hits_first_and_the_rest_only_if_needed() -> None:
    ids = [f"m{i:02d}" for i in range(30)]
    store = _Store(set(ids))
    assert await _search(store, ids, limit=10) == ids[:10]
    assert store.reads == [ids[:15]], "one read of the best 15 fills a page of 10"

    stale = _Store(set(ids[12:]))  # the best twelve were superseded since they were indexed
    assert await _search(stale, ids, limit=10) == ids[12:22]
    assert stale.reads == [ids[:15], ids[15:]]


class _LimitedIndex(_Index):
    """Honours the candidate limit, as the real index does."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(ids)
        self.limits: list[int] = []

    async def search(self, user_id: str, query: str, **options: Any) -> list[ScoredMemory]:
        self.limits.append(options["limit"])
        return (await super().search(user_id, query))[: options["limit"]]


class _TaggedStore(_Store):
    """Records with tags; the records filter is applied as MongoDB would."""

    def __init__(self, tags: dict[str, list[str]]) -> None:
        super().__init__(set(tags))
        self.tags = tags

    async def by_ids(self, user_id: str, ids: list[str], query: dict[str, Any]) -> list[Any]:
        from muninn_memory.memories.matching import matches

        docs = [
            {
                "_id": i,
                "user_id": "u",
                "status": "active",
                "content": f"Fact {i} stands alone.",
                "type": "personal_info",
                "tags": self.tags[i],
            }
            for i in ids
            if i in self.tags
        ]
        return [d for d in docs if matches(d, query)]


async def test_a_tag_filter_reads_the_widest_candidate_list() -> None:
    """Tags are filtered on the records: a tagged memory ranked 40th is still found."""
    ids = [f"m{i:02d}" for i in range(60)]
    tags = {i: ["work"] for i in ids}
    tags["m40"] = ["travel"]
    tags["m50"] = ["travel", "family"]
    index = _LimitedIndex(ids)
    search = MemorySearch(
        memories=_Memories(),  # type: ignore[arg-type]
        store=_TaggedStore(tags),  # type: ignore[arg-type]
        documents=_Documents(),  # type: ignore[arg-type]
        index=index,  # type: ignore[arg-type]
    )
    found: list[list[str]] = []

    async def results(user_id: str, picked: list[Candidate]) -> list[Any]:
        found.append([c.doc["_id"] for c in picked])
        return []

    search._results = results  # type: ignore[method-assign]
    for filters in ({"tags": ["travel"]}, {"tags": ["family", "nowhere"], "tag_match": "any"}):
        request = SearchRequest(query="q", limit=5, sources=["memories"], filters=filters)
        await search.search("u", request)
    assert found == [["m40", "m50"], ["m50"]]
    assert index.limits == [200, 200]


class _RecordingIndex(_Index):
    def __init__(self, ids: list[str]) -> None:
        super().__init__(ids)
        self.types: list[tuple[str, ...]] = []

    async def search(self, user_id: str, query: str, **options: Any) -> list[ScoredMemory]:
        self.types.append(options["filters"].types)
        return await super().search(user_id, query)


class _Summaries:
    """A stored week summary, as the summary service hands search its hits."""

    async def hits(self, user_id: str, ids: list[str]) -> dict[str, Any]:
        from datetime import UTC, datetime

        from muninn_memory.summaries.service import summary_from_doc

        at = datetime(2024, 4, 8, tzinfo=UTC)
        doc = {
            "_id": "s1",
            "user_id": user_id,
            "period": "week",
            "start": at,
            "end": at.replace(day=15),
            "summary": "Week of 08 Apr 2024: the user flew to Rome.",
            "key_insights": [],
            "important_events": [],
            "learned_preferences": [],
            "entities": [],
            "new_relationships": [],
            "context_breakdown": {"personal": 100.0},
            "original_memory_count": 3,
            "compression_ratio": 2.0,
            "generator": "rules-v1",
            "created_at": at,
            "updated_at": at,
        }
        return {"s1": (doc, summary_from_doc(doc))} if "s1" in ids else {}


class _ShownMemories(_Memories):
    async def hydrate(self, user_id: str, docs: list[dict[str, Any]]) -> list[Any]:
        from datetime import UTC, datetime

        from muninn_memory.memories.models import Memory

        at = datetime(2024, 4, 9, tzinfo=UTC)
        return [
            Memory.model_validate(
                {
                    **{k: v for k, v in d.items() if k != "_id"},
                    "id": d["_id"],
                    "context": "personal",
                    "importance": 5,
                    "status": "active",
                    "occurred_at": at,
                    "valid_from": at,
                    "provenance": {"source": "api", "extraction": {"extractor": "none"}},
                    "created_at": at,
                    "updated_at": at,
                }
            )
            for d in docs
        ]


async def test_summaries_are_searched_only_when_asked_for() -> None:
    from muninn_memory.documents.indexing import DOCUMENT_TYPE
    from muninn_memory.memories.search import MEMORY_TYPES
    from muninn_memory.summaries.indexing import SUMMARY_TYPE

    index = _RecordingIndex(["s1", "m1"])
    search = MemorySearch(
        memories=_ShownMemories(),  # type: ignore[arg-type]
        store=_Store({"m1"}),  # type: ignore[arg-type]
        documents=_Documents(),  # type: ignore[arg-type]
        index=index,  # type: ignore[arg-type]
        summaries=_Summaries(),  # type: ignore[arg-type]
    )
    plain = await search.search("u", SearchRequest(query="rome trip"))
    assert index.types[-1] == (*MEMORY_TYPES, DOCUMENT_TYPE), "the index also holds summaries"
    assert [r.kind for r in plain.results] == ["memory"]

    asked = await search.search(
        "u", SearchRequest(query="rome trip", sources=["summaries", "memories"])
    )
    assert index.types[-1] == (*MEMORY_TYPES, SUMMARY_TYPE)
    assert [r.kind for r in asked.results] == ["summary", "memory"]
    found = asked.results[0]
    assert found.summary is not None
    assert found.summary.time_range.period == "week"
    assert (found.provenance.source, found.provenance.extraction.category) == ("summary", "week")

    typed = await search.search(
        "u",
        SearchRequest(
            query="rome trip",
            sources=["summaries", "memories"],
            filters={"types": ["personal_info"]},
        ),
    )
    assert index.types[-1] == ("personal_info",), "memory-only filters leave summaries out"
    assert [r.kind for r in typed.results] == ["memory"]


class _Relations:
    """Relations as recall reads them: what to add after the results."""

    def __init__(self, expansions: list[Any]) -> None:
        self.expansions = expansions
        self.asked: list[list[tuple[str, float]]] = []

    async def expand(self, user_id: str, ranked: list[tuple[str, float]]) -> list[Any]:
        self.asked.append(ranked)
        return self.expansions


async def test_related_memories_follow_the_ranked_ones_within_limit_and_budget() -> None:
    from muninn_memory.relations.service import Expansion

    relations = _Relations(
        [
            Expansion("m0", "r1", "part_of", "outgoing", 0.9, 0.9),
            Expansion("m0", "gone", "related", "mutual", 0.8, 0.8),
            Expansion("m1", "r2", "supports", "incoming", 0.5, 0.49),
            Expansion("m1", "r3", "related", "mutual", 0.4, 0.39),
        ]
    )
    search = MemorySearch(
        memories=_ShownMemories(),  # type: ignore[arg-type]
        store=_Store({"m0", "m1", "r1", "r2", "r3"}),  # type: ignore[arg-type]
        documents=_Documents(),  # type: ignore[arg-type]
        index=_Index(["m0", "m1"]),  # type: ignore[arg-type]
        relations=relations,  # type: ignore[arg-type]
    )
    plain = await search.search("u", SearchRequest(query="q", limit=2, sources=["memories"]))
    assert [r.memory.id for r in plain.results if r.memory] == ["m0", "m1"]
    assert relations.asked == [], "only when asked for"

    request = SearchRequest(query="q", limit=2, sources=["memories"], expand_relations=True)
    found = await search.search("u", request)
    assert [r.memory.id for r in found.results if r.memory] == ["m0", "m1", "r1", "r2"]
    assert relations.asked == [[("m0", 1.0), ("m1", 0.99)]]
    assert [r.via for r in found.results[:2]] == [None, None], "the ranked ones as they were"
    via = found.results[2].via
    assert via is not None
    assert (via.memory_id, via.type, via.direction, via.strength) == (
        "m0",
        "part_of",
        "outgoing",
        0.9,
    )
    assert found.results[2].score == 0.9
    assert found.results[2].components == {"relation": 0.9}

    tight = SearchRequest(
        query="q",
        limit=2,
        sources=["memories"],
        expand_relations=True,
        token_budget=found.token_count - 5,
    )
    budgeted = await search.search("u", tight)
    assert [r.memory.id for r in budgeted.results if r.memory] == ["m0", "m1", "r1"]


class _People:
    """Entities whose name lookup finishes only once the index has been asked."""

    def __init__(self, index_asked: asyncio.Event) -> None:
        self.index_asked = index_asked
        self.looked_up: list[list[str]] = []
        self.cancelled = False

    async def people_named(self, user_id: str, names: list[str]) -> list[Any]:
        self.looked_up.append(names)
        try:
            await self.index_asked.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return []


class _PeopleMemories(_Memories):
    def __init__(self, entities: _People) -> None:
        self.entities = entities


class _WaitingIndex(_Index):
    def __init__(self, ids: list[str], asked: asyncio.Event, *, fail: bool = False) -> None:
        super().__init__(ids)
        self.asked = asked
        self.fail = fail

    async def search(self, user_id: str, query: str, **_: Any) -> list[ScoredMemory]:
        self.asked.set()
        await asyncio.sleep(0)
        if self.fail:
            raise RuntimeError("the vector store is down")
        return await super().search(user_id, query)


async def test_the_people_a_question_names_are_looked_up_while_the_index_is_asked() -> None:
    from muninn_shared.problems import ProblemError

    request = SearchRequest(query="What do I know about Ana Silva?", sources=["memories"])
    for fail in (False, True):
        asked = asyncio.Event()
        people = _People(asked)
        search = MemorySearch(
            memories=_PeopleMemories(people),  # type: ignore[arg-type]
            store=_Store({"m1"}),  # type: ignore[arg-type]
            documents=_Documents(),  # type: ignore[arg-type]
            index=_WaitingIndex(["m1"], asked, fail=fail),  # type: ignore[arg-type]
        )
        search._results = _no_results  # type: ignore[method-assign]
        if fail:
            # The lookup is left waiting for an index that failed: it must not outlive the search.
            asked.set = lambda: None  # type: ignore[method-assign]
            with pytest.raises(ProblemError) as problem:
                await asyncio.wait_for(search.search("u", request), 2)
            assert problem.value.status == 503
            await asyncio.sleep(0)
            assert people.cancelled
        else:
            # One after the other, the lookup would wait forever for an index not yet asked.
            await asyncio.wait_for(search.search("u", request), 2)
            assert not people.cancelled
        assert people.looked_up == [["Ana Silva"]]


async def _no_results(user_id: str, picked: list[Candidate]) -> list[Any]:
    return []
