"""Find the taxonomy's topics in a text, in time linear in its length.

The text is split into word tokens by one regular expression whose two parts match disjoint
characters (no backtracking), then every run of up to ``longest phrase`` tokens is looked up
in a dictionary: no pattern is ever tried against the text character by character, so a
hostile 20,000-character string costs what an ordinary one does.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from muninn_integrations.interests.taxonomy import TAXONOMY

MAX_TEXT = 20_000
MAX_TOPICS = 10
_TOKEN = re.compile(r"[^\W_]+[+#&]*")


@dataclass(frozen=True, order=True)
class Topic:
    category: str
    topic: str


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(token: str) -> str:
    """'hikes' and 'hike' alike: a plural's final 's' goes ('tennis', 'chess', 'bus' stay)."""
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    return [_stem(t) for t in _TOKEN.findall(_fold(text[:MAX_TEXT]))]


@lru_cache(maxsize=1)
def phrase_index() -> tuple[dict[tuple[str, ...], tuple[Topic, ...]], int]:
    """Token sequence → the topics it names; and the longest sequence."""
    index: dict[tuple[str, ...], list[Topic]] = {}
    for category, topics in TAXONOMY.items():
        for topic, phrases in topics.items():
            for phrase in phrases:
                key = tuple(tokens(phrase))
                if key and Topic(category, topic) not in index.setdefault(key, []):
                    index[key].append(Topic(category, topic))
    longest = max(len(key) for key in index)
    return {key: tuple(found) for key, found in index.items()}, longest


def detect(text: str, limit: int = MAX_TOPICS) -> list[Topic]:
    """The topics ``text`` mentions, the most mentioned first (then by name)."""
    index, longest = phrase_index()
    words = tokens(text)
    counted: Counter[Topic] = Counter()
    for start in range(len(words)):
        for size in range(1, min(longest, len(words) - start) + 1):
            for topic in index.get(tuple(words[start : start + size]), ()):
                counted[topic] += 1
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return [topic for topic, _ in ranked[:limit]]


def categories() -> list[str]:
    return sorted(TAXONOMY)
