"""Sentence parts: a chat message is also indexed sentence by sentence.

One vector for a whole message averages its particulars away: "…went to a kickboxing class
with my friend, it was exhausting! How was your week?" is far from "What exercises has John
done?". Each sentence of a message of two or more is therefore indexed again as a point of
its own, carrying the message's memory id, speaker, time and entities; a hit on a part counts
for its message, which the ranking places once, at its best point's place (bench/README.md,
through the API: multi-hop all@10 +2.8 points on LoCoMo, +3.2 on REALTALK, both headlines up).

Only conversational memories are split: the measurement was made on chat messages, documents
are chunked by their own feature, and facts and summaries are single statements already.
"""

from __future__ import annotations

import re
from dataclasses import replace

from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.vectors.schema import MAX_PARTS

SPLIT_TYPES = frozenset({"conversation"})
MIN_WORDS = 3
"""Shorter sentences ("Wow!", "How are you?") carry no particular of their own."""

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` of at least :data:`MIN_WORDS` words."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if len(s.split()) >= MIN_WORDS]


def sentence_parts(memory: IndexedMemory) -> list[IndexedMemory]:
    """The parts ``memory`` is indexed with besides itself: none for a memory of one sentence
    or of a kind that is not split. Each part keeps the speaker's prefix ("John: …"), so it
    reads as what that person said. A message of more sentences than :data:`MAX_PARTS` has
    them grouped, in order, into that many parts."""
    if memory.part or memory.type not in SPLIT_TYPES:
        return []
    prefix = ""
    if memory.speaker and memory.text.startswith(f"{memory.speaker}: "):
        prefix = f"{memory.speaker}: "
    found = sentences(memory.text[len(prefix) :])
    if len(found) < 2:
        return []
    return [
        replace(memory, text=prefix + text, part=number)
        for number, text in enumerate(_grouped(found, MAX_PARTS), start=1)
    ]


def _grouped(items: list[str], most: int) -> list[str]:
    """``items`` joined into at most ``most`` runs of consecutive items, as even as can be."""
    if len(items) <= most:
        return items
    size, extra = divmod(len(items), most)
    out: list[str] = []
    start = 0
    for run in range(most):
        end = start + size + (1 if run < extra else 0)
        out.append(" ".join(items[start:end]))
        start = end
    return out
