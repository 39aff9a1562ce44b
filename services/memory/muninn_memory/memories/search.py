"""Search over a user's memories, documents and period summaries.

The index is asked for ids (always for one user); hits are then hydrated from MongoDB with
the filters applied again and only current records kept — the index can lag, MongoDB is the
record. Near-identical results are collapsed, and results stop at the token budget.

Documents and summaries are indexed beside memories, each under its own type, and merged
into the same ranked list: a search names the sources it wants and the index is asked for
exactly those types.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError

from muninn_memory.documents.indexing import DOCUMENT_SOURCE, DOCUMENT_TYPE
from muninn_memory.documents.models import DocumentHit
from muninn_memory.documents.service import DocumentService
from muninn_memory.entities.recognize import recognize
from muninn_memory.extraction.text import content_terms, estimate_tokens, normalized
from muninn_memory.memories.models import (
    DocumentSource,
    ExtractionInfo,
    MemoryFilters,
    MemoryType,
    Provenance,
    RelationVia,
    SearchRequest,
    SearchResponse,
    SearchResult,
)
from muninn_memory.memories.service import MemoryService
from muninn_memory.memories.store import MemoryStore, filter_query, with_condition
from muninn_memory.relations.service import RelationService
from muninn_memory.retrieval.port import MemoryIndex, ScoredMemory
from muninn_memory.retrieval.timing import stage
from muninn_memory.summaries.indexing import SUMMARY_TYPE, primary_context
from muninn_memory.summaries.models import Summary
from muninn_memory.summaries.service import SummaryService
from muninn_memory.vectors.port import SearchFilters

log = get_logger(__name__)

Doc = dict[str, Any]
NEAR_DUPLICATE = 0.9
MEMORY_TYPES = tuple(t.value for t in MemoryType)
CHUNKER = "chunker-v1"
MAX_CANDIDATES = 200
FETCH_MARGIN = 5
CONTACT_SHARE = 0.9


@dataclass
class Candidate:
    score: float
    components: dict[str, float]
    content: str
    doc: Doc
    hit: DocumentHit | None = None
    normalized: str = field(default="")
    _terms: frozenset[str] | None = field(default=None, repr=False)
    summary: Summary | None = None

    @property
    def is_memory(self) -> bool:
        return self.hit is None and self.summary is None

    @property
    def episodic(self) -> bool:
        return self.is_memory and self.doc["type"] == MemoryType.CONVERSATION.value

    @property
    def terms(self) -> frozenset[str]:
        """Content terms, worked out once: each result is compared with every one kept."""
        if self._terms is None:
            self._terms = frozenset(content_terms(self.content))
        return self._terms


def memory_only(filters: MemoryFilters) -> bool:
    """Filters only memories have; a document chunk can never match them."""
    return bool(
        filters.types
        or filters.importance
        or filters.entities
        or filters.tags
        or filters.contact_id
        or (filters.source and filters.source != DOCUMENT_SOURCE)
    )


def _near_duplicate(a: Candidate, b: Candidate) -> bool:
    """What :func:`similarity` decides, on the candidates' cached forms."""
    if a.normalized and a.normalized == b.normalized:
        return True
    if not a.terms or not b.terms:
        return a.content == b.content or normalized(a.content) == normalized(b.content)
    return len(a.terms & b.terms) / len(a.terms | b.terms) >= NEAR_DUPLICATE


@dataclass(frozen=True)
class _Lookup:
    """What decides whether a hit's record may be shown."""

    user_id: str
    filters: MemoryFilters
    entity_ids: list[str] | None
    contact_ids: list[str]
    memories: bool
    documents: bool
    now: datetime
    where: Doc | None = None
    summaries: bool = False


@dataclass(kw_only=True, eq=False)
class MemorySearch:
    """Search over memories and document chunks: the index finds, MongoDB hydrates and filters."""

    memories: MemoryService
    store: MemoryStore
    documents: DocumentService
    index: MemoryIndex
    summaries: SummaryService | None = None
    relations: RelationService | None = None
    overfetch: int = 3
    timeout: float = 10.0

    async def search(
        self, user_id: str, request: SearchRequest, *, where: Doc | None = None
    ) -> SearchResponse:
        """``where`` narrows the memories further: a condition built by a feature of this
        service (the index does not know it, so the widest candidate list is read)."""
        filters = request.filters
        want_documents = "documents" in request.sources
        want_memories = "memories" in request.sources and filters.source != DOCUMENT_SOURCE
        want_summaries = (
            "summaries" in request.sources
            and self.summaries is not None
            and filters.source != DOCUMENT_SOURCE
        )
        if want_memories and memory_only(filters):
            want_documents = want_summaries = False
        resolved, entity_ids = await self.memories.entity_filter(user_id, filters)
        empty = SearchResponse(
            query=request.query, results=[], token_count=0, embedding_model=self.index.model_id
        )
        if want_memories and entity_ids is not None and not entity_ids:
            want_memories = False
        if not (want_memories or want_documents or want_summaries):
            return empty
        # A person linked to contacts is also what the user's contact memories say about them.
        linked = sorted({c for e in resolved for c in e.contact_ids})
        # Exactly the types of the sources asked for: the index also holds what was not.
        types: tuple[str, ...] = ()
        if want_memories:
            types += tuple(t.value for t in filters.types) or MEMORY_TYPES
        if want_documents:
            types += (DOCUMENT_TYPE,)
        if want_summaries:
            types += (SUMMARY_TYPE,)
        index_filters = SearchFilters(
            types=types,
            context=filters.context,
            min_importance=filters.importance.min if want_memories and filters.importance else None,
            max_importance=filters.importance.max if want_memories and filters.importance else None,
            occurred_after=filters.time.after if filters.time else None,
            occurred_before=filters.time.before if filters.time else None,
            # The index requires every listed entity; MongoDB then keeps memories of any of
            # them. So the index narrows only when one entity is meant.
            entities=(resolved[0].name,)
            if want_memories and len(resolved) == 1 and not linked
            else (),
            source=filters.source if want_memories and filters.source else None,
            contact_ids=(filters.contact_id,) if want_memories and filters.contact_id else (),
        )
        # Tags are not in the index: the records filter keeps the tagged ones, so the widest
        # candidate list is read or a tagged memory ranked below the usual few is never seen.
        wide = want_memories and (
            len(resolved) > 1 or bool(linked) or bool(where) or bool(filters.tags)
        )
        about: list[str] = linked
        if want_memories and entity_ids is None:
            # The people the question names are looked up while the index is asked (their
            # database reads would otherwise come before it, on every search naming someone).
            named = asyncio.ensure_future(self._contacts_named(user_id, request))
            try:
                scored = await self._ask_index(user_id, request, index_filters, wide=wide)
                about = await named
            finally:
                if not named.done():
                    named.cancel()  # the index failed: nobody will wait for the names
                elif not named.cancelled():
                    named.exception()  # seen (raised above or beside the index's), never "lost"
        else:
            scored = await self._ask_index(user_id, request, index_filters, wide=wide)
        if want_memories and about:
            scored = await self._with_contacts(user_id, request, index_filters, about, scored)
        lookup = _Lookup(
            user_id,
            filters,
            entity_ids,
            linked,
            memories=want_memories,
            documents=want_documents,
            now=datetime.now(UTC),
            where=where,
            summaries=want_summaries,
        )
        # Records are read for the best hits first: almost always they fill the page, and
        # the database's time grows with every record read. The rest only when some of the
        # best turned out superseded, expired, filtered out or duplicates.
        head = request.limit + max(FETCH_MARGIN, request.limit // 2)
        candidates: dict[str, Candidate] = {}
        chosen: list[Candidate] = []
        tokens = 0
        for batch in (scored[:head], scored[head:]):
            if not batch:
                continue
            candidates.update(await self._candidates(lookup, [s.memory_id for s in batch]))
            chosen, tokens, complete = self._choose(scored, candidates, request)
            if complete:
                break
        added: list[tuple[Candidate, RelationVia]] = []
        if request.expand_relations and want_memories and self.relations is not None:
            with stage("relations"):
                added, tokens = await self._related(lookup, chosen, request, tokens)
        with stage("hydrate"):
            results = await self._results(user_id, [*chosen, *(c for c, _ in added)])
        for result, (_, via) in zip(results[len(chosen) :], added, strict=True):
            result.via = via
        return SearchResponse(
            query=request.query,
            results=results,
            token_count=tokens,
            embedding_model=self.index.model_id,
        )

    async def _related(
        self, lookup: _Lookup, chosen: list[Candidate], request: SearchRequest, tokens: int
    ) -> tuple[list[tuple[Candidate, RelationVia]], int]:
        """Memories related to the best results, after them: those the request's filters
        keep, current, not near-duplicates of a result, within the token budget; at most as
        many as the request's limit. The ranked results stay as they are."""
        assert self.relations is not None
        ranked = [(c.doc["_id"], c.score) for c in chosen if c.is_memory]
        if not ranked:
            return [], tokens
        found = await self.relations.expand(lookup.user_id, ranked)
        memories_only = replace(lookup, documents=False, summaries=False)
        candidates = await self._candidates(memories_only, [e.other_id for e in found])
        kept = list(chosen)
        added: list[tuple[Candidate, RelationVia]] = []
        for expansion in found:
            candidate = candidates.get(expansion.other_id)
            if candidate is None or any(_near_duplicate(candidate, k) for k in kept):
                continue
            cost = estimate_tokens(candidate.content)
            if request.token_budget is not None and tokens + cost > request.token_budget:
                continue
            candidate.score = expansion.score
            candidate.components = {"relation": expansion.strength}
            via = RelationVia(
                memory_id=expansion.parent_id,
                type=expansion.type,
                direction=expansion.direction,
                strength=expansion.strength,
            )
            tokens += cost
            kept.append(candidate)
            added.append((candidate, via))
            if len(added) >= request.limit:
                break
        return added, tokens

    async def _candidates(self, lookup: _Lookup, ids: list[str]) -> dict[str, Candidate]:
        """The current records behind these hits that pass the filters, by id."""
        candidates: dict[str, Candidate] = {}
        if lookup.memories:
            query = with_condition(
                filter_query(
                    lookup.user_id,
                    lookup.filters,
                    entity_ids=lookup.entity_ids,
                    contact_ids=lookup.contact_ids,
                ),
                lookup.where,
            )
            query["outdated_by"] = None
            with stage("records"):
                docs = await self.store.by_ids(lookup.user_id, ids, query)
            for doc in docs:
                if doc.get("expires_at") is not None and doc["expires_at"] <= lookup.now:
                    continue  # expired, not yet swept
                candidates[doc["_id"]] = Candidate(
                    0.0, {}, doc["content"], doc, normalized=doc.get("normalized") or ""
                )
        if lookup.documents:
            missing = [i for i in ids if i not in candidates]
            with stage("documents"):
                hits = await self.documents.hits(lookup.user_id, missing)
            for chunk_id, (chunk, hit) in hits.items():
                if _chunk_matches(chunk, lookup.filters):
                    candidates[chunk_id] = Candidate(0.0, {}, chunk["content"], chunk, hit)
        if lookup.summaries and self.summaries is not None:
            missing = [i for i in ids if i not in candidates]
            with stage("summaries"):
                found = await self.summaries.hits(lookup.user_id, missing)
            for summary_id, (doc, summary) in found.items():
                if _summary_matches(doc, lookup.filters):
                    candidates[summary_id] = Candidate(
                        0.0, {}, summary.summary, doc, summary=summary
                    )
        return candidates

    async def _contacts_named(self, user_id: str, request: SearchRequest) -> list[str]:
        """Contacts linked to the people the query names ("what do I know about Ana?")."""
        names = [m.name for m in recognize(request.query).mentions if m.type == "person" and m.name]
        if not names:
            return []
        people = await self.memories.entities.people_named(user_id, names[:5])
        return sorted({c for person in people for c in person.contact_ids})

    async def _with_contacts(
        self,
        user_id: str,
        request: SearchRequest,
        filters: SearchFilters,
        contact_ids: list[str],
        scored: list[ScoredMemory],
    ) -> list[ScoredMemory]:
        """``scored`` plus the best memories about these contacts, which a search over
        everything may rank out of its candidates.

        Fused scores are relative to their own candidate list, so the narrowed list is
        rescaled: its best sits just under the overall best, and the rest keep their spacing.
        """
        narrowed = replace(filters, entities=(), contact_ids=tuple(contact_ids))
        extra = await self._ask_index(user_id, request, narrowed, wide=False)
        if not extra:
            return scored
        top = scored[0].score if scored else extra[0].score
        scale = CONTACT_SHARE * top / extra[0].score if extra[0].score > 0 else 0.0
        merged = {s.memory_id: s for s in scored}
        for hit in extra:
            if hit.memory_id not in merged:
                merged[hit.memory_id] = ScoredMemory(
                    hit.memory_id, hit.score * scale, {**hit.components, "contact": 1.0}
                )
        return sorted(merged.values(), key=lambda s: -s.score)

    async def contact_hits(
        self, user_id: str, query: str, *, limit: int
    ) -> list[tuple[Doc, float]]:
        """The user's current memories about some contact that match ``query``, best first
        (people search): the same index and tenant filter as every search."""
        request = SearchRequest(query=query, limit=min(100, limit), sources=["memories"])
        filters = SearchFilters(types=MEMORY_TYPES, any_contact=True)
        scored = await self._ask_index(user_id, request, filters, wide=True)
        query_doc = filter_query(user_id, None)
        query_doc["outdated_by"] = None
        docs = {
            d["_id"]: d
            for d in await self.store.by_ids(user_id, [s.memory_id for s in scored], query_doc)
        }
        now = datetime.now(UTC)
        found: list[tuple[Doc, float]] = []
        for hit in scored:
            doc = docs.get(hit.memory_id)
            if doc is None or not doc.get("contact_ids"):
                continue
            if doc.get("expires_at") is not None and doc["expires_at"] <= now:
                continue
            found.append((doc, hit.score))
        return found

    async def _ask_index(
        self, user_id: str, request: SearchRequest, filters: SearchFilters, *, wide: bool
    ) -> list[ScoredMemory]:
        limit = MAX_CANDIDATES if wide else min(MAX_CANDIDATES, request.limit * self.overfetch)
        try:
            async with asyncio.timeout(self.timeout):
                return await self.index.search(
                    user_id, request.query, limit=limit, filters=filters, now=datetime.now(UTC)
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("memory search failed", error=repr(exc))
            raise ProblemError(
                503,
                "Memory search is unavailable; try again shortly.",
                code="search-unavailable",
                headers={"Retry-After": "2"},
            ) from exc

    @staticmethod
    def _choose(
        scored: list[ScoredMemory], candidates: dict[str, Candidate], request: SearchRequest
    ) -> tuple[list[Candidate], int, bool]:
        """The results, their tokens, and whether they are final: the page or the budget is
        full, so records not yet read could not change them."""
        chosen: list[Candidate] = []
        tokens = 0
        budget = request.token_budget
        for hit in scored:
            candidate = candidates.get(hit.memory_id)
            if candidate is None:
                continue
            candidate.score, candidate.components = hit.score, dict(hit.components)
            cost = estimate_tokens(candidate.content)
            twin = next(
                (i for i, kept in enumerate(chosen) if _near_duplicate(candidate, kept)), None
            )
            if twin is not None:
                # A fact and the raw message it came from say the same thing: keep the fact
                # (typed, third person, same provenance) at the better-ranked place.
                kept = chosen[twin]
                delta = cost - estimate_tokens(kept.content)
                fits = budget is None or tokens + delta <= budget
                if fits and kept.episodic and candidate.is_memory and not candidate.episodic:
                    candidate.score, candidate.components = kept.score, kept.components
                    chosen[twin] = candidate
                    tokens += delta
                continue
            if budget is not None and tokens + cost > budget:
                return chosen, tokens, True
            tokens += cost
            chosen.append(candidate)
            if len(chosen) >= request.limit:
                return chosen, tokens, True
        return chosen, tokens, False

    async def _results(self, user_id: str, chosen: list[Candidate]) -> list[SearchResult]:
        memories = iter(
            await self.memories.hydrate(user_id, [c.doc for c in chosen if c.is_memory])
        )
        results: list[SearchResult] = []
        for candidate in chosen:
            if candidate.summary is not None:
                results.append(
                    SearchResult(
                        kind="summary",
                        score=candidate.score,
                        summary=candidate.summary,
                        provenance=Provenance(
                            source="summary",
                            extraction=ExtractionInfo(
                                extractor=candidate.summary.generator,
                                category=candidate.summary.time_range.period,
                            ),
                        ),
                        components=candidate.components,
                    )
                )
                continue
            if candidate.hit is None:
                memory = next(memories)
                results.append(
                    SearchResult(
                        score=candidate.score,
                        memory=memory,
                        provenance=memory.provenance,
                        components=candidate.components,
                    )
                )
                continue
            hit = candidate.hit
            results.append(
                SearchResult(
                    kind="document",
                    score=candidate.score,
                    document=hit,
                    provenance=Provenance(
                        source="document",
                        document=DocumentSource(
                            document_id=hit.document_id,
                            chunk_id=hit.chunk_id,
                            filename=hit.filename,
                            page=hit.page,
                            heading=hit.heading,
                        ),
                        extraction=ExtractionInfo(
                            extractor=CHUNKER, category="document", confidence=1.0
                        ),
                    ),
                    components=candidate.components,
                )
            )
        return results


def _request_time(moment: datetime) -> datetime:
    """A time from the request, where a client may leave out the zone: read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _summary_matches(doc: Doc, filters: MemoryFilters) -> bool:
    """A summary's context is its period's main one, its time the period's start."""
    if filters.context and primary_context(doc) != filters.context:
        return False
    return _chunk_matches({"occurred_at": doc.get("start")}, MemoryFilters(time=filters.time))


def _chunk_matches(chunk: Doc, filters: MemoryFilters) -> bool:
    if filters.context and chunk.get("context") != filters.context:
        return False
    if filters.time:
        at = chunk.get("occurred_at")
        if at is None:
            return False
        if filters.time.after and at < _request_time(filters.time.after):
            return False
        if filters.time.before and at >= _request_time(filters.time.before):
            return False
    return True
