"""Turning a natural reply ("it was great, Dr. Mary was so gentle, but I waited 40 minutes")
into a structured review, by rules (the offline extractor).

Sentiment comes from a small lexicon with negation ("not friendly") and intensifiers ("so
gentle"), scored per clause, so one reply can yield both highlights and issues. A rating
counts only when the person states one ("4/5", "five stars", "8 out of 10").
"""

from __future__ import annotations

import re
from typing import Literal

from muninn_shared.whitespace import plain_whitespace
from pydantic import BaseModel, Field

Sentiment = Literal["positive", "negative", "neutral", "mixed"]
Intent = Literal["will_return", "avoid", "unsure", "conditional"]


class ReviewInsights(BaseModel):
    overall_sentiment: Sentiment
    emotional_tone: str = Field(description="excited, satisfied, neutral, mixed, disappointed, …")
    rating: float | None = Field(default=None, ge=1, le=5, description="Only when stated (1-5).")
    recommendation: bool | None = Field(default=None, description="Would they recommend it?")
    highlights: list[str] = Field(default_factory=list)
    issues: list[str] = Field(default_factory=list)
    specific_feedback: list[str] = Field(default_factory=list)
    future_intent: Intent = "unsure"
    key_quotes: list[str] = Field(default_factory=list)


POSITIVE = {
    "great", "good", "excellent", "amazing", "awesome", "fantastic", "wonderful", "lovely",
    "friendly", "kind", "gentle", "professional", "helpful", "clean", "quick", "fast",
    "efficient", "painless", "comfortable", "delicious", "tasty", "perfect", "best", "love",
    "loved", "enjoyed", "nice", "pleasant", "thorough", "attentive", "happy", "satisfied",
    "impressed", "superb", "brilliant", "punctual", "caring", "reasonable", "affordable",
    "worth", "fun", "relaxing", "calm", "welcoming", "fresh", "smooth", "easy", "knowledgeable",
    "patient", "polite", "beautiful", "recommend",
}  # fmt: skip
NEGATIVE = {
    "bad", "terrible", "awful", "horrible", "rude", "slow", "late", "dirty", "painful", "hurt",
    "hurts", "expensive", "overpriced", "bland", "disappointing", "disappointed", "worst",
    "hate", "hated", "unprofessional", "rushed", "waited", "waiting", "wait", "noisy",
    "crowded", "mediocre", "meh", "annoying", "annoyed", "frustrating", "poor", "wrong",
    "mistake", "forgot", "uncomfortable", "unfriendly", "dismissive", "pricey", "cold",
    "greasy", "stressful", "confusing", "careless", "sore", "ruined", "boring", "delayed",
}  # fmt: skip
STRONG = {"amazing", "fantastic", "love", "loved", "best", "superb", "brilliant", "perfect",
          "terrible", "awful", "horrible", "worst", "hate", "hated", "rude", "ruined"}  # fmt: skip
NEGATORS = {
    "not", "never", "no", "hardly", "barely", "without", "nothing", "wasnt", "isnt", "dont",
    "didnt", "wouldnt", "wont", "cant", "couldnt", "arent", "werent", "doesnt",
}  # fmt: skip
INTENSIFIERS = {"very", "really", "so", "super", "extremely", "incredibly", "truly", "quite"}

WORD = re.compile(r"[a-z']+")
SENTENCES = re.compile(
    r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bProf\.)(?<!\bSt\.)(?<=[.!?;\n])\s+"
)
# Tried from the first character of a whitespace run only ((?<!\s)): started anywhere inside
# a run, the pattern rescanned the rest of it from every position (quadratic in its length).
CONTRAST = re.compile(
    r",?(?<!\s)\s+\b(?:but|although|though|however|except|yet)\b\s+", re.IGNORECASE
)
RATING_OUT_OF = re.compile(r"(\d+(?:\.\d+)?)\s*(?:/|out\s+of)\s*(10|5)\b", re.IGNORECASE)
RATING_STARS = re.compile(
    r"\b(\d(?:\.\d)?|one|two|three|four|five)\s*(?:-\s*)?stars?\b", re.IGNORECASE
)
RATING_SAYS = re.compile(
    r"\b(?:rate|rating|give|giving)\s+(?:it|them|her|him)?\s*(?:a\s+)?(\d+(?:\.\d+)?)\b",
    re.IGNORECASE,
)
NEGATED_RECOMMEND = re.compile(
    r"\b(?:would\s*n[o']?t|wouldn't|won't|will\s+not|don't|do\s+not|can't|cannot|couldn't|"
    r"not|never|wouldnt|dont|cant)\s+(?:\w+\s+){0,2}recommend",
    re.IGNORECASE,
)
RECOMMEND = re.compile(r"\brecommend", re.IGNORECASE)
AVOID = re.compile(
    r"never\s+(?:going|go|coming)\s+back|never\s+again|won'?t\s+(?:be\s+)?(?:going\s+back|"
    r"go(?:ing)?\s+back|return|come\s+back)|not\s+(?:going|go)(?:ing)?\s+back|"
    r"find\s+(?:a\s+)?(?:new|another|different)|switch(?:ing)?\s+(?:to\s+)?(?:a\s+)?"
    r"(?:new|another|different)|last\s+time\s+i",
    re.IGNORECASE,
)
RETURN = re.compile(
    r"go(?:ing)?\s+back|\breturn\b|\bagain\b|next\s+time|book(?:ed|ing)?\s+(?:another|again|"
    r"my\s+next|a\s+follow)|follow-?up|will\s+be\s+back|come\s+back|see\s+(?:her|him|them)\s+again",
    re.IGNORECASE,
)
CONDITIONAL = re.compile(r"\b(?:if|unless|only\s+when|depends)\b", re.IGNORECASE)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def _score(clause: str) -> tuple[float, bool]:
    """Signed sentiment of a clause and whether it used strong words."""
    words = WORD.findall(clause.lower())
    score = 0.0
    strong = False
    for i, word in enumerate(words):
        polarity = 1 if word in POSITIVE else -1 if word in NEGATIVE else 0
        if polarity == 0:
            continue
        window = words[max(0, i - 3) : i]
        if any(w in NEGATORS or w.endswith("n't") for w in window):
            polarity = -polarity
        weight = 1.5 if i > 0 and words[i - 1] in INTENSIFIERS else 1.0
        strong = strong or word in STRONG
        score += polarity * weight
    return score, strong


def clauses(text: str) -> list[str]:
    found: list[str] = []
    for sentence in SENTENCES.split(text.strip()):
        for part in CONTRAST.split(sentence):
            part = part.strip(" ,;:-\n")
            if len(WORD.findall(part)) >= 2:
                found.append(part)
    return found


def stated_rating(text: str) -> float | None:
    match = RATING_OUT_OF.search(text)
    if match:
        value, scale = float(match.group(1)), int(match.group(2))
        return _clamp(value / 2 if scale == 10 else value)
    match = RATING_STARS.search(text)
    if match:
        word = match.group(1).lower()
        return _clamp(float(NUMBER_WORDS.get(word, 0) or word))
    match = RATING_SAYS.search(text)
    if match:
        value = float(match.group(1))
        return _clamp(value if value <= 5 else value / 2) if value <= 10 else None
    return None


def _clamp(value: float) -> float | None:
    if value <= 0:
        return None
    return round(min(5.0, max(1.0, value)), 1)


def _recommendation(text: str) -> bool | None:
    if NEGATED_RECOMMEND.search(text):
        return False
    if RECOMMEND.search(text):
        return True
    return None


def _intent(text: str) -> Intent:
    if AVOID.search(text):
        return "avoid"
    if RETURN.search(text):
        return "conditional" if CONDITIONAL.search(text) else "will_return"
    return "unsure"


def _short(clause: str) -> str:
    clause = clause.strip().rstrip(".!;")
    return clause if len(clause) <= 160 else clause[:157].rstrip() + "…"


def analyse_review(text: str) -> ReviewInsights:
    text = plain_whitespace(text)
    scored = [(clause, *_score(clause)) for clause in clauses(text)]
    positive = sum(score for _, score, _ in scored if score > 0)
    negative = -sum(score for _, score, _ in scored if score < 0)
    strong = any(s for _, score, s in scored if score != 0)
    rating = stated_rating(text)
    if positive and negative and min(positive, negative) / max(positive, negative) >= 0.4:
        sentiment: Sentiment = "mixed"
    elif positive > negative:
        sentiment = "positive"
    elif negative > positive:
        sentiment = "negative"
    elif rating is not None:
        sentiment = "positive" if rating >= 4 else "negative" if rating <= 2 else "neutral"
    else:
        sentiment = "neutral"
    tone = {
        "positive": "excited" if strong or "!" in text else "satisfied",
        "negative": "frustrated" if strong else "disappointed",
        "mixed": "mixed",
        "neutral": "neutral",
    }[sentiment]
    by_strength = sorted(scored, key=lambda item: -abs(item[1]))
    return ReviewInsights(
        overall_sentiment=sentiment,
        emotional_tone=tone,
        rating=rating,
        recommendation=_recommendation(text),
        highlights=[_short(c) for c, score, _ in scored if score > 0][:5],
        issues=[_short(c) for c, score, _ in scored if score < 0][:5],
        specific_feedback=[_short(c) for c, score, _ in scored if score != 0][:8],
        future_intent=_intent(text),
        key_quotes=[_short(c) for c, score, _ in by_strength if score != 0][:2],
    )


def inferred_rating(insights: ReviewInsights) -> float:
    """A rating for aggregation when none was stated, from the overall sentiment."""
    if insights.rating is not None:
        return insights.rating
    return {"positive": 4.0, "mixed": 3.0, "neutral": 3.0, "negative": 2.0}[
        insights.overall_sentiment
    ]


def summary(insights: ReviewInsights, provider: str | None) -> str:
    subject = f" with {provider}" if provider else ""
    text = f"{insights.overall_sentiment.capitalize()} experience{subject}"
    if insights.rating is not None:
        text += f" ({insights.rating:g}/5)"
    text += "."
    if insights.highlights:
        text += " Liked: " + "; ".join(insights.highlights[:3]) + "."
    if insights.issues:
        text += " Issues: " + "; ".join(insights.issues[:3]) + "."
    if insights.recommendation is not None:
        text += " Would recommend." if insights.recommendation else " Would not recommend."
    return text
