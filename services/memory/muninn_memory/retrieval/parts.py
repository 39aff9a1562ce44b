"""Sentence parts: a chat message is also indexed sentence by sentence.

One vector for a whole message averages its particulars away: "…went to a kickboxing class
with my friend, it was exhausting! How was your week?" is far from "What exercises has John
done?". Each sentence of a message of two or more is therefore indexed again as a point of
its own, carrying the message's memory id, speaker, time and entities; a hit on a part counts
for its message, which the ranking places once, at its best point's place (bench/README.md,
through the API: multi-hop all@10 +2.8 points on LoCoMo, +3.2 on REALTALK, both headlines up).

Only conversational memories are split: the measurement was made on chat messages, documents
are chunked by their own feature, and facts and summaries are single statements already.

Answer parts: a reply often lacks the words of its topic, which the question before it has
("Caroline: What are their names?" — "Melanie: Luna and Oliver!"). A message that answers
another speaker's question is indexed once more behind that question; the ranking counts a hit
on that point at a discount (``RankingTuning.answer_weight``), since the question's words are
not the reply's own. Index-only (``bench/locomo.py --index-only``), all@10 / any@10: LoCoMo
68.6 / 82.1 → 70.7 / 84.3, REALTALK 48.9 / 74.3 → 49.8 / 74.6, multi-hop within one question
on both (bench/README.md). The question is found among the messages sent with the reply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.vectors.schema import ANSWER_PART, MAX_PARTS

SPLIT_TYPES = frozenset({"conversation"})
ANSWER_LOOKBACK = 3
"""Turns looked back over for the question a message answers: a reply may follow a few
messages of its own writer's."""
MIN_WORDS = 3
"""Shorter sentences ("Wow!", "How are you?") carry no particular of their own."""

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` of at least :data:`MIN_WORDS` words."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if len(s.split()) >= MIN_WORDS]


def parts_of(memory: IndexedMemory) -> list[IndexedMemory]:
    """Every point ``memory`` is indexed with besides itself: its sentence parts, then its
    answer part."""
    parts = sentence_parts(memory)
    answer = answer_part(memory)
    return [*parts, answer] if answer is not None else parts


def answer_part(memory: IndexedMemory) -> IndexedMemory | None:
    """The memory behind the question it answers, numbered :data:`ANSWER_PART`; None for a
    memory that answers nothing or is not a chat message."""
    if memory.part or memory.type not in SPLIT_TYPES or not memory.answers:
        return None
    return replace(memory, text=f"{memory.answers}\n{memory.text}", part=ANSWER_PART)


def questions_answered(turns: Sequence[tuple[str | None, str]]) -> list[str | None]:
    """For each ``(speaker, text)`` of a conversation, in order, the question it answers: the
    last question asked in the most recent turn of someone else among the
    :data:`ANSWER_LOOKBACK` before it, with its asker's prefix; None when that turn asks none
    (or no one else spoke)."""
    answered: list[str | None] = []
    for index, (speaker, _) in enumerate(turns):
        found: str | None = None
        for asker, text in reversed(turns[max(0, index - ANSWER_LOOKBACK) : index]):
            if asker == speaker:
                continue
            found = last_question(asker, text)
            break
        answered.append(found)
    return answered


def last_question(asker: str | None, text: str) -> str | None:
    """The last sentence of ``text`` that asks something, prefixed with ``asker``."""
    asked = [s for s in (sentences(text) or [text.strip()]) if s.rstrip().endswith("?")]
    if not asked:
        return None
    return f"{asker}: {asked[-1]}" if asker else asked[-1]


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
