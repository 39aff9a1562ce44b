"""Cheap per-statement signals: sentiment, life context and importance."""

from __future__ import annotations

from muninn_memory.extraction.text import words
from muninn_memory.memories.models import Sentiment

POSITIVE = frozenset(
    [
        "love",
        "loved",
        "loving",
        "like",
        "liked",
        "enjoy",
        "enjoyed",
        "adore",
        "adored",
        "great",
        "good",
        "happy",
        "glad",
        "excited",
        "amazing",
        "awesome",
        "wonderful",
        "fantastic",
        "fun",
        "proud",
        "thrilled",
        "delighted",
        "best",
        "favorite",
        "favourite",
        "nice",
        "beautiful",
        "grateful",
        "thankful",
        "relaxed",
        "relaxing",
        "promoted",
        "passed",
        "won",
        "celebrate",
        "celebrated",
        "yay",
    ]
)
NEGATIVE = frozenset(
    [
        "hate",
        "hated",
        "dislike",
        "disliked",
        "awful",
        "terrible",
        "bad",
        "sad",
        "angry",
        "upset",
        "worried",
        "anxious",
        "stressed",
        "stressful",
        "tired",
        "sick",
        "ill",
        "hurt",
        "pain",
        "painful",
        "lost",
        "fired",
        "failed",
        "broke",
        "broken",
        "annoyed",
        "annoying",
        "frustrated",
        "frustrating",
        "scared",
        "afraid",
        "lonely",
        "depressed",
        "horrible",
        "worst",
        "disappointed",
        "allergic",
        "divorced",
        "died",
        "death",
        "funeral",
        "cancelled",
        "canceled",
    ]
)
NEGATORS = frozenset(
    {
        "not",
        "don't",
        "dont",
        "never",
        "no",
        "didn't",
        "doesn't",
        "can't",
        "cannot",
        "won't",
        "isn't",
        "wasn't",
    }
)

WORK = frozenset(
    [
        "work",
        "job",
        "boss",
        "manager",
        "colleague",
        "colleagues",
        "coworker",
        "coworkers",
        "office",
        "meeting",
        "meetings",
        "project",
        "client",
        "clients",
        "deadline",
        "promotion",
        "salary",
        "career",
        "company",
        "team",
        "interview",
        "hired",
        "employer",
        "startup",
        "conference",
        "presentation",
        "shift",
        "intern",
        "internship",
        "business",
    ]
)
FAMILY = frozenset(
    [
        "mom",
        "mother",
        "mum",
        "dad",
        "father",
        "wife",
        "husband",
        "son",
        "daughter",
        "kids",
        "kid",
        "children",
        "child",
        "sister",
        "brother",
        "family",
        "grandma",
        "grandmother",
        "grandpa",
        "grandfather",
        "aunt",
        "uncle",
        "cousin",
        "niece",
        "nephew",
        "parents",
        "baby",
        "fiance",
        "fiancee",
        "wedding",
        "partner",
    ]
)
HEALTH = frozenset(
    [
        "allergic",
        "allergy",
        "doctor",
        "dentist",
        "hospital",
        "surgery",
        "medication",
        "medicine",
        "diagnosis",
        "therapy",
        "therapist",
        "sick",
        "illness",
        "pregnant",
        "diabetes",
        "asthma",
        "injury",
    ]
)


def sentiment_of(text: str) -> Sentiment:
    tokens = words(text)
    score = 0
    for index, token in enumerate(tokens):
        polarity = 1 if token in POSITIVE else -1 if token in NEGATIVE else 0
        if polarity and any(t in NEGATORS for t in tokens[max(0, index - 3) : index]):
            polarity = -polarity
        score += polarity
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def context_of(text: str, default: str = "personal") -> str:
    tokens = set(words(text))
    work, family = len(tokens & WORK), len(tokens & FAMILY)
    if work > family:
        return "work"
    if family > work:
        return "family"
    return default


BASE_IMPORTANCE = {
    "personal_info": 7,
    "relationship": 7,
    "plan": 6,
    "goal": 6,
    "preference": 6,
    "task": 6,
    "experience": 5,
    "statement": 5,
}


def importance_of(category: str, text: str, *, slot: str | None = None) -> int:
    """1-10: identity and health facts matter most; small talk least."""
    score = BASE_IMPORTANCE.get(category, 4)
    tokens = set(words(text))
    if tokens & HEALTH:
        score += 2
    if slot in ("name", "residence", "employer", "occupation", "birthday") or (
        slot or ""
    ).startswith("relation:"):
        score += 1
    if tokens & {"important", "never", "always", "must", "urgent", "remember"}:
        score += 1
    return max(1, min(10, score))
