"""Behaviour patterns a language model finds in the user's memories, each citing them.

The model gets the memories (id, date, type, context, text) and answers JSON; a pattern is
kept only when it cites at least ``MIN_CITED`` of the memories it was given — an id it made
up counts for nothing — and its confidence never exceeds what that many citations support.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from muninn_scheduler.language.llm import ChatExtractor
from muninn_scheduler.patterns.learner import Draft
from muninn_scheduler.patterns.memories import RememberedFact

FEATURE = "patterns"
BEHAVIOUR_PREFIX = "behaviour:"
MIN_CITED = 2
MAX_PATTERNS = 8
QUOTE = 200

PROMPT = """You find behavioural patterns of one person in their memories, for their personal
assistant. You get their memories, each with an id. Answer one JSON object:
{"patterns": [{"pattern_type": "stress_response" | "communication_style" | "decision_making" |
"habit" | "social" | "health" | "work_style" | another short snake_case type,
"name": short title, "description": one or two sentences in the second person ("You …"),
"triggers": [...], "indicators": [...], "outcomes": [...], "contexts": ["work"|"personal"|"family"],
"recommendations": [...], "preventative_actions": [...], "confidence": 0..1,
"evidence": [ids of the memories that show it]}]}
Only patterns at least two memories show; cite them by id. Never invent a memory or an id.
At most 8 patterns; none is a valid answer."""

_SLUG = re.compile(r"[^a-z0-9]+")


class LLMPattern(BaseModel):
    pattern_type: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=1000)
    triggers: list[str] = Field(default_factory=list, max_length=10)
    indicators: list[str] = Field(default_factory=list, max_length=10)
    outcomes: list[str] = Field(default_factory=list, max_length=10)
    contexts: list[str] = Field(default_factory=list, max_length=5)
    recommendations: list[str] = Field(default_factory=list, max_length=10)
    preventative_actions: list[str] = Field(default_factory=list, max_length=10)
    confidence: float = Field(default=0.5, ge=0, le=1)
    evidence: list[str] = Field(default_factory=list, max_length=50)


class LLMPatterns(BaseModel):
    patterns: list[LLMPattern] = Field(default_factory=list, max_length=20)


def slug(text: str) -> str:
    return _SLUG.sub("_", text.lower()).strip("_")[:60] or "pattern"


def _short(values: Sequence[str]) -> list[str]:
    return [v.strip()[:200] for v in values if v.strip()]


def drafts_from(answer: LLMPatterns, memories: Sequence[RememberedFact]) -> list[Draft]:
    """The patterns of ``answer`` that cite enough of ``memories``, as drafts."""
    known = {m.id: m for m in memories}
    drafts: list[Draft] = []
    for found in answer.patterns:
        cited = list(dict.fromkeys(i for i in found.evidence if i in known))
        if len(cited) < MIN_CITED:
            continue
        supported = len(cited) / (len(cited) + 2)
        drafts.append(
            Draft(
                key=BEHAVIOUR_PREFIX + slug(found.pattern_type + "_" + found.name),
                pattern_type=slug(found.pattern_type),
                name=found.name.strip(),
                description=found.description.strip(),
                confidence=round(min(found.confidence, supported), 3),
                evidence_count=len(cited),
                evidence={
                    "memory_ids": cited,
                    "memories": [
                        {
                            "id": known[i].id,
                            "content": known[i].content[:QUOTE],
                            "occurred_at": known[i].occurred_at.isoformat(),
                        }
                        for i in cited
                    ],
                },
                triggers=_short(found.triggers),
                indicators=_short(found.indicators),
                outcomes=_short(found.outcomes),
                contexts=_short(found.contexts),
                recommendations=_short(found.recommendations),
                preventative_actions=_short(found.preventative_actions),
            )
        )
    return drafts[:MAX_PATTERNS]


async def behaviour_patterns(
    llm: ChatExtractor, memories: Sequence[RememberedFact]
) -> list[Draft] | None:
    """Patterns the model finds in ``memories``; None when it gave no usable answer."""
    question = json.dumps(
        {
            "memories": [
                {
                    "id": m.id,
                    "date": m.occurred_at.date().isoformat(),
                    "type": m.type,
                    "context": m.context,
                    "text": m.content[:500],
                }
                for m in memories
            ]
        },
        ensure_ascii=False,
    )
    answer = await llm.extract(LLMPatterns, PROMPT, question, feature=FEATURE)
    return drafts_from(answer, memories) if answer is not None else None
