"""Small text helpers shared by extraction, entities and reconciliation.

Deliberately dependency-free: the offline pipeline must work without models or network.
"""

from __future__ import annotations

import re
import unicodedata

from muninn_shared.whitespace import plain_whitespace

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "about",
        "as",
        "into",
        "over",
        "after",
        "before",
        "under",
        "again",
        "further",
        "once",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "i",
        "me",
        "my",
        "myself",
        "we",
        "our",
        "ours",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "it",
        "its",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "nor",
        "not",
        "only",
        "own",
        "same",
        "than",
        "too",
        "very",
        "can",
        "will",
        "just",
        "should",
        "now",
        "also",
        "really",
        "actually",
        "user",
        "s",
        "t",
        "d",
        "ll",
        "m",
        "re",
        "ve",
    ]
)

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_LINE_BREAKS = re.compile(r"\n+")


def plain(text: str) -> str:
    """Text as the rules read it: NFKC, straight quotes, whitespace made plain (every run one
    space, see ``muninn_shared.whitespace``) and no blank lines. Linear in the length of the
    text, and at most NFKC's expansion of it; every pattern that reads user text runs on it."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _LINE_BREAKS.sub("\n", plain_whitespace(text))


def clean(text: str) -> str:
    """Unicode-normalised, single-spaced, straight quotes."""
    return plain(text).replace("\n", " ")


_ABBREVIATION = re.compile(
    r"(?:^|\s)(?:dr|mr|mrs|ms|prof|st|jr|sr|vs|etc|e\.g|i\.e|mt|ft|no|approx)\.$", re.I
)


def sentences(text: str) -> list[str]:
    # Parts are gathered and joined once: extending a growing string per part, and searching
    # all of it for the abbreviation, made 5,000 times "Dr. " quadratic (10 s).
    groups: list[list[str]] = []
    for part in _SENTENCE_END.split(plain(text)):
        part = part.strip() if part else ""
        if not part:
            continue
        # "Dr. Mary" is one sentence, not two.
        if groups and _ABBREVIATION.search(groups[-1][-1]):
            groups[-1].append(part)
        else:
            groups.append([part])
    return [" ".join(group) for group in groups]


def pieces(sentence: str, limit: int) -> list[str]:
    """``sentence`` cut at spaces into pieces of at most ``limit`` characters (a word longer
    than that is cut too): rules that compare each finding with the others found so far cost
    the square of the findings in one piece, so a run-on sentence is read piece by piece."""
    found: list[str] = []
    while len(sentence) > limit:
        cut = sentence.rfind(" ", 0, limit + 1)
        cut = cut if cut > 0 else limit
        found.append(sentence[:cut])
        sentence = sentence[cut:].lstrip(" ")
    if sentence:
        found.append(sentence)
    return found


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'likes'/'liked'/'liking' for similarity."""
    word = word.split("'")[0]
    for suffix in ("ingly", "edly", "ing", "ies", "ied", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def content_terms(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS}


def normalized(text: str) -> str:
    """Comparable form of a statement: lowercase words, punctuation and spacing dropped."""
    return " ".join(words(text))


def similarity(a: str, b: str) -> float:
    """Overlap of content terms (Jaccard), 0..1; exact normalised equality is 1."""
    if normalized(a) == normalized(b):
        return 1.0
    ta, tb = content_terms(a), content_terms(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def estimate_tokens(text: str) -> int:
    """Tokens in the usual ~4 characters per token approximation, never less than 1."""
    return max(1, (len(text) + 3) // 4)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
