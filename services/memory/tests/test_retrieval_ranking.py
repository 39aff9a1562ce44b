"""Fusion, boosts and dedupe of the hybrid ranking, and the time cues read from questions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from muninn_memory.retrieval.lexical import SparseEncoder, terms
from muninn_memory.retrieval.ranking import RankingTuning, profile, rank
from muninn_memory.retrieval.timecues import Period, time_cues
from muninn_memory.vectors.port import Candidate

NOW = datetime(2024, 6, 12, 15, tzinfo=UTC)  # a Wednesday


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("What did I do in May 2023?", Period(day(2023, 5, 1), day(2023, 6, 1))),
        ("What happened on 8 May, 2023?", Period(day(2023, 5, 8), day(2023, 5, 9))),
        ("What did Gina find on October 13, 2023?", Period(day(2023, 10, 13), day(2023, 10, 14))),
        ("Anything from 2023-12-31?", Period(day(2023, 12, 31), day(2024, 1, 1))),
        ("How often did she swim in 2022?", Period(day(2022, 1, 1), day(2023, 1, 1))),
        ("What did I cook yesterday?", Period(day(2024, 6, 11), day(2024, 6, 12))),
        ("Who did I meet last week?", Period(day(2024, 6, 3), day(2024, 6, 10))),
        ("What did I buy last month?", Period(day(2024, 5, 1), day(2024, 6, 1))),
        ("Plans this year?", Period(day(2024, 1, 1), day(2025, 1, 1))),
        ("What is my favourite colour?", None),
    ],
)
def test_periods_named_in_questions(question: str, period: Period | None) -> None:
    assert time_cues(question, NOW).period == period


def test_relative_spans_get_a_window() -> None:
    period = time_cues("the trip two weeks ago", NOW).period
    assert period is not None
    assert period.contains(NOW - timedelta(days=14))
    assert not period.contains(NOW - timedelta(days=30))


def test_when_and_recency_cues() -> None:
    assert time_cues("When did Caroline go to the support group?", NOW).asks_when
    assert time_cues("In which year did they marry?", NOW).asks_when
    assert not time_cues("What did Caroline research?", NOW).asks_when
    assert time_cues("Where do I currently live?", NOW).wants_recent
    assert time_cues("What's my latest project?", NOW).wants_recent
    assert not time_cues("Where did I live in 2019?", NOW).wants_recent


encoder = SparseEncoder()


def cand(
    mid: str, score: float, text: str = "", at: datetime | None = None, **extra: Any
) -> Candidate:
    payload: dict[str, Any] = {"memory_id": mid, "text": text or mid, **extra}
    if at is not None:
        payload["occurred_at"] = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return Candidate(mid, score, payload)


def ranked(
    dense: list[Candidate],
    sparse: list[Candidate],
    query: str = "q",
    limit: int = 10,
    **tuning: Any,
) -> list[str]:
    out = rank(dense, sparse, profile(query, NOW), limit=limit, tuning=RankingTuning(**tuning))
    return [r.memory_id for r in out]


def test_score_fusion_rewards_agreement_and_keeps_single_list_hits() -> None:
    dense = [cand("both", 0.86), cand("dense-only", 0.88), cand("weak", 0.70)]
    sparse = [cand("both", 9.0), cand("sparse-only", 10.0)]
    order = ranked(dense, sparse)
    assert order[0] == "both"
    assert set(order) == {"both", "dense-only", "sparse-only", "weak"}
    assert order[-1] == "weak"
    assert ranked(dense, sparse, sparse_weight=0.0)[0] == "dense-only"
    assert ranked(dense, sparse, dense_weight=0.0)[0] == "sparse-only"


def test_reciprocal_rank_fusion_option() -> None:
    dense = [cand("a", 0.9), cand("b", 0.8)]
    sparse = [cand("b", 5.0), cand("c", 4.0)]
    assert ranked(dense, sparse, fusion="rrf")[0] == "b"


def test_limit_and_components() -> None:
    dense = [cand(f"m{i}", 0.9 - i / 100) for i in range(20)]
    out = rank(dense, [], profile("q", NOW), limit=5, tuning=RankingTuning())
    assert [r.memory_id for r in out] == [f"m{i}" for i in range(5)]
    assert out[0].components["dense"] == pytest.approx(1.0)
    assert out[0].score > out[-1].score


def test_near_duplicates_keep_the_best_one() -> None:
    dense = [
        cand("a", 0.9, "I love hiking in the Alps"),
        cand("b", 0.89, "i LOVE hiking in the alps."),
        cand("c", 0.8, "Skiing trips every winter"),
    ]
    assert ranked(dense, []) == ["a", "c"]
    assert ranked(dense, [], dedupe_jaccard=1.01) == ["a", "b", "c"]


def test_entity_period_when_recency_and_context_boosts() -> None:
    base = [
        cand("x", 0.9, "went to the market"),
        cand("y", 0.9, "went to the market with Tom", entities=["tom"]),
    ]
    assert ranked(base, [], "Did Tom go to the market?")[0] == "y"

    timed = [
        cand("june", 0.9, "went to the market", at=day(2024, 6, 5)),
        cand("april", 0.9, "went to the market!", at=day(2024, 4, 5)),
    ]
    assert ranked(timed, [], "market in April 2024", dedupe_jaccard=1.01)[0] == "april"
    assert ranked(timed, [], "what about the latest market visit", dedupe_jaccard=1.01)[0] == "june"

    when = [
        cand("plain", 0.9, "the museum was great"),
        cand("dated", 0.9, "the museum yesterday was great"),
    ]
    assert ranked(when, [], "When did they visit the museum?")[0] == "dated"

    episode = [
        cand("lonely", 0.85, "alpha", at=day(2024, 1, 1)),
        cand("neighbour", 0.85, "beta", at=day(2024, 3, 1)),
        cand("strong", 0.95, "gamma", at=day(2024, 3, 1) + timedelta(minutes=5)),
    ]
    assert ranked(episode, [], context_weight=0.5)[:2] == ["strong", "neighbour"]


def test_what_a_named_person_said_comes_before_what_was_said_to_them() -> None:
    # Both mention Tom; only the first is Tom's own account. Without the speaker signal the
    # reply addressed to him, a little closer to the question, would lead.
    turns = [
        cand(
            "to-tom",
            0.91,
            "Ann: Tom, the hike sounds great!",
            entities=["ann", "tom"],
            speaker="ann",
        ),
        cand("by-tom", 0.90, "Tom: I went on a hike with my team", entities=["tom"], speaker="tom"),
    ]
    assert (
        ranked(turns, [], "What outdoor activities has Tom done?", speaker_boost=0.0)[0] == "to-tom"
    )
    assert ranked(turns, [], "What outdoor activities has Tom done?") == ["by-tom", "to-tom"]
    # A question naming nobody, or someone else, leaves the order to the match.
    assert ranked(turns, [], "what outdoor activities were done?")[0] == "to-tom"
    assert ranked(turns, [], "What did Bea do outdoors?")[0] == "to-tom"
    # A multi-word speaker is matched by any of their names.
    full = [cand("n", 0.91, "hike"), cand("s", 0.9, "a hike", speaker="fahim khan")]
    assert ranked(full, [], "Which hikes did Fahim do?")[0] == "s"


def test_sparse_query_terms_are_stemmed_content_words() -> None:
    assert terms("What did Caroline's sisters paint?") == ["carolin", "sister", "paint"]
    vector = encoder.query("paint painting painted")
    assert len(vector.indices) == 1


_WORDS = [
    "caroline",
    "melanie",
    "swim",
    "paint",
    "camp",
    "support",
    "group",
    "adoption",
    "career",
    "park",
    "dog",
    "cake",
]


def _random_candidates(rng: random.Random, n: int) -> tuple[list[Candidate], list[Candidate]]:
    dense: list[Candidate] = []
    sparse: list[Candidate] = []
    for i in range(n):
        words = rng.sample(_WORDS, rng.randint(2, 6))
        if i and rng.random() < 0.15:  # a near-copy of an earlier memory
            words = dense[rng.randrange(len(dense))].payload["text"].split()
        at = day(2023, rng.randint(1, 12), rng.randint(1, 28)) + timedelta(
            minutes=rng.randint(0, 600)
        )
        payload = {
            "memory_id": f"m{i}",
            "text": " ".join(words),
            "entities": [w for w in words if w in ("caroline", "melanie")],
            "occurred_at": at.isoformat(),
            "speaker": rng.choice(["caroline", "melanie", "sam"]),
        }
        dense.append(Candidate(f"m{i}", rng.uniform(0.6, 0.9), payload))
        if rng.random() < 0.5:
            sparse.append(Candidate(f"m{i}", rng.uniform(0.0, 12.0), payload))
    dense.sort(key=lambda c: -c.score)
    sparse.sort(key=lambda c: -c.score)
    return dense, sparse


@pytest.mark.parametrize(
    "question",
    [
        "What did Caroline paint in May 2023?",
        "When did Melanie go to the support group?",
        "What is the latest news about the dog?",
        "what cake?",
    ],
)
def test_a_short_ranking_is_the_head_of_the_full_one(question: str) -> None:
    # Most candidates are never scored in full (their score cannot reach the results): whatever
    # the boosts do, asking for fewer results must give exactly the first of the full ranking.
    rng = random.Random(question)
    tunings = (
        RankingTuning(),
        RankingTuning(fusion="rrf"),
        RankingTuning(period_boost=3.0),
        RankingTuning(dense_weight=-1.0, entity_boost=-0.5, when_boost=-0.4),
        RankingTuning(speaker_boost=-0.3, entity_boost=0.5),
    )
    for tuning in tunings:
        for _ in range(25):
            dense, sparse = _random_candidates(rng, rng.randint(40, 160))
            query = profile(question, NOW)
            full = rank(dense, sparse, query, limit=len(dense), tuning=tuning)
            for limit in (1, 5, 10, 30):
                head = rank(dense, sparse, query, limit=limit, tuning=tuning)
                assert [(r.memory_id, r.score) for r in head] == [
                    (r.memory_id, r.score) for r in full[:limit]
                ]
