"""Full-text search over mail without a server-side text index.

SecantusDB (the packaged MongoDB-protocol server the tests and the local stack run on)
refuses ``$text`` indexes ("text indexes are not supported by SecantusDB"), so each message
carries its own: ``search_terms``, the distinct case- and accent-folded words of its subject,
sender and body (and the sender's whole address), multikey-indexed with ``user_id``. A query
matches a message holding every one of its words, the last one as a prefix (search as you
type). No ranking: results come newest first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

MAX_TERMS = 3000
MAX_QUERY_TERMS = 8
MIN_TERM = 2
MAX_TERM = 40

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text)) if MIN_TERM <= len(w) <= MAX_TERM]


def search_terms(texts: Iterable[str], addresses: Iterable[str] = ()) -> list[str]:
    """Distinct terms of ``texts`` in order of first appearance (bounded), and ``addresses``."""
    terms: dict[str, None] = {}
    for address in addresses:
        folded = fold(address).strip()
        if folded and len(folded) <= 320:
            terms[folded] = None
    for text in texts:
        for word in words(text):
            if len(terms) >= MAX_TERMS:
                return list(terms)
            terms[word] = None
    return list(terms)


def search_condition(q: str) -> dict[str, Any]:
    """Every word of ``q`` must be a term of the message, the last may be a prefix of one."""
    query_words = list(dict.fromkeys(words(q)))[:MAX_QUERY_TERMS]
    if "@" in q:
        query_words = [fold(q).strip()[:320]]
    if not query_words:
        return {"_id": {"$exists": False}}  # nothing searchable in q: nothing matches
    *whole, last = query_words
    conditions: list[dict[str, Any]] = [{"search_terms": word} for word in whole]
    conditions.append({"search_terms": {"$regex": "^" + re.escape(last)}})
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}
