"""Full-text search over a user's notes and snippets without a server-side text index.

SecantusDB (the packaged MongoDB) refuses ``$text`` indexes, so each searchable document
carries its own index: ``search_terms`` (distinct normalised terms, multikey-indexed with
``user_id``), ``search_tf`` (term → weighted frequency; title and tags weigh more than the
body) and ``search_len``. MongoDB narrows the candidates (every query term must be present,
the last one as a prefix so search-as-you-type works); ranking is BM25 computed here.
"""

from __future__ import annotations

import base64
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from muninn_shared.problems import ProblemError
from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

Doc = dict[str, Any]

MAX_QUERY_TERMS = 12
MAX_INDEXED_TERMS = 5000
MAX_CANDIDATES = 2000
K1 = 1.2
B = 0.75
PREFIX_DISCOUNT = 0.8
TITLE_PHRASE_BONUS = 1.5
# How much more a term counts in a title, or in a tag (or a snippet's language), than in the body.
TITLE_WEIGHT = 3
TAG_WEIGHT = 2

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "so",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    ]
)

_WORD = re.compile(r"\w+", re.UNICODE)
_APOSTROPHES = re.compile(r"['\u2019]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _fold(text: str) -> str:
    """Lowercase and strip accents, so 'Café' finds 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """Plural folding only: aggressive stemming hurts short notes more than it helps."""
    if not word.isalpha():
        return word  # identifiers and numbers ("parse_js", "v2s") are matched as written
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _expand(token: str) -> Iterable[str]:
    if _CJK.search(token):
        # Scripts written without spaces: overlapping bigrams make substrings findable.
        if len(token) == 1:
            yield token
        for i in range(len(token) - 1):
            yield token[i : i + 2]
        return
    if token in STOPWORDS:
        return
    yield stem(token)
    if "_" in token.strip("_"):
        # snake_case identifiers in code snippets: also findable by their parts.
        for part in token.split("_"):
            if part and part not in STOPWORDS:
                yield stem(part)


def tokens(text: str) -> list[str]:
    """Normalised search terms of ``text``, in order, repeats kept."""
    folded = _APOSTROPHES.sub("", _fold(text))
    return [term for raw in _WORD.findall(folded) for term in _expand(raw)]


def index_fields(weighted_texts: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """The search fields to store on a document, from (text, weight) pairs."""
    frequencies: Counter[str] = Counter()
    length = 0
    for text, weight in weighted_texts:
        terms = tokens(text)
        length += len(terms) * weight
        for term in terms:
            frequencies[term] += weight
    kept = dict(frequencies.most_common(MAX_INDEXED_TERMS))
    return {"search_terms": sorted(kept), "search_tf": kept, "search_len": length}


SEARCH_FIELDS = ("search_terms", "search_tf", "search_len")


@dataclass(frozen=True)
class Query:
    """A parsed search: exact terms, plus the last word as a prefix while the user types."""

    text: str
    terms: tuple[str, ...]
    prefix: str | None

    @property
    def empty(self) -> bool:
        return not self.terms and self.prefix is None

    def mongo_filter(self) -> dict[str, Any]:
        clauses: list[dict[str, Any]] = [{"search_terms": term} for term in self.terms]
        if self.prefix is not None:
            clauses.append({"search_terms": {"$regex": "^" + re.escape(self.prefix)}})
        return {"$and": clauses} if clauses else {}


def parse_query(q: str) -> Query:
    words = _WORD.findall(_APOSTROPHES.sub("", _fold(q)))
    prefix: str | None = None
    last = words[-1] if words else ""
    typing_last_word = bool(q) and not q[-1].isspace()
    if typing_last_word and len(last) >= 2 and last not in STOPWORDS and not _CJK.search(last):
        # stem() never lengthens a word, so the prefix "cats" -> "cat" still finds "cat",
        # and an unfinished "walki" finds "walking".
        prefix = stem(last)
        words = words[:-1]
    terms = [term for word in words for term in _expand(word)]
    unique = tuple(dict.fromkeys(terms))[:MAX_QUERY_TERMS]
    return Query(text=q.strip(), terms=unique, prefix=prefix)


@dataclass(frozen=True)
class Corpus:
    """Collection statistics for BM25: document count, term document frequencies, mean length."""

    documents: int
    document_frequency: dict[str, int]
    mean_length: float


def _idf(documents: int, frequency: int) -> float:
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def score(doc: dict[str, Any], query: Query, corpus: Corpus, *, title: str = "") -> float:
    tf: dict[str, int] = doc.get("search_tf") or {}
    length = float(doc.get("search_len") or 0)
    norm = K1 * (1 - B + B * length / corpus.mean_length) if corpus.mean_length > 0 else K1
    total = 0.0

    def term_score(key: str, frequency: float) -> float:
        df = corpus.document_frequency.get(key, 0)
        return _idf(corpus.documents, df) * frequency * (K1 + 1) / (frequency + norm)

    for term in query.terms:
        total += term_score(term, float(tf.get(term, 0)))
    if query.prefix is not None:
        matches = [(t, f) for t, f in tf.items() if t.startswith(query.prefix)]
        if matches:
            best_term, best_tf = max(matches, key=lambda m: m[1])
            exact = best_term == query.prefix
            weight = 1.0 if exact else PREFIX_DISCOUNT
            total += weight * term_score("^" + query.prefix, float(best_tf))
    if query.text and title and _fold(query.text) in _fold(title):
        total += TITLE_PHRASE_BONUS
    return round(total, 6)


def highlight(content: str, query: Query, *, width: int = 160) -> str:
    """A short excerpt of ``content`` around the first matching word."""
    wanted = set(query.terms)
    folded = _fold(content)
    for match in _WORD.finditer(folded):
        word = _APOSTROPHES.sub("", match.group())
        terms = set(_expand(word))
        hit = terms & wanted or (
            query.prefix is not None and any(t.startswith(query.prefix) for t in terms)
        )
        if hit:
            start = max(0, match.start() - width // 3)
            end = min(len(content), start + width)
            excerpt = " ".join(content[start:end].split())
            return ("…" if start > 0 else "") + excerpt + ("…" if end < len(content) else "")
    excerpt = " ".join(content[:width].split())
    return excerpt + ("…" if len(content) > width else "")


def encode_rank_cursor(score_value: float, item_id: str) -> str:
    raw = json.dumps([score_value, item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_rank_cursor(cursor: str) -> tuple[float, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, item_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return float(value), str(item_id)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ProblemError(
            400,
            "The cursor is not valid; use next_cursor from a previous page.",
            code="invalid-cursor",
        ) from None


def rank_key(score_value: float, item_id: str) -> tuple[float, str]:
    """Best first; ties broken by id so pages never overlap or skip."""
    return (-score_value, item_id)


async def corpus_stats(collection: AsyncCollection[Doc], user_id: str, query: Query) -> Corpus:
    """BM25 statistics over the user's own documents (one user's notes are the corpus)."""
    mine: Doc = {"user_id": user_id}
    documents = await collection.count_documents(mine)
    frequency = {
        term: await collection.count_documents({**mine, "search_terms": term})
        for term in query.terms
    }
    if query.prefix is not None:
        frequency["^" + query.prefix] = await collection.count_documents(
            {**mine, "search_terms": {"$regex": "^" + re.escape(query.prefix)}}
        )
    pipeline: list[Doc] = [
        {"$match": mine},
        {"$group": {"_id": None, "mean": {"$avg": "$search_len"}}},
    ]
    means = [d async for d in await collection.aggregate(pipeline)]
    mean_length = float(means[0]["mean"] or 0) if means else 0.0
    return Corpus(documents=documents, document_frequency=frequency, mean_length=mean_length)


async def ranked_page(
    collection: AsyncCollection[Doc],
    match: Doc,
    query: Query,
    *,
    limit: int,
    cursor: str | None,
    title_field: str = "title",
) -> tuple[list[tuple[Doc, float]], str | None]:
    """One page of ``match``-ing documents ranked for ``query``, best first, and the next cursor.

    Candidates are the most recently updated :data:`MAX_CANDIDATES` matches: ranking needs
    every candidate's score, and a personal corpus rarely holds more for one set of words.
    """
    after = rank_key(*decode_rank_cursor(cursor)) if cursor else None
    if query.empty:
        return [], None
    projection = {"search_tf": 1, "search_len": 1, title_field: 1}
    found = collection.find({**match, **query.mongo_filter()}, projection)
    found = found.sort([("updated_at", DESCENDING), ("_id", DESCENDING)]).limit(MAX_CANDIDATES)
    candidates = [d async for d in found]
    if not candidates:
        return [], None
    corpus = await corpus_stats(collection, match["user_id"], query)
    scored = sorted(
        (
            (score(d, query, corpus, title=d.get(title_field) or ""), str(d["_id"]))
            for d in candidates
        ),
        key=lambda pair: rank_key(*pair),
    )
    if after is not None:
        scored = [pair for pair in scored if rank_key(*pair) > after]
    page = scored[:limit]
    next_cursor = encode_rank_cursor(*page[-1]) if len(scored) > limit else None
    ids = [item_id for _, item_id in page]
    full = {
        d["_id"]: d
        async for d in collection.find({"_id": {"$in": ids}, "user_id": match["user_id"]})
    }
    return [(full[item_id], value) for value, item_id in page if item_id in full], next_cursor
