"""Turns the dense and sparse candidate lists into one ranking.

Scores are fused (relative-score fusion by default, reciprocal-rank fusion as an option),
then nudged by what the question itself says: the people and things it names, the period it
mentions, whether it asks *when* or about the latest state. Near-identical memories (the
same sentence stored twice) are collapsed so they do not crowd out other evidence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from muninn_memory.retrieval.lexical import STOPWORDS, terms, words
from muninn_memory.retrieval.port import ScoredMemory
from muninn_memory.retrieval.timecues import TimeCues, mentions_time, time_cues
from muninn_memory.vectors.port import Candidate
from muninn_memory.vectors.schema import ANSWER_PART, as_utc, parse_occurred_at


@dataclass(frozen=True)
class RankingTuning:
    """Weights of the hybrid ranking; the defaults are the ones tuned on LoCoMo (bench/README.md)."""

    fusion: Literal["score", "rrf"] = "score"
    dense_weight: float = 1.0
    sparse_weight: float = 1.3
    rrf_k: int = 60
    # Cosine band treated as the full dense scale: on a handful of candidates min-max
    # stretching would turn a 0.01 difference into the whole range.
    dense_min_spread: float = 0.1
    # Candidates fetched from each list (or the limit, if larger). Fixed rather than scaled
    # with the limit so the top results do not change with how many are asked for.
    candidates: int = 200
    entity_boost: float = 0.1
    # A memory said by a person the question names, or drawn from what they said (LoCoMo: 96%
    # of the evidence of such questions; bench/README.md). Higher weights help multi-hop
    # questions more but bury what someone else said when the question names the wrong
    # person (LoCoMo's adversarial category: -4.1 all@10 at 0.2, -8.5 at 0.3).
    speaker_boost: float = 0.2
    period_boost: float = 0.8
    # Events are often told some days after they happen: memories this soon after the named
    # period still get half its boost.
    period_slack_days: float = 7.0
    when_boost: float = 0.15
    recency_boost: float = 0.15
    recency_half_life_days: float = 30.0
    dedupe_jaccard: float = 0.9
    # Episode context: a memory said within this window of other strong hits (the same
    # conversation) gains this share of the best such neighbour's score.
    context_weight: float = 0.6
    context_window_minutes: float = 120.0
    # A hit on a reply's answer part (the reply behind the question it answers) partly
    # matches the question's words, not the reply's: full weight lifts LoCoMo's generated
    # dialogues most and loses on real chats; 0.7 gains on both sets (bench/README.md).
    answer_weight: float = 0.7


@dataclass(frozen=True)
class QueryProfile:
    text: str
    names: frozenset[str]
    cues: TimeCues
    now: datetime


_QUESTION_WORDS = frozenset(
    {
        "what",
        "when",
        "where",
        "who",
        "why",
        "how",
        "which",
        "whose",
        "did",
        "does",
        "do",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "can",
        "could",
        "would",
        "should",
        "tell",
        "list",
    }
)
_NAME = re.compile(r"\b[A-Z][\w'\-]*")


def profile(query: str, now: datetime) -> QueryProfile:
    names: set[str] = set()
    for m in _NAME.finditer(query):
        word = m.group(0).lower().removesuffix("'s")
        if word in STOPWORDS or word in _QUESTION_WORDS or len(word) < 2:
            continue
        names.add(word)
    return QueryProfile(
        text=query, names=frozenset(names), cues=time_cues(query, now), now=as_utc(now)
    )


@dataclass
class _Entry:
    payload: dict[str, Any]
    occurred: datetime | None = None
    dense: float | None = None
    sparse: float | None = None
    dense_rank: int | None = None
    sparse_rank: int | None = None
    components: dict[str, float] = field(default_factory=dict)


def _collect(dense: list[Candidate], sparse: list[Candidate]) -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    for position, c in enumerate(dense):
        e = entries.get(c.key) or entries.setdefault(c.key, _entry(c))
        e.dense, e.dense_rank = c.score, position
    for position, c in enumerate(sparse):
        e = entries.get(c.key) or entries.setdefault(c.key, _entry(c))
        e.sparse, e.sparse_rank = c.score, position
    return entries


def _entry(c: Candidate) -> _Entry:
    return _Entry(c.payload, parse_occurred_at(c.payload))


# The same memories come back for query after query: their word and term sets are cached.
@lru_cache(maxsize=50_000)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(words(text))


@lru_cache(maxsize=50_000)
def _term_set_of(text: str) -> frozenset[str]:
    return frozenset(terms(text))


@lru_cache(maxsize=50_000)
def _mentions_time(text: str) -> bool:
    return mentions_time(list(_word_set(text)))


def _fuse(entries: dict[str, _Entry], tuning: RankingTuning) -> dict[str, float]:
    out: dict[str, float] = {}
    if tuning.fusion == "rrf":
        for mid, e in entries.items():
            score = 0.0
            if e.dense_rank is not None:
                score += tuning.dense_weight / (tuning.rrf_k + e.dense_rank + 1)
            if e.sparse_rank is not None:
                score += tuning.sparse_weight / (tuning.rrf_k + e.sparse_rank + 1)
            out[mid] = score
        return out
    dense_scores = [e.dense for e in entries.values() if e.dense is not None]
    sparse_scores = [e.sparse for e in entries.values() if e.sparse is not None]
    # Cosine similarities of one model sit in a narrow band: stretch them over the list so a
    # 0.02 lead counts; BM25 is relative to its best hit. A missing score is below the list.
    d_lo, d_hi = (min(dense_scores), max(dense_scores)) if dense_scores else (0.0, 0.0)
    d_lo = min(d_lo, d_hi - tuning.dense_min_spread)
    s_hi = max(sparse_scores) if sparse_scores else 0.0
    for mid, e in entries.items():
        d = (
            (e.dense - d_lo) / (d_hi - d_lo)
            if e.dense is not None and d_hi > d_lo
            else (1.0 if e.dense is not None else 0.0)
        )
        s = e.sparse / s_hi if e.sparse is not None and s_hi > 0 else 0.0
        e.components["dense"], e.components["sparse"] = d, s
        out[mid] = tuning.dense_weight * d + tuning.sparse_weight * s
    return out


@lru_cache(maxsize=50_000)
def _entity_words(entities: tuple[str, ...]) -> frozenset[str]:
    return frozenset(word for entity in entities for word in entity.split())


def _speaker_named(payload: dict[str, Any], names: frozenset[str]) -> bool:
    speaker = payload.get("speaker")
    return bool(names) and isinstance(speaker, str) and not names.isdisjoint(speaker.split())


def _entity_match(payload: dict[str, Any], names: frozenset[str]) -> float:
    if not names:
        return 0.0
    entity_words = _entity_words(tuple(str(e) for e in payload.get("entities") or ()))
    text_words = _word_set(str(payload.get("text", "")))
    matched = sum(1 for n in names if n in entity_words or n in text_words)
    return matched / len(names)


def _time_factor(
    e: _Entry, q: QueryProfile, tuning: RankingTuning, newest: datetime | None
) -> dict[str, float]:
    out: dict[str, float] = {}
    occurred = e.occurred
    cues = q.cues
    if cues.period is not None and occurred is not None:
        if cues.period.contains(occurred):
            out["period"] = tuning.period_boost
        elif (
            cues.period.end <= occurred < cues.period.end + timedelta(days=tuning.period_slack_days)
        ):
            out["period"] = tuning.period_boost / 2
    if cues.asks_when and _mentions_time(str(e.payload.get("text", ""))):
        out["when"] = tuning.when_boost
    if cues.wants_recent and occurred is not None and newest is not None:
        age_days = max(0.0, (newest - occurred).total_seconds() / 86400.0)
        out["recency"] = tuning.recency_boost * math.exp(
            -math.log(2) * age_days / tuning.recency_half_life_days
        )
    return out


def _term_set(payload: dict[str, Any]) -> frozenset[str]:
    return _term_set_of(str(payload.get("text", "")))


def _episode_support(
    entries: dict[str, _Entry], fused: dict[str, float], tuning: RankingTuning
) -> dict[str, float]:
    """Best fused score among the other candidates of the same episode.

    An episode is a run of memories with no gap longer than the window between neighbours
    (one conversation, one session): memories said together are often relevant together.
    """
    timed = sorted(
        (e.occurred.timestamp(), mid) for mid, e in entries.items() if e.occurred is not None
    )
    window = tuning.context_window_minutes * 60.0
    out: dict[str, float] = {}
    start = 0
    for end in range(1, len(timed) + 1):
        if end < len(timed) and timed[end][0] - timed[end - 1][0] <= window:
            continue
        episode = [mid for _, mid in timed[start:end]]
        if len(episode) > 1:
            top = sorted(episode, key=lambda m: fused[m], reverse=True)[:2]
            for mid in episode:
                out[mid] = fused[top[1]] if mid == top[0] else fused[top[0]]
        start = end
    return out


def _boost_range(query: QueryProfile, tuning: RankingTuning) -> tuple[float, float]:
    """The least and the most ``1 + sum(boosts)`` can be for this question, whatever the memory
    (each boost is between zero and its weight)."""
    cues = query.cues
    possible = [
        tuning.period_boost if cues.period is not None else 0.0,
        tuning.when_boost if cues.asks_when else 0.0,
        tuning.recency_boost if cues.wants_recent else 0.0,
        tuning.entity_boost if query.names else 0.0,
        tuning.speaker_boost if query.names else 0.0,
    ]
    return 1.0 + sum(min(0.0, b) for b in possible), 1.0 + sum(max(0.0, b) for b in possible)


def _boosted(
    e: _Entry, base: float, query: QueryProfile, tuning: RankingTuning, newest: datetime | None
) -> float:
    boosts = _time_factor(e, query, tuning, newest)
    entity = _entity_match(e.payload, query.names)
    if entity:
        boosts["entity"] = tuning.entity_boost * entity
    if tuning.speaker_boost and _speaker_named(e.payload, query.names):
        boosts["speaker"] = tuning.speaker_boost
    e.components.update(boosts)
    return base * (1.0 + sum(boosts.values()))


def _distinct(
    scored: list[tuple[float, int, str]],
    entries: dict[str, _Entry],
    limit: int,
    tuning: RankingTuning,
    owners: Mapping[str, str],
) -> list[tuple[float, str]]:
    """The best ``limit`` of ``scored`` (score, arrival, key), near-duplicates of better ones
    (Jaccard similarity of their terms at or above ``dedupe_jaccard``) dropped, and a key whose
    memory (``owners``: a sentence part's) is already kept skipped."""
    threshold = tuning.dedupe_jaccard
    kept: list[tuple[float, str, frozenset[str], int]] = []
    taken: set[str] = set()
    for score, _, mid in sorted(scored, key=lambda s: (-s[0], s[1])):
        owner = owners.get(mid, mid)
        if owner in taken:
            continue
        terms_ = _term_set(entries[mid].payload)
        size = len(terms_)
        duplicate = False
        for *_, other, other_size in kept:
            # Jaccard is at most the smaller set's size over the larger's: most pairs differ
            # in size enough to be told apart without building intersection and union.
            small, large = (size, other_size) if size <= other_size else (other_size, size)
            if not small or small < threshold * large:
                continue
            if len(terms_ & other) / len(terms_ | other) >= threshold:
                duplicate = True
                break
        if duplicate:
            continue
        kept.append((score, mid, terms_, size))
        taken.add(owner)
        if len(kept) == limit:
            break
    return [(score, mid) for score, mid, *_ in kept]


def rank(
    dense: list[Candidate],
    sparse: list[Candidate],
    query: QueryProfile,
    *,
    limit: int,
    tuning: RankingTuning,
    owners: Mapping[str, str] | None = None,
) -> list[ScoredMemory]:
    """The best ``limit`` memories. ``owners`` maps the key of a sentence part's candidate to
    its memory's id: a memory is ranked at its best point's place, once."""
    owners = owners or {}
    entries = _collect(dense, sparse)
    if not entries:
        return []
    fused = _fuse(entries, tuning)
    for mid, e in entries.items():
        if e.payload.get("part") == ANSWER_PART:
            fused[mid] *= tuning.answer_weight
    occurred = [e.occurred for e in entries.values() if e.occurred is not None]
    newest = max(occurred) if occurred else None
    context = _episode_support(entries, fused, tuning) if tuning.context_weight else {}
    floor, ceiling = _boost_range(query, tuning)
    bases: list[tuple[float, float, int, str]] = []  # (bound, base, arrival, id)
    for arrival, (mid, e) in enumerate(entries.items()):
        e.components["fused"] = fused[mid]
        base = fused[mid]
        if context.get(mid):
            e.components["context"] = context[mid]
            base += tuning.context_weight * context[mid]
        bases.append((base * (ceiling if base > 0 else floor), base, arrival, mid))
    # Boosts are bounded, so a memory whose base score times the largest possible boost stays
    # below the last result cannot be one: most candidates are never scored in full. Candidates
    # are scored best bound first until that holds (or all are), so the ranking is exact.
    bases.sort(key=lambda b: -b[0])
    scored: list[tuple[float, int, str]] = []
    chosen: list[tuple[float, str]] = []
    done, batch = 0, max(2 * limit, 16)
    while done < len(bases):
        for _, base, arrival, mid in bases[done : done + batch]:
            scored.append((_boosted(entries[mid], base, query, tuning, newest), arrival, mid))
        done = min(len(bases), done + batch)
        chosen = _distinct(scored, entries, limit, tuning, owners)
        if len(chosen) == limit and done < len(bases) and bases[done][0] < chosen[-1][0]:
            break
        batch *= 2
    return [
        ScoredMemory(
            memory_id=owners.get(mid, mid), score=score, components=dict(entries[mid].components)
        )
        for score, mid in chosen
    ]


__all__ = ["QueryProfile", "RankingTuning", "profile", "rank", "time_cues"]
