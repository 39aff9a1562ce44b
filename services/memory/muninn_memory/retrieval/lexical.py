"""Lexical side of hybrid search: tokenizer and BM25-style sparse vectors.

Terms are stemmed words hashed to 31-bit ids, so the vocabulary never has to be stored or
shared between processes. Documents carry BM25's saturated term frequency; the IDF factor is
applied by the vector store at query time (Qdrant's ``modifier=IDF``), computed over the
searching user's memories only, so one tenant's vocabulary never shapes another's ranking.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Classic English stopwords plus the question and filler words that carry no retrieval signal
# in a question put to a memory ("what did she say about…").
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further had hadn't has hasn't have haven't having
    he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've
    if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off
    on once only or other ought our ours ourselves out over own same shan't she she'd she'll
    she's should shouldn't so some such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves
    s t d ll m re ve also just would will shall may might must yes yeah oh ok okay hey hi hello
    really thing things something anything much many lot lots kind sort get got go going gone
    know like well even still ever way one ones
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")


def words(text: str) -> list[str]:
    """Lowercased words in order, stopwords kept (for phrase-ish checks and entity matching)."""
    return _WORD.findall(normalise(text))


def terms(text: str) -> list[str]:
    """Stemmed content terms: the unit of the sparse vector."""
    out: list[str] = []
    for word in _WORD.findall(normalise(text)):
        if word.endswith("'s"):
            word = word[:-2]
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        out.append(_stem(word))
    return out


@lru_cache(maxsize=200_000)
def term_id(term: str) -> int:
    """Stable 31-bit id of a term (Python's ``hash`` is salted per process, so not usable)."""
    return (
        int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF
    )


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]

    def is_empty(self) -> bool:
        return not self.indices


@dataclass(frozen=True)
class Bm25Params:
    k1: float = 1.2
    b: float = 0.75
    # Memories are short (one fact or one turn); a corpus-wide constant keeps vectors
    # independent of what else is indexed, as Qdrant's own BM25 does.
    avg_len: float = 24.0


class SparseEncoder:
    def __init__(self, params: Bm25Params | None = None) -> None:
        self.params = params or Bm25Params()

    def document(
        self, text: str, *, extra: str | None = None, extra_weight: float = 0.5
    ) -> SparseVector:
        """BM25 term-frequency part of a document's weights.

        ``extra`` is surrounding text (e.g. the previous turn of a conversation) whose terms
        count at ``extra_weight`` so a memory can be found through its context.
        """
        counts: dict[str, float] = dict(Counter(terms(text)))
        length = float(sum(counts.values()))
        if extra:
            for term, n in Counter(terms(extra)).items():
                counts[term] = counts.get(term, 0.0) + n * extra_weight
                length += n * extra_weight
        return self._weights(counts, length)

    def query(self, text: str) -> SparseVector:
        return self.query_terms(terms(text))

    def query_terms(
        self, query_terms: list[str], weights: dict[str, float] | None = None
    ) -> SparseVector:
        # Each distinct term once: repeating a word in a question should not double it.
        merged: dict[int, float] = {}
        for term in query_terms:
            tid = term_id(term)
            weight = weights.get(term, 1.0) if weights else 1.0
            merged[tid] = max(merged.get(tid, 0.0), weight)
        return SparseVector(indices=list(merged), values=list(merged.values()))

    def _weights(self, counts: dict[str, float], length: float) -> SparseVector:
        p = self.params
        norm = p.k1 * (1.0 - p.b + p.b * length / p.avg_len)
        merged: dict[int, float] = {}
        for term, tf in counts.items():
            tid = term_id(term)
            merged[tid] = merged.get(tid, 0.0) + tf * (p.k1 + 1.0) / (tf + norm)
        return SparseVector(indices=list(merged), values=list(merged.values()))
