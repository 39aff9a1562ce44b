"""LoCoMo retrieval benchmark for the memory service (issue 4, item 10).

Each LoCoMo conversation is one user. Every turn goes in through ``POST /v1/memories``
(``messages`` with the session date as ``created_at``, ``speaker`` and ``dia_id`` metadata,
``infer`` false or true); every question is asked through ``POST /v1/memories/search``. A
returned memory covers the turns in its provenance. The memory service runs in-process
(FastAPI app, ASGI transport, minted JWTs) against a real MongoDB and Kafka.

``--index-only`` skips the service and drives the hybrid index directly, indexing each turn
the way the service does for ``infer=false`` (``"<speaker>: <text> [shares a photo: …]"``,
session time, recognised entities).

    .venv/bin/python bench/locomo.py                  # service, infer=false and infer=true
    .venv/bin/python bench/locomo.py --index-only     # hybrid index alone
    .venv/bin/python bench/locomo.py --dataset realtalk --data DIR --index-only

``--dataset realtalk`` runs the same measurement on REALTALK (real 21-day chats in LoCoMo's
layout; bench/README.md says where it comes from), the second set every ranking change is
checked on. Each report ends with all@10 / any@10 per category beside the figures before
issue 21's changes and, for LoCoMo, whether that issue's targets are met.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The service mode borrows the integration tests' infrastructure and token helpers.
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "locomo10.json"
KS = (5, 10, 20)
BUDGET_TOKENS = 1000
FETCH = 50  # results asked per question: enough for k = 20 and for the token budget
HEADLINE = (1, 2, 3, 4)
# REALTALK asks no single-hop or adversarial questions; its category 3 is commonsense.
DATASET_CATEGORIES = {"locomo": (1, 2, 3, 4, 5), "realtalk": (1, 2, 3)}
CATEGORY_NAMES = {
    1: "multi-hop",
    2: "temporal",
    3: "open-domain",
    4: "single-hop",
    5: "adversarial",
}
DATASET_NAMES = {"locomo": CATEGORY_NAMES, "realtalk": {**CATEGORY_NAMES, 3: "commonsense"}}
_EVIDENCE = re.compile(r"D(\d+):(\d+)")
DEFAULT_REALTALK = ROOT.parent / "shared" / "eval" / "realtalk"

# all@10 / any@10 per category before issue 21 (speaker signal), measured with this script:
# LoCoMo through the API from bench/README.md (2026-11-23 / 2026-12-02), index-only and
# REALTALK on 2026-12-07 at commit c4fb550.
Previous = dict[str, tuple[float, float]]
PREVIOUS: dict[tuple[str, str], Previous] = {
    ("locomo", "index"): {
        "headline": (66.8, 80.1),
        "1": (16.7, 70.2),
        "2": (79.4, 85.4),
        "3": (29.3, 46.7),
        "4": (82.9, 85.0),
        "5": (75.8, 76.9),
    },
    ("locomo", "api-false"): {
        "headline": (66.7, 80.0),
        "1": (16.7, 70.2),
        "2": (79.1, 85.0),
        "3": (29.3, 46.7),
        "4": (82.9, 85.0),
        "5": (75.6, 76.9),
    },
    ("locomo", "api-true"): {
        "headline": (65.4, 79.6),
        "1": (18.1, 73.4),
        "2": (78.8, 85.7),
        "3": (28.3, 47.8),
        "4": (80.3, 82.8),
        "5": (72.4, 74.2),
    },
    ("realtalk", "index"): {
        "headline": (47.1, 74.2),
        "1": (14.6, 66.3),
        "2": (83.7, 88.1),
        "3": (27.6, 54.3),
    },
}
# Issue 21 with infer=false: headline all@10 >= 72 and any@10 >= 85, multi-hop all@10 up 10.
TARGET_ALL10, TARGET_ANY10, TARGET_MULTIHOP_GAIN = 72.0, 85.0, 10.0


# -- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    dia_id: str
    speaker: str
    text: str
    caption: str | None
    session: int
    at: datetime


@dataclass(frozen=True)
class Question:
    text: str
    category: int
    evidence: frozenset[str]


@dataclass
class Conversation:
    sample_id: str
    turns: list[Turn]
    questions: list[Question]

    def sessions(self) -> list[list[Turn]]:
        out: dict[int, list[Turn]] = {}
        for turn in self.turns:
            out.setdefault(turn.session, []).append(turn)
        return [out[k] for k in sorted(out)]


def parse_session_date(raw: str) -> datetime:
    return datetime.strptime(raw.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def load(path: Path) -> list[Conversation]:
    out: list[Conversation] = []
    for sample in json.loads(path.read_text()):
        conv = sample["conversation"]
        turns: list[Turn] = []
        sessions = sorted(
            (int(k.split("_")[1]) for k in conv if re.fullmatch(r"session_\d+", k)),
        )
        for n in sessions:
            start = parse_session_date(conv[f"session_{n}_date_time"])
            for i, t in enumerate(conv[f"session_{n}"]):
                s, d = _EVIDENCE.fullmatch(t["dia_id"]).groups()  # type: ignore[union-attr]
                turns.append(
                    Turn(
                        dia_id=f"D{int(s)}:{int(d)}",
                        speaker=t["speaker"],
                        text=t["text"],
                        caption=t.get("blip_caption"),
                        session=n,
                        # Turns keep their order inside the session, a few seconds apart.
                        at=start + timedelta(seconds=10 * i),
                    )
                )
        known = {t.dia_id for t in turns}
        questions = []
        for qa in sample["qa"]:
            evidence = {
                f"D{int(s)}:{int(d)}"
                for e in qa.get("evidence", [])
                for s, d in _EVIDENCE.findall(e)
            }
            evidence &= known
            if evidence:
                questions.append(Question(qa["question"], int(qa["category"]), frozenset(evidence)))
        out.append(Conversation(sample["sample_id"], turns, questions))
    return out


_REALTALK_TIME = "%d.%m.%Y, %H:%M:%S"
# "D12:3-D12:5" names every turn from D12:3 to D12:5; other separators (";", ",", " ") only list.
_EVIDENCE_RANGE = re.compile(r"D(\d+):(\d+)\s*-\s*D(\d+):(\d+)")


def realtalk_evidence(raw: str) -> set[str]:
    out: set[str] = set()
    for s1, t1, s2, t2 in _EVIDENCE_RANGE.findall(raw):
        if s1 == s2:
            out.update(f"D{int(s1)}:{t}" for t in range(int(t1), int(t2) + 1))
    out.update(f"D{int(s)}:{int(t)}" for s, t in _EVIDENCE.findall(raw))
    return out


def load_realtalk(path: Path) -> list[Conversation]:
    """REALTALK (Lee et al., 2025): ten 21-day chats between real people over a messaging app,
    in LoCoMo's layout, each turn with its own send time. Ranges ("D12:3-D12:5") are expanded;
    evidence that names no existing turn (136 of 1,828 references) is dropped, like LoCoMo's,
    and so are the 23 questions left with none: 705 of 728 questions are scored."""
    out: list[Conversation] = []
    for file in sorted(path.glob("Chat_*.json"), key=lambda f: int(f.name.split("_")[1])):
        sample = json.loads(file.read_text())
        sessions = sorted(int(k.split("_")[1]) for k in sample if re.fullmatch(r"session_\d+", k))
        turns = [
            Turn(
                dia_id=t["dia_id"],
                speaker=t["speaker"],
                text=t["clean_text"],
                caption=None,
                session=n,
                at=datetime.strptime(t["date_time"], _REALTALK_TIME).replace(tzinfo=UTC),
            )
            for n in sessions
            for t in sample[f"session_{n}"]
        ]
        known = {t.dia_id for t in turns}
        questions = []
        for qa in sample["qa"]:
            evidence = set().union(*(realtalk_evidence(e) for e in qa.get("evidence", []))) & known
            if evidence:
                questions.append(Question(qa["question"], int(qa["category"]), frozenset(evidence)))
        out.append(Conversation(file.stem, turns, questions))
    return out


def turn_text(turn: Turn) -> str:
    """What the service indexes for an ``infer=false`` turn (see memories/documents.py)."""
    text = f"{turn.speaker}: {turn.text}"
    if turn.caption:
        text += f" [shares a photo: {turn.caption}]"
    return text


# -- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    covers: frozenset[str]
    text: str


@dataclass
class Scores:
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    totals: dict[int, int] = field(default_factory=dict)

    def add(self, question: Question, hits: list[Hit]) -> None:
        row = self.counts.setdefault(question.category, {})
        self.totals[question.category] = self.totals.get(question.category, 0) + 1
        cuts = {f"@{k}": hits[:k] for k in KS}
        cuts["@1000tok"] = within_budget(hits, BUDGET_TOKENS)
        for name, chosen in cuts.items():
            covered: set[str] = set().union(*(h.covers for h in chosen)) if chosen else set()
            row[f"all{name}"] = row.get(f"all{name}", 0) + int(question.evidence <= covered)
            row[f"any{name}"] = row.get(f"any{name}", 0) + int(bool(question.evidence & covered))

    def pct(self, categories: Iterable[int], metric: str) -> float:
        cats = list(categories)
        n = sum(self.totals.get(c, 0) for c in cats)
        hit = sum(self.counts.get(c, {}).get(metric, 0) for c in cats)
        return 100.0 * hit / n if n else 0.0

    def n(self, categories: Iterable[int]) -> int:
        return sum(self.totals.get(c, 0) for c in categories)


def within_budget(hits: list[Hit], budget: int) -> list[Hit]:
    chosen: list[Hit] = []
    used = 0.0
    for hit in hits:
        cost = len(hit.text) / 4
        if used + cost > budget:
            break
        chosen.append(hit)
        used += cost
    return chosen


METRICS = [f"{kind}@{k}" for kind in ("all", "any") for k in KS] + ["all@1000tok", "any@1000tok"]


def report(
    title: str,
    scores: Scores,
    latencies: list[float],
    ingest: tuple[int, float] | None,
    *,
    categories: tuple[int, ...] = DATASET_CATEGORIES["locomo"],
    names: dict[int, str] = CATEGORY_NAMES,
    previous: Previous | None = None,
    targets: bool = False,
) -> str:
    headline = [c for c in HEADLINE if c in categories]
    lines = [
        f"## {title}",
        "",
        "| categories | n | " + " | ".join(METRICS) + " |",
        "|---|---|" + "---|" * len(METRICS),
    ]
    label = f"{headline[0]}-{headline[-1]} (headline)"
    rows: list[tuple[str, str, list[int]]] = [("headline", label, headline)]
    rows += [(str(c), f"{c} {names[c]}", [c]) for c in categories]
    for _, name, cats in rows:
        values = " | ".join(f"{scores.pct(cats, m):.1f}" for m in METRICS)
        lines.append(f"| {name} | {scores.n(cats)} | {values} |")
    if latencies:
        ordered = sorted(latencies)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000
        lines.append("")
        lines.append(
            f"search latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(ordered)} searches"
        )
    if ingest:
        turns, seconds = ingest
        lines.append(f"ingestion: {turns} turns in {seconds:.1f} s = {turns / seconds:.1f} turns/s")
    if previous:
        lines += ["", *comparison(scores, rows, previous, targets=targets)]
    return "\n".join(lines)


def comparison(
    scores: Scores, rows: list[tuple[str, str, list[int]]], previous: Previous, *, targets: bool
) -> list[str]:
    """all@10 and any@10 now beside the figures before issue 21, and that issue's targets."""
    lines = [
        "| categories | all@10 before | all@10 now | any@10 before | any@10 now |",
        "|---|---|---|---|---|",
    ]
    for key, name, cats in rows:
        if key not in previous:
            continue
        before_all, before_any = previous[key]
        now_all, now_any = scores.pct(cats, "all@10"), scores.pct(cats, "any@10")
        lines.append(
            f"| {name} | {before_all:.1f} | {now_all:.1f} ({now_all - before_all:+.1f}) "
            f"| {before_any:.1f} | {now_any:.1f} ({now_any - before_any:+.1f}) |"
        )
    if targets:
        headline = [c for c in HEADLINE if c in {c for _, _, cs in rows for c in cs}]
        checks = [
            (
                f"headline all@10 >= {TARGET_ALL10:.0f}",
                scores.pct(headline, "all@10"),
                TARGET_ALL10,
            ),
            (
                f"headline any@10 >= {TARGET_ANY10:.0f}",
                scores.pct(headline, "any@10"),
                TARGET_ANY10,
            ),
            (
                f"multi-hop all@10 >= {previous['1'][0]:.1f} + {TARGET_MULTIHOP_GAIN:.0f}",
                scores.pct([1], "all@10"),
                previous["1"][0] + TARGET_MULTIHOP_GAIN,
            ),
        ]
        lines.append("")
        for name, value, goal in checks:
            verdict = "met" if value >= goal else "NOT met"
            lines.append(f"target {name}: {value:.1f} -> {verdict}")
    return lines


# -- BM25 baseline ---------------------------------------------------------------------------


def run_bm25(conversations: list[Conversation], dataset: str) -> None:
    """Okapi BM25 over every turn of the conversation (k1 1.5, b 0.75, negative IDF floored at
    a quarter of the mean, as rank_bm25 does), the way ../shared/eval/README.md's baseline
    indexes a turn: ``"[<time>] <speaker>: <text>"``, lowercase words, stopwords removed."""
    from muninn_memory.retrieval.lexical import STOPWORDS, words

    def tokens(text: str) -> list[str]:
        return [w for w in words(text) if w not in STOPWORDS]

    scores = Scores()
    for conv in conversations:
        texts = [turn_text(t) for t in conv.turns]
        docs = [
            Counter(tokens(f"[{t.at:%d %B %Y %H:%M}] {text}"))
            for t, text in zip(conv.turns, texts, strict=True)
        ]
        n = len(docs)
        avg = sum(sum(d.values()) for d in docs) / n
        df = Counter(w for d in docs for w in d)
        idf = {w: math.log(n - c + 0.5) - math.log(c + 0.5) for w, c in df.items()}
        floor = 0.25 * sum(idf.values()) / len(idf)
        idf = {w: v if v >= 0 else floor for w, v in idf.items()}
        for q in conv.questions:
            terms = tokens(q.text)
            ranked = sorted(
                range(n),
                key=lambda i: (
                    -sum(
                        idf.get(w, 0.0)
                        * docs[i][w]
                        * 2.5
                        / (docs[i][w] + 1.5 * (0.25 + 0.75 * sum(docs[i].values()) / avg))
                        for w in terms
                        if w in docs[i]
                    )
                ),
            )[:FETCH]
            scores.add(q, [Hit(frozenset({conv.turns[i].dia_id}), texts[i]) for i in ranked])
    title = f"{dataset}, BM25 baseline (every turn, Okapi)"
    print(
        report(
            title,
            scores,
            [],
            None,
            categories=DATASET_CATEGORIES[dataset],
            names=DATASET_NAMES[dataset],
        )
    )


# -- index-only mode -------------------------------------------------------------------------

CACHE_DIR = ROOT / ".muninn" / "bench-cache"


def pool_cache_path(model_id: str, texts: list[str]) -> Path:
    """Where the document vectors of ``texts`` by this model are kept between runs (they are
    deterministic, and embedding LoCoMo's 5,880 turns takes minutes)."""
    import hashlib

    digest = hashlib.sha256("\n".join([model_id, *texts]).encode()).hexdigest()[:16]
    return CACHE_DIR / f"pool-{digest}.json"


class CachedDocuments:
    """An embedder whose document vectors come from the pool cache when it holds the text
    (written by bench/memory_search.py from the same model and turns); questions, and any
    text the cache lacks, go to the real embedder. Only questions are embedded live, which
    is what a change to the query path needs re-measured."""

    def __init__(self, embedder: Any, vectors: dict[str, list[float]]) -> None:
        self._embedder = embedder
        self.vectors = vectors

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            computed = await self._embedder.embed_documents(missing)
            self.vectors.update(zip(missing, computed, strict=True))
        return [self.vectors[t] for t in texts]


def indexed_turns(conversations: list[Conversation]) -> dict[str, list[Any]]:
    """Each conversation's turns as the service indexes them for ``infer=false``."""
    from muninn_memory.entities.recognize import recognize
    from muninn_memory.retrieval.parts import questions_answered
    from muninn_memory.retrieval.port import IndexedMemory

    indexed: dict[str, list[Any]] = {}
    for conv in conversations:
        # One request per session, as ingest_conversation sends them: a message answers a
        # question of its own session only.
        answers = {
            turn.dia_id: asked
            for session in conv.sessions()
            for turn, asked in zip(
                session, questions_answered([(t.speaker, t.text) for t in session]), strict=True
            )
        }
        indexed[conv.sample_id] = [
            IndexedMemory(
                turn.dia_id,
                conv.sample_id,
                turn_text(turn),
                "conversation",
                occurred_at=turn.at,
                entities=(turn.speaker, *(m.name for m in recognize(turn.text).mentions if m.name)),
                speaker=turn.speaker,
                answers=answers.get(turn.dia_id),
            )
            for turn in conv.turns
        ]
    return indexed


def part_texts(texts: list[str]) -> list[str]:
    """The sentence parts of these message texts, in order (repeats kept): the list
    bench/memory_search.py caches too, so one embedding of it serves both benchmarks."""
    from muninn_memory.retrieval.parts import sentence_parts
    from muninn_memory.retrieval.port import IndexedMemory

    out: list[str] = []
    for text in texts:
        name, colon, _ = text.partition(": ")
        memory = IndexedMemory("m", "u", text, "conversation", speaker=name if colon else None)
        out.extend(p.text for p in sentence_parts(memory))
    return out


def index_embedder(pools: list[list[str]]) -> tuple[Any, list[tuple[Path, list[str]]]]:
    """The embedder, its document vectors read from the pool cache for each list of texts it
    holds; the others' cache files are returned, to write once their vectors are computed."""
    from muninn_memory.embeddings.factory import create_embedder

    embedder = create_embedder()
    documents = CachedDocuments(embedder, {})
    missing: list[tuple[Path, list[str]]] = []
    for texts in pools:
        cache = pool_cache_path(embedder.model_id, texts)
        if not cache.exists():
            missing.append((cache, texts))
            continue
        print(f"document vectors read from {cache.relative_to(ROOT)}", file=sys.stderr)
        documents.vectors.update(zip(texts, json.loads(cache.read_text()), strict=True))
    return documents, missing


async def run_index_only(
    conversations: list[Conversation], dataset: str, *, fetch: int = FETCH, split: bool = True
) -> None:
    """``split``: chat messages are also indexed sentence by sentence, as the service does by
    default (``MUNINN_VECTORS_SPLIT_SENTENCES``); off, each message is one point."""
    from muninn_memory.retrieval.hybrid import HybridIndex
    from muninn_memory.retrieval.parts import answer_part
    from muninn_memory.vectors.edge import EdgeBackend

    turns = indexed_turns(conversations)
    texts = list(dict.fromkeys(m.text for memories in turns.values() for m in memories))
    answers = [p.text for ms in turns.values() for m in ms if (p := answer_part(m))]
    embedder, uncached = index_embedder([texts, *([part_texts(texts), answers] if split else [])])
    with tempfile.TemporaryDirectory(prefix="locomo-index-") as tmp:
        index = HybridIndex(EdgeBackend(Path(tmp)), embedder, split_sentences=split)
        by_text = {(user, m.memory_id): m.text for user, ms in turns.items() for m in ms}
        started = time.perf_counter()
        total = 0
        for user, memories in turns.items():
            for start in range(0, len(memories), 64):
                await index.upsert(memories[start : start + 64])
            total += len(memories)
            print(f"indexed {user}: {len(memories)} turns", file=sys.stderr)
        ingest = (total, time.perf_counter() - started)
        for cache, cached_texts in uncached:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps([embedder.vectors[t] for t in cached_texts]))
        scores, latencies = Scores(), []
        for conv in conversations:
            now = max(t.at for t in conv.turns) + timedelta(days=1)
            for q in conv.questions:
                t0 = time.perf_counter()
                results = await index.search(conv.sample_id, q.text, limit=fetch, now=now)
                latencies.append(time.perf_counter() - t0)
                hits = [
                    Hit(frozenset({r.memory_id}), by_text[(conv.sample_id, r.memory_id)])
                    for r in results
                ]
                scores.add(q, hits)
        await index.close()
    title = f"{dataset}, index only (HybridIndex, infer=false equivalent)"
    if not split:
        title += ", each message one point"
    print(
        report(
            title,
            scores,
            latencies,
            ingest,
            categories=DATASET_CATEGORIES[dataset],
            names=DATASET_NAMES[dataset],
            previous=PREVIOUS.get((dataset, "index")),
            targets=dataset == "locomo",
        )
    )


# -- service mode ----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def memory_service(workdir: Path) -> AsyncIterator[tuple[Any, Any, Any]]:
    import httpx
    from asgi_lifespan import LifespanManager
    from muninn_memory.main import create_app
    from muninn_memory.settings import MemorySettings

    from tests.integration.infra import provide_infra
    from tests.integration.tokens import provision_test_keys

    os.environ.update(provision_test_keys(workdir / "keys"))
    with provide_infra(workdir / "infra") as infra:
        settings = MemorySettings(
            kafka_bootstrap=infra.kafka_bootstrap,
            mongo_uri=infra.mongo_uri,
            mongo_database_prefix=f"muninn_locomo{uuid.uuid4().hex[:6]}_",
            qdrant_path=workdir / "qdrant",
            ingestion_poll_interval_seconds=0.05,
            index_sync_interval_seconds=0.5,
            ingestion_wait_timeout_seconds=300,
            # The run outlasts a default access token; these are minted for the bench only.
            access_token_ttl_seconds=24 * 3600,
            log_level="WARNING",
        )
        app = create_app(settings)
        async with (
            LifespanManager(app, startup_timeout=180, shutdown_timeout=60),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://memory", timeout=600
            ) as http,
        ):
            yield app, settings, http


def covered_turns(result: dict[str, Any]) -> frozenset[str]:
    out: set[str] = set()
    for message in result.get("provenance", {}).get("messages", []):
        dia = (message.get("metadata") or {}).get("dia_id") or message.get("message_id")
        if isinstance(dia, str):
            out.add(dia)
    return frozenset(out)


async def ingest_conversation(
    http: Any, headers: dict[str, str], conv: Conversation, infer: bool
) -> None:
    for session in conv.sessions():
        messages = [
            {
                "role": "user",
                "content": t.text,
                "created_at": t.at.isoformat(),
                "message_id": t.dia_id,
                "conversation_id": conv.sample_id,
                "metadata": {
                    "speaker": t.speaker,
                    "dia_id": t.dia_id,
                    **({"blip_caption": t.caption} if t.caption else {}),
                },
            }
            for t in session
        ]
        response = await http.post(
            "/v1/memories",
            json={"messages": messages, "infer": infer, "wait": True},
            headers=headers,
        )
        if response.status_code >= 400:
            raise RuntimeError(f"ingestion failed: {response.status_code} {response.text[:300]}")
        job = response.json()
        while job.get("status") not in ("succeeded", "failed", "completed", "done"):
            await asyncio.sleep(0.2)
            job = (await http.get(job["status_url"], headers=headers)).json()
        if job["status"] == "failed":
            raise RuntimeError(f"ingestion job failed: {job.get('error')}")


async def run_service(
    conversations: list[Conversation], dataset: str, infers: list[bool], *, parallel: int
) -> None:
    from tests.integration.tokens import identity_token_issuer

    with tempfile.TemporaryDirectory(prefix="locomo-service-") as tmp:
        async with memory_service(Path(tmp)) as (app, settings, http):
            codec = identity_token_issuer(ttl_seconds=settings.access_token_ttl_seconds)
            for infer in infers:
                label = "infer" if infer else "raw"
                headers = {
                    c.sample_id: {
                        "Authorization": f"Bearer {codec.issue(f'locomo-{c.sample_id}-{label}')}"
                    }
                    for c in conversations
                }
                ingest = await ingest_all(app, http, headers, conversations, infer, parallel)
                scores, latencies = await ask_all(http, headers, conversations)
                mode = f"infer={'true' if infer else 'false'}"
                print(
                    report(
                        f"{dataset}, service API, {mode}",
                        scores,
                        latencies,
                        ingest,
                        categories=DATASET_CATEGORIES[dataset],
                        names=DATASET_NAMES[dataset],
                        previous=PREVIOUS.get((dataset, f"api-{mode[6:]}")),
                        # The targets are for infer=false.
                        targets=dataset == "locomo" and not infer,
                    )
                )
                print()


async def ingest_all(
    app: Any,
    http: Any,
    headers: dict[str, dict[str, str]],
    conversations: list[Conversation],
    infer: bool,
    parallel: int,
) -> tuple[int, float]:
    gate = asyncio.Semaphore(parallel)

    async def one(conv: Conversation) -> None:
        async with gate:
            await ingest_conversation(http, headers[conv.sample_id], conv, infer)
            print(f"ingested {conv.sample_id} (infer={infer})", file=sys.stderr)

    started = time.perf_counter()
    await asyncio.gather(*(one(c) for c in conversations))
    # Vectors are written right after each commit; the sweep catches any straggler.
    while await app.state.index_sync.sweep_once():
        pass
    return sum(len(c.turns) for c in conversations), time.perf_counter() - started


async def ask_all(
    http: Any, headers: dict[str, dict[str, str]], conversations: list[Conversation]
) -> tuple[Scores, list[float]]:
    scores, latencies = Scores(), []
    for conv in conversations:
        for q in conv.questions:
            t0 = time.perf_counter()
            response = await http.post(
                "/v1/memories/search",
                json={"query": q.text, "limit": FETCH},
                headers=headers[conv.sample_id],
            )
            latencies.append(time.perf_counter() - t0)
            response.raise_for_status()
            hits = [
                Hit(covered_turns(r), (r.get("memory") or {}).get("content") or "")
                for r in response.json()["results"]
            ]
            scores.add(q, hits)
    return scores, latencies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", choices=["locomo", "realtalk"], default="locomo")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"LoCoMo's json (default {DEFAULT_DATA}) or REALTALK's folder of Chat_*.json "
        f"(default {DEFAULT_REALTALK})",
    )
    parser.add_argument("--index-only", action="store_true", help="drive the hybrid index directly")
    parser.add_argument(
        "--whole-messages",
        action="store_true",
        help="with --index-only: each message one point, not also sentence by sentence",
    )
    parser.add_argument("--bm25", action="store_true", help="the BM25 baseline alone")
    parser.add_argument("--infer", choices=["false", "true", "both"], default="both")
    parser.add_argument(
        "--conversations", type=int, default=None, help="only the first N conversations"
    )
    parser.add_argument("--parallel", type=int, default=2, help="conversations ingested at once")
    args = parser.parse_args(argv)
    if args.dataset == "realtalk":
        folder = args.data or DEFAULT_REALTALK
        if not any(folder.glob("Chat_*.json")):
            parser.error(f"no REALTALK Chat_*.json in {folder} (bench/README.md: where to get it)")
        conversations = load_realtalk(folder)
    else:
        conversations = load(args.data or DEFAULT_DATA)
    conversations = conversations[: args.conversations]
    if args.bm25:
        run_bm25(conversations, args.dataset)
        return
    if args.index_only:
        asyncio.run(run_index_only(conversations, args.dataset, split=not args.whole_messages))
        return
    infers = {"false": [False], "true": [True], "both": [False, True]}[args.infer]
    asyncio.run(run_service(conversations, args.dataset, infers, parallel=args.parallel))


if __name__ == "__main__":
    main()
