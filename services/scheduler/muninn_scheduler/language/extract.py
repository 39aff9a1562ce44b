"""Plans and reviews from text: the LLM when one is configured, the offline rules otherwise."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from muninn_scheduler.language.llm import ChatExtractor
from muninn_scheduler.language.plans import Plan, PlanKind, parse_plan
from muninn_scheduler.language.reviews import ReviewInsights, analyse_review

PLAN_PROMPT = """You find plans in one chat message from a person to their assistant.
Answer with one JSON object:
{"intent": "reminder" | "appointment" | "none",
 "title": short title of what to do or attend, without the date/time ("Call mom"),
 "local_datetime": "YYYY-MM-DDTHH:MM" in the person's local time, or null,
 "has_time": true if a clock time was given,
 "experience_type": snake_case kind for appointments ("dentist_appointment", "restaurant"),
 "provider": person or business providing it ("Dr. Mary") or null,
 "location": place or null,
 "duration_minutes": integer or null}
"reminder": they ask to be reminded of something. "appointment": they mention a future
appointment, booking or outing. Anything else, questions, or past events: "none".
Resolve relative dates against "now" (local time, with weekday)."""

REVIEW_PROMPT = """The person was asked how an experience went and replied. Extract a review as
one JSON object:
{"overall_sentiment": "positive" | "negative" | "neutral" | "mixed",
 "emotional_tone": one word (excited, satisfied, neutral, mixed, disappointed, frustrated),
 "rating": 1-5 only if they stated a rating (convert x/10 to x/2), else null,
 "recommendation": true/false only if they said whether they would recommend it, else null,
 "highlights": [what they liked], "issues": [what they disliked],
 "specific_feedback": [concrete remarks], "future_intent": "will_return" | "avoid" |
 "unsure" | "conditional", "key_quotes": [up to two short verbatim quotes]}"""


class LLMPlan(BaseModel):
    intent: Literal["reminder", "appointment", "none"]
    title: str | None = Field(default=None, max_length=200)
    local_datetime: datetime | None = None
    has_time: bool = True
    experience_type: str | None = Field(default=None, max_length=40)
    provider: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    duration_minutes: int | None = Field(default=None, ge=5, le=24 * 60)

    def to_plan(self, now_local: datetime) -> Plan | None:
        if self.intent == "none" or not self.title or self.local_datetime is None:
            return None
        local = self.local_datetime.replace(tzinfo=None, second=0, microsecond=0)
        if local <= now_local:
            return None
        kind = PlanKind.REMINDER if self.intent == "reminder" else PlanKind.APPOINTMENT
        return Plan(
            kind=kind,
            title=self.title.strip()[:200],
            local=local,
            has_time=self.has_time,
            experience_type=(self.experience_type or "appointment").strip().lower()[:40],
            provider=self.provider,
            location=self.location,
            duration_minutes=self.duration_minutes or 60,
        )


class Understanding:
    """The scheduler's reading of text; ``source`` says which extractor answered."""

    def __init__(self, llm: ChatExtractor | None = None) -> None:
        self._llm = llm

    async def plan(self, text: str, now_local: datetime, timezone: str) -> tuple[Plan | None, str]:
        if self._llm is not None:
            question = json.dumps(
                {
                    "now": now_local.strftime("%A %Y-%m-%dT%H:%M"),
                    "timezone": timezone,
                    "message": text,
                }
            )
            answer = await self._llm.extract(
                LLMPlan, PLAN_PROMPT, question, feature="scheduler_plans"
            )
            if answer is not None:
                return answer.to_plan(now_local), "llm"
        return parse_plan(text, now_local), "rules"

    async def review(self, text: str, about: str) -> tuple[ReviewInsights, str]:
        if self._llm is not None:
            question = json.dumps({"experience": about, "reply": text})
            answer = await self._llm.extract(
                ReviewInsights, REVIEW_PROMPT, question, feature="scheduler_reviews"
            )
            if answer is not None:
                return answer, "llm"
        return analyse_review(text), "rules"
