"""Small text tools of the offline responder: intents, keywords, quoting, point of view."""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum

_WORD = re.compile("[a-z0-9][a-z0-9'\u2019-]*")
_STOPWORD_TEXT = """a about above after again all am an and any are as at be because been before being below between both but by
    can could did do does doing down during each few for from further had has have having he her here hers herself him
    himself his how i i'm if in into is it it's its itself just me more most my myself no nor not now of off on once
    only or other our ours out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself tell told know remember said say mention mentioned please thanks thank"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class Intent(StrEnum):
    EMPTY = "empty"
    GREETING = "greeting"
    SMALL_TALK = "small_talk"
    MEMORY_QUESTION = "memory_question"
    USER_NAME = "user_name"
    IDENTITY = "identity"
    HELP = "help"
    THANKS = "thanks"
    FAREWELL = "farewell"
    QUESTION = "question"
    STATEMENT = "statement"


# Checked in order: the first match wins, so the specific questions come before generic ones.
_PATTERNS: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.USER_NAME, re.compile(r"\b(what(?:'s| is) my name|who am i|do you know my name)\b")),
    (
        Intent.MEMORY_QUESTION,
        re.compile(
            r"\b(what (?:do|did|can) you (?:remember|know|recall)|do you (?:remember|recall)|"
            r"what have i (?:told|said|shared|mentioned)|what did i (?:tell|say|mention|share)|"
            r"what do you know about me|remind me (?:what|about|of)|did i (?:tell|mention))\b"
        ),
    ),
    (
        Intent.IDENTITY,
        re.compile(
            r"\b(who are you|what(?:'s| is) your name|what are you|are you (?:a |an )?(?:bot|ai|human|real|robot|person))\b"
        ),
    ),
    (
        Intent.HELP,
        re.compile(r"^(help\b|what can you do\b|how (?:do|can) i use you\b)|\bwhat can you do\b"),
    ),
    (Intent.THANKS, re.compile(r"^(thanks|thank you|thx|ty|cheers|much appreciated)\b")),
    (
        Intent.FAREWELL,
        re.compile(r"^(bye|goodbye|good night|see you|see ya|cya|talk (?:to you )?later)\b"),
    ),
    (
        Intent.SMALL_TALK,
        re.compile(r"\b(how are you|how(?:'s| is) it going|how have you been|how are things)\b"),
    ),
]
_GREETING = re.compile(
    r"^(hi|hello|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day))\b[\s,!.]*(there\b)?"
)
_QUESTION_START = re.compile(
    r"^(what|when|where|who|whom|whose|why|how|which|can|could|would|should|shall|is|are|am|do|does|did|will|have|has)\b"
)


def normalise(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


def classify(text: str, assistant_name: str = "") -> Intent:
    plain = normalise(text)
    if not plain:
        return Intent.EMPTY
    for intent, pattern in _PATTERNS:
        if pattern.search(plain):
            return intent
    greeting = _GREETING.match(plain)
    if greeting:
        rest = plain[greeting.end() :].strip(" ,!.")
        rest_words = [w for w in rest.split() if w != normalise(assistant_name)]
        if len(rest_words) <= 2:
            return Intent.GREETING
        return classify(rest, assistant_name)
    if plain.endswith("?") or _QUESTION_START.match(plain):
        return Intent.QUESTION
    return Intent.STATEMENT


def keywords(text: str) -> set[str]:
    words = _WORD.findall(normalise(text))
    return {_stem(w) for w in words if len(w) > 2 and w not in STOPWORDS}


def _stem(word: str) -> str:
    # Just enough folding for "appointment"/"appointments" or "dentist's" to meet.
    word = word.removesuffix("'s").removesuffix("\u2019s")
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def quote(text: str, limit: int) -> str:
    """The text on one line, cut at a word boundary when longer than ``limit``."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
        flat = cut + "…"
    return f"“{flat}”"


_POINT_OF_VIEW: list[tuple[re.Pattern[str], str]] = [
    (re.compile("\\bI['\u2019]m\\b"), "you're"),
    (re.compile(r"\bI am\b"), "you are"),
    (re.compile(r"\bI was\b"), "you were"),
    (re.compile("\\bI['\u2019]ve\\b"), "you've"),
    (re.compile("\\bI['\u2019]ll\\b"), "you'll"),
    (re.compile("\\bI['\u2019]d\\b"), "you'd"),
    (re.compile(r"\bI\b"), "you"),
    (re.compile(r"\bmyself\b", re.IGNORECASE), "yourself"),
    (re.compile(r"\bmine\b", re.IGNORECASE), "yours"),
    (re.compile(r"\bmy\b", re.IGNORECASE), "your"),
    (re.compile(r"\bme\b", re.IGNORECASE), "you"),
    (re.compile("^(?:the )?user['\u2019]s\\b", re.IGNORECASE), "your"),
]


def as_told(memory: str) -> str:
    """A memory as the assistant says it back: "I have a dog" → "you have a dog"."""
    text = " ".join(memory.split()).rstrip(".!")
    for pattern, replacement in _POINT_OF_VIEW:
        text = pattern.sub(replacement, text)
    return text


def pick(options: list[str], seed: str) -> str:
    """A stable choice (unlike hash(), sha256 does not change between processes)."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return options[digest[0] % len(options)]
