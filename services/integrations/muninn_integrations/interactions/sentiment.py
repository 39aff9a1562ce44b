"""Offline sentiment of a short text in -1..1, from a small lexicon (no model, no network).

Each known word counts +1 or -1; an intensifier just before it ("very", "really") scales it,
and a negation among the three words before it ("not", "never", "n't") flips it. The sum is
squashed by the number of scored words so one warm word in a long neutral mail stays mild,
and a text with no scored word is neutral (0).
"""

from __future__ import annotations

import math
import re

POSITIVE = frozenset(
    [
        "accept",
        "accepted",
        "agree",
        "agreed",
        "amazing",
        "appreciate",
        "appreciated",
        "awesome",
        "beautiful",
        "best",
        "brilliant",
        "celebrate",
        "celebrated",
        "congrats",
        "congratulations",
        "delight",
        "delighted",
        "enjoy",
        "enjoyed",
        "excellent",
        "excited",
        "exciting",
        "fantastic",
        "fun",
        "glad",
        "good",
        "grateful",
        "great",
        "happy",
        "helpful",
        "hope",
        "impressed",
        "impressive",
        "kind",
        "liked",
        "love",
        "loved",
        "lovely",
        "nice",
        "perfect",
        "pleased",
        "pleasure",
        "promising",
        "proud",
        "recommend",
        "glad",
        "smooth",
        "success",
        "successful",
        "super",
        "thank",
        "thanks",
        "thankful",
        "thrilled",
        "welcome",
        "win",
        "wonderful",
        "yes",
    ]
)
NEGATIVE = frozenset(
    [
        "angry",
        "annoyed",
        "annoying",
        "awful",
        "bad",
        "blame",
        "blocked",
        "broken",
        "cancel",
        "cancelled",
        "complain",
        "complaint",
        "concern",
        "concerned",
        "confused",
        "delay",
        "delayed",
        "disappointed",
        "disappointing",
        "dislike",
        "fail",
        "failed",
        "failure",
        "frustrated",
        "frustrating",
        "hate",
        "hated",
        "horrible",
        "hurt",
        "issue",
        "late",
        "lost",
        "mad",
        "mistake",
        "miss",
        "missed",
        "overdue",
        "painful",
        "poor",
        "problem",
        "regret",
        "reject",
        "rejected",
        "sad",
        "sorry",
        "stress",
        "stressed",
        "terrible",
        "unfortunately",
        "unhappy",
        "upset",
        "urgent",
        "worried",
        "worry",
        "worse",
        "worst",
        "wrong",
    ]
)
NEGATIONS = frozenset(
    ["not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "hardly"]
)
INTENSIFIERS = {
    "very": 1.5,
    "really": 1.5,
    "so": 1.3,
    "extremely": 2.0,
    "super": 1.5,
    "incredibly": 1.8,
    "truly": 1.4,
    "totally": 1.4,
    "absolutely": 1.6,
    "quite": 1.2,
    "slightly": 0.5,
    "somewhat": 0.6,
}
NEGATION_REACH = 3
MAX_WORDS = 2_000
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def _words(text: str) -> list[str]:
    words: list[str] = []
    for word in _WORD.findall(text.lower())[:MAX_WORDS]:
        if word.endswith("n't"):
            words.extend([word[:-3], "not"])
        else:
            words.append(word)
    return words


def score(text: str | None) -> float:
    """The text's sentiment in -1..1; 0 when nothing in it is positive or negative."""
    if not text:
        return 0.0
    words = _words(text)
    total = 0.0
    scored = 0
    for index, word in enumerate(words):
        if word in POSITIVE:
            value = 1.0
        elif word in NEGATIVE:
            value = -1.0
        else:
            continue
        previous = words[index - 1] if index else ""
        value *= INTENSIFIERS.get(previous, 1.0)
        window = words[max(0, index - NEGATION_REACH) : index]
        if any(w in NEGATIONS for w in window):
            value = -value
        total += value
        scored += 1
    if scored == 0:
        return 0.0
    # total / sqrt(n + 1) grows with agreement but stays bounded; tanh keeps it in -1..1.
    return round(max(-1.0, min(1.0, math.tanh(total / math.sqrt(scored + 1)))), 4)
