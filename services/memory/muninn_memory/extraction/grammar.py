"""Rewriting a first-person sentence about its speaker: "I moved to Lisbon" → "User moved to Lisbon".

A memory is read later, out of its conversation, often next to other people's: it has to say
whose fact it is.
"""

from __future__ import annotations

import re

ADVERBS = frozenset(
    [
        "just",
        "also",
        "always",
        "never",
        "often",
        "usually",
        "still",
        "really",
        "actually",
        "recently",
        "finally",
        "sometimes",
        "now",
        "currently",
        "already",
        "even",
        "totally",
        "absolutely",
        "definitely",
        "mostly",
        "only",
        "rarely",
        "seldom",
        "occasionally",
        "truly",
        "literally",
        "generally",
        "normally",
        "mainly",
        "personally",
        "honestly",
        "seriously",
        "basically",
    ]
)
UNCHANGED = frozenset(
    [
        "can",
        "could",
        "would",
        "should",
        "might",
        "must",
        "may",
        "shall",
        "will",
        "did",
        "had",
        "was",
        "were",
        "used",
        "went",
        "got",
        "saw",
        "ate",
        "bought",
        "took",
        "made",
        "met",
        "ran",
        "found",
        "left",
        "felt",
        "began",
        "came",
        "knew",
        "thought",
        "told",
        "said",
        "gave",
        "wrote",
        "became",
        "built",
        "brought",
        "caught",
        "chose",
        "drove",
        "fell",
        "flew",
        "forgot",
        "grew",
        "heard",
        "held",
        "kept",
        "lost",
        "paid",
        "put",
        "sent",
        "sold",
        "spent",
        "stood",
        "swam",
        "taught",
        "understood",
        "won",
        "wore",
        "broke",
        "slept",
        "spoke",
        "sang",
        "drank",
        "drew",
        "forgave",
        "hid",
        "hit",
        "hurt",
        "led",
        "lent",
        "let",
        "lit",
        "meant",
        "quit",
        "rode",
        "rose",
        "sat",
        "shot",
        "shut",
        "sold",
        "stole",
        "struck",
        "swore",
        "threw",
        "woke",
        "cannot",
        "can't",
        "couldn't",
        "wouldn't",
        "shouldn't",
        "won't",
        "didn't",
        "wasn't",
        "weren't",
        "hadn't",
        "mightn't",
    ]
)
IRREGULAR = {"have": "has", "do": "does", "go": "goes", "be": "is", "am": "is"}

_FIXED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bI'm not\b|\bI am not\b"), "{s} is not"),
    (re.compile(r"\bI'm\b|\bI am\b"), "{s} is"),
    (re.compile(r"\bI've\b|\bI have\b"), "{s} has"),
    (re.compile(r"\bI'll\b"), "{s} will"),
    (re.compile(r"\bI'd\b"), "{s} would"),
    (re.compile(r"\bI don't\b|\bI do not\b"), "{s} doesn't"),
    (re.compile(r"\bI haven't\b"), "{s} hasn't"),
    (re.compile(r"\bI do\b"), "{s} does"),
]
_I_VERB = re.compile(
    r"\bI((?:\s+(?:no longer|" + "|".join(sorted(ADVERBS)) + r"))*)\s+([A-Za-z']+)"
)
_POSSESSIVE = re.compile(r"\b[Mm]y\b|\b[Mm]ine\b")
_OBJECT = re.compile(r"\b[Mm]e\b")
_REFLEXIVE = re.compile(r"\b[Mm]yself\b")


def third_person_verb(verb: str) -> str:
    lower = verb.lower()
    if lower in UNCHANGED or lower.endswith(("ed", "n't")):
        return verb
    if lower in IRREGULAR:
        return IRREGULAR[lower]
    if lower.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if len(lower) > 1 and lower.endswith("y") and lower[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def about(sentence: str, subject: str) -> str:
    """``sentence`` with the speaker's first person replaced by ``subject``."""
    text = sentence
    for pattern, replacement in _FIXED:
        text = pattern.sub(replacement.format(s=subject), text)

    def conjugate(match: re.Match[str]) -> str:
        return f"{subject}{match.group(1)} {third_person_verb(match.group(2))}"

    text = _I_VERB.sub(conjugate, text)
    text = re.sub(r"\bI\b", subject, text)
    text = _POSSESSIVE.sub(f"{subject}'s", text)
    text = _REFLEXIVE.sub("themselves", text)
    text = _OBJECT.sub(subject, text)
    return text


_DISCOURSE = re.compile(
    r"^(?:(?:oh|ah|well|so|also|and|but|anyway|anyways|btw|by the way|hey|hi|yeah|yes|yep|no|nope|"
    r"haha|lol|hmm|ok|okay|um|uh|fun fact|guess what|just so you know|fyi|actually|in fact|"
    r"correction|no wait|wait|sorry|oops|to be clear|update)\b[,:!.\s-]*)+",
    re.I,
)
_CORRECTION = re.compile(
    r"^(?:actually|correction|in fact|no wait|wait|sorry|oops|to be clear|update)\b|\b(?:anymore|any more|no longer|not anymore|now)\b|\bI meant\b",
    re.I,
)


def strip_discourse(sentence: str) -> tuple[str, bool]:
    """Drop leading fillers ("Oh, actually, …"); True if they signalled a correction."""
    correction = bool(_CORRECTION.search(sentence))
    stripped = _DISCOURSE.sub("", sentence).strip()
    if not stripped:
        return sentence.strip(), correction
    return stripped[0].upper() + stripped[1:], correction


def as_statement(text: str) -> str:
    text = text.strip().rstrip(",;:- ")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
