"""Plans and reviews from text: the LLM when one is configured, the offline rules otherwise."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from muninn_shared.money import currency_code
from pydantic import BaseModel, Field

from muninn_scheduler.language.days import Period, PeriodKind, month_end, month_label
from muninn_scheduler.language.expenses import (
    ExpenseDraft,
    SpendQuestion,
    parse_expense,
    parse_spend_question,
)
from muninn_scheduler.language.lists import (
    MAX_ITEMS,
    ItemDraft,
    ListAction,
    ListCommand,
    list_name,
    parse_list_command,
)
from muninn_scheduler.language.llm import ChatExtractor
from muninn_scheduler.language.money import Money
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


RECORDS_PROMPT = """You find spending and shopping-list requests in one chat message from a
person to their assistant. Answer with one JSON object:
{"intent": "expense" | "spend_question" | "list_add" | "list_show" | "list_show_all" |
   "list_check" | "list_remove" | "list_clear" | "none",
 "amount": the amount spent as a decimal string ("45.00") or null,
 "currency": ISO 4217 code of the amount if the message says or shows it ("EUR" for euros or
   €), else null,
 "description": what the money went on, short ("Groceries at Lidl") or null,
 "merchant": shop or business or null,
 "date": "YYYY-MM-DD" local day the money was spent, or null for today,
 "period_start", "period_end": "YYYY-MM-DD" first and last day a spend_question asks about,
 "topic": category or shop a spend_question is about ("eating out", "Lidl") or null,
 "list": the list's name if one other than the shopping/grocery list is named, else null,
 "items": [{"name": "eggs", "quantity": 24, "unit": "kg" | "l" | "pack" | … | null}],
 "everything": true when they ticked off everything on the list,
 "completed_only": false only when they ask to clear the whole list}
"expense": they say they spent or paid money (in the past, themselves). "spend_question": they
ask how much they spent. "list_add": add items to a list; "list_show": what is on a list;
"list_show_all": which lists they have; "list_check": they got or bought items on their list;
"list_remove": take items off a list; "list_clear": clear ticked-off items or the list.
Time spent, prices of things not bought by them, plans, wishes and other questions: "none".
Resolve relative dates against "today"."""

RECORDS_HINT = re.compile(
    r"\d|\b(?:spen[dt]|spending|paid|pay|cost|expenses?|how\s+much|bought|got|list|out\s+of|"
    r"tick|cross|buy|shopping|groceries|"
    r"euros?|dollars?|pounds?|quid|bucks)\b|[$€£¥₹]",
    re.IGNORECASE,
)

RecordsRequest = ExpenseDraft | SpendQuestion | ListCommand


class LLMItem(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    quantity: Decimal | None = Field(default=None, gt=0, le=10000)
    unit: str | None = Field(default=None, max_length=20)


class LLMRecords(BaseModel):
    intent: Literal[
        "expense",
        "spend_question",
        "list_add",
        "list_show",
        "list_show_all",
        "list_check",
        "list_remove",
        "list_clear",
        "none",
    ]
    amount: str | float | int | None = None
    currency: str | None = Field(default=None, max_length=12)
    description: str | None = Field(default=None, max_length=500)
    merchant: str | None = Field(default=None, max_length=200)
    day: date | None = Field(default=None, alias="date")
    period_start: date | None = None
    period_end: date | None = None
    topic: str | None = Field(default=None, max_length=100)
    named_list: str | None = Field(default=None, max_length=80, alias="list")
    items: list[LLMItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    everything: bool = False
    completed_only: bool = True

    def to_request(self, today: date) -> RecordsRequest | None:
        if self.intent == "expense":
            return self._expense(today)
        if self.intent == "spend_question":
            return self._question(today)
        if self.intent == "none":
            return None
        action = ListAction(self.intent.removeprefix("list_"))
        items = tuple(
            ItemDraft(i.name.strip(), i.quantity or Decimal(1), i.unit) for i in self.items
        )
        if action in (ListAction.ADD, ListAction.REMOVE) and not items:
            return None
        if action is ListAction.CHECK and not (items or self.everything):
            return None
        return ListCommand(
            action,
            list_name(self.named_list),
            items,
            everything=self.everything,
            completed_only=self.completed_only,
        )

    def _expense(self, today: date) -> ExpenseDraft | None:
        try:
            amount = Decimal(str(self.amount)) if self.amount is not None else None
        except InvalidOperation:
            return None
        if amount is None or not amount.is_finite() or amount <= 0:
            return None
        money: Money | None = None
        if self.currency:
            try:
                money = Money(amount, currency_code(self.currency), (0, 0))
            except ValueError:
                money = Money(amount, None, (0, 0), ("?",))  # unknown: ask
        day = self.day if self.day is not None and self.day <= today else today
        return ExpenseDraft(
            amount=amount,
            money=money,
            description=(self.description or "Expense").strip()[:200] or "Expense",
            merchant=self.merchant.strip()[:200] if self.merchant else None,
            day=day,
        )

    def _question(self, today: date) -> SpendQuestion:
        start = self.period_start or today.replace(day=1)
        end = self.period_end or today
        if end < start:
            start, end = end, start
        if start.day == 1 and end == month_end(start):
            period = Period(PeriodKind.MONTH, start, end, f"in {month_label(start)}")
        elif start.weekday() == 0 and (end - start).days == 6:
            period = Period(PeriodKind.WEEK, start, end, f"the week of {start.strftime('%d %b')}")
        elif start == end:
            period = Period(PeriodKind.DAY, start, end, f"on {start.strftime('%a %d %b %Y')}")
        else:
            label = f"from {start.strftime('%d %b %Y')} to {end.strftime('%d %b %Y')}"
            period = Period(PeriodKind.DAYS, start, end, label)
        return SpendQuestion(period=period, topic=(self.topic or "").strip() or None)


def records_by_rules(text: str, today: date) -> RecordsRequest | None:
    """Money spent first ("I bought a coffee for 3.50€" is an expense, not a list tick),
    then a spending question, then a list request."""
    return (
        parse_expense(text, today) or parse_spend_question(text, today) or parse_list_command(text)
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

    async def records(
        self, text: str, now_local: datetime, timezone: str
    ) -> tuple[RecordsRequest | None, str]:
        """An expense, a spending question or a list request in ``text``, if any."""
        today = now_local.date()
        if self._llm is not None and RECORDS_HINT.search(text[:2000]):
            question = json.dumps(
                {"today": now_local.strftime("%A %Y-%m-%d"), "timezone": timezone, "message": text}
            )
            answer = await self._llm.extract(LLMRecords, RECORDS_PROMPT, question)
            if answer is not None:
                return answer.to_request(today), "llm"
        return records_by_rules(text, today), "rules"

    async def review(self, text: str, about: str) -> tuple[ReviewInsights, str]:
        if self._llm is not None:
            question = json.dumps({"experience": about, "reply": text})
            answer = await self._llm.extract(
                ReviewInsights, REVIEW_PROMPT, question, feature="scheduler_reviews"
            )
            if answer is not None:
                return answer, "llm"
        return analyse_review(text), "rules"
