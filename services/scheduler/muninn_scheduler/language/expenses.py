"""Recognising money spent, and questions about it, by rules (the offline extractor).

An expense is a first-person statement, in the past, of money spent: "I spent 45 euros on
groceries at Lidl today", "paid $30 for the taxi yesterday", "I bought a coffee for 3.50€",
"lunch cost me 12 euros", "spent 12 on lunch" (a bare number: the user's currency). Left
alone: questions ("the tickets cost 45 euros last year?"), time rather than money ("I spent
3 hours on it"), plans and wishes ("I'll spend 100 on shoes", "I want to pay 20"), denials
("I didn't spend 50 euros"), and other people's spending ("Ana spent 30 euros").

A spending question asks for a total over a period: "how much did I spend on eating out in
November?", "what did I spend last week?", "show my expenses this month".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from muninn_shared.whitespace import plain_whitespace

from muninn_scheduler.language.days import Period, month_of, period_in, spent_on
from muninn_scheduler.language.money import Money, find_money
from muninn_scheduler.language.numbers import DIGITS, digits_value
from muninn_scheduler.language.when import cut

MAX_TEXT = 500

_LEAD = (
    r"^(?:(?:so|well|oh|ok(?:ay)?|also|btw|and|today|yesterday|just\s+so\s+you\s+know)[,!]?\s+)*"
)
SPENT = re.compile(
    _LEAD + r"(?:(?:i|we)(?:'ve|\s+have|\s+had)?\s+)?(?:just\s+|also\s+|already\s+|finally\s+)?"
    r"(?:spent|paid|bought|dropped|shelled\s+out|forked\s+out|had\s+to\s+pay|got\s+charged)\b",
    re.IGNORECASE,
)
COST_ME = re.compile(r"\b(?:cost|costs)\s+(?:me|us)\b|\bset\s+(?:me|us)\s+back\b", re.IGNORECASE)
LOGGED = re.compile(
    r"^(?:please\s+)?(?:(?:log|record|add|note|track)\s+(?:an?\s+)?expense|expense)\b\s*(?:of\s+)?[:,-]?",
    re.IGNORECASE,
)
NOT_SPENDING = re.compile(
    r"\b(?:not|never|didn'?t|did\s+not|don'?t|won'?t|wouldn'?t|haven'?t|hasn'?t|if|would|"
    r"will|i'?ll|going\s+to|gonna|should|might|could|want\s+to|plan\s+to|need\s+to|"
    r"have\s+to|has\s+to|hope)\b",
    re.IGNORECASE,
)
QUESTION_START = re.compile(
    r"^(?:how|what|when|where|why|who|which|did|do|does|should|can|could|would|is|are|was)\b",
    re.IGNORECASE,
)
# A number followed by one of these is not money: "3 hours", "10 minutes", "5 km".
NOT_MONEY_UNITS = (
    r"(?:percent|per\s*cent|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|"
    r"years?|times?|km|kms|kilomet(?:er|re)s?|miles?|m\b|kg|kilos?|g\b|grams?|lbs?|pages?|"
    r"people|persons?|items?|pieces?|points?|steps?|calories|kcal|tries|attempts)"
)
BARE = re.compile(
    rf"(?<![\w.,$€£¥])({DIGITS})(?![\d.,]|\s*%|\s*(?:{NOT_MONEY_UNITS})\b|\s*[:/])",
    re.IGNORECASE,
)
MERCHANT = re.compile(
    r"\b(?:at|from|in)\s+((?:the\s+)?[A-Z][\w'\u2019&.-]*(?:\s+(?:[A-Z][\w'\u2019&.-]*|de|do|da|and|&))*)"
)
AMOUNT_LEAD = re.compile(
    r"\b(?:for|of|about|around|roughly|approximately|almost|nearly|over)\s+$", re.IGNORECASE
)
LINK_WORDS = re.compile(r"^(?:on|for|at|in|to|the|a|an|some|my|our|of)\s+", re.IGNORECASE)
TRAILING = re.compile(r"(?:\s+(?:for|on|at|in|and|with|of|to))+$", re.IGNORECASE)
COURTESY = re.compile(r"(?:[\s,]+(?:please|pls|thanks|thank\s+you))+$", re.IGNORECASE)

SPEND_QUESTION = re.compile(
    r"^(?:(?:hey|so|ok(?:ay)?|and)[,]?\s+)*(?:(?:can|could)\s+you\s+)?(?:please\s+)?"
    r"(?:how\s+much\s+(?:money\s+)?(?:did|have|had|do)\s+(?:i|we)\s+(?:spen[dt]|paid|pay)"
    r"|how\s+much\s+(?:money\s+)?(?:went|has\s+gone|have\s+i\s+put)\s+(?:on|to|into)"
    r"|what\s+(?:did|have)\s+(?:i|we)\s+spen[dt]"
    r"|what(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:my|our)\s+(?:total\s+)?(?:spending|expenses|spend)"
    r"|(?:show|give|tell|list)\s+(?:me\s+)?(?:my|our)\s+(?:total\s+)?(?:spending|expenses|spend)"
    r"|(?:show|give|tell)\s+me\s+what\s+(?:i|we)\s+spent"
    r"|total\s+(?:spending|expenses|spend|spent))\b",
    re.IGNORECASE,
)
TOPIC = re.compile(
    r"^\s*(?:on|for|at|in)\s+((?:the\s+)?[\w'\u2019& -]+?)\s*(?:so\s+far\s*)?$", re.IGNORECASE
)


@dataclass(frozen=True)
class ExpenseDraft:
    """An expense read from a message, before the user's defaults and categories apply."""

    amount: Decimal
    money: Money | None
    """What was written; None for a bare number (then the user's currency)."""
    description: str
    merchant: str | None
    day: date

    def currency(self, default: str | None) -> str | None:
        """The currency it is in, with the user's ``default``; None: ask which."""
        return default if self.money is None else self.money.resolve(default)


@dataclass(frozen=True)
class SpendQuestion:
    period: Period
    topic: str | None
    """What the spending was on or where ("eating out", "Lidl"); None: everything."""


def _clean(text: str) -> str | None:
    stripped = plain_whitespace(text).strip()
    if not stripped or len(stripped) > MAX_TEXT:
        return None
    return stripped


def _is_question(text: str) -> bool:
    return text.rstrip(" .!").endswith("?") or bool(QUESTION_START.match(text))


def parse_expense(text: str, today: date) -> ExpenseDraft | None:
    """The expense a message states, read against the person's local ``today``; None if none."""
    stripped = _clean(text)
    if stripped is None or _is_question(stripped):
        return None
    logged = LOGGED.match(stripped)
    spent = SPENT.match(stripped)
    cost_me = COST_ME.search(stripped)
    if not (logged or spent or cost_me):
        return None
    if NOT_SPENDING.search(stripped):
        return None
    money, amount, money_span = _amount(stripped, bare_allowed=bool(logged or spent))
    if amount is None or money_span is None:
        return None
    day = spent_on(stripped, today)
    # "for 45 euros" goes with its amount: what remains describes the purchase.
    lead = AMOUNT_LEAD.search(stripped[: money_span[0]])
    spans = [(lead.start() if lead else money_span[0], money_span[1])]
    if day is not None:
        spans.append(day.span)
    trigger = logged or spent
    if trigger is not None:
        spans.append(trigger.span())
    if cost_me is not None:
        spans.append(cost_me.span())
    merchant_match = MERCHANT.search(stripped)
    merchant = merchant_match.group(1).removeprefix("the ").strip() if merchant_match else None
    return ExpenseDraft(
        amount=amount,
        money=money,
        description=_description(cut(stripped, spans)),
        merchant=merchant[:200] if merchant else None,
        day=day.day if day else today,
    )


def _amount(
    text: str, *, bare_allowed: bool
) -> tuple[Money | None, Decimal | None, tuple[int, int] | None]:
    found = find_money(text)
    if len(found) == 1:
        return found[0], found[0].amount, found[0].span
    if found:
        return None, None, None  # "45 euros, or 50 dollars?": not one expense
    if not bare_allowed:
        return None, None, None
    bare = list(BARE.finditer(text))
    if len(bare) != 1:
        return None, None, None
    value = digits_value(bare[0].group(1))
    if value is None or value <= 0:
        return None, None, None
    return None, value, bare[0].span()


def _description(rest: str) -> str:
    """What the money went on, from what is left of the sentence ("on groceries at Lidl")."""
    text = COURTESY.sub("", rest.strip(" ,;:.!-"))
    while True:
        shorter = LINK_WORDS.sub("", text, count=1).strip(" ,;:.!-")
        if shorter == text:
            break
        text = shorter
    text = TRAILING.sub("", text).strip(" ,;:.!-")
    if not text:
        return "Expense"
    return (text[:1].upper() + text[1:])[:200]


def parse_spend_question(text: str, today: date) -> SpendQuestion | None:
    """The spending question a message asks; None if it asks none. No period named means
    this month so far."""
    stripped = _clean(text)
    if stripped is None:
        return None
    asked = SPEND_QUESTION.match(stripped)
    if asked is None:
        return None
    rest = stripped[asked.end() :].rstrip(" ?!.")
    period = period_in(rest, today)
    if period is not None:
        rest = cut(rest, [period.span])
    else:
        current = month_of(today)
        period = Period(current.kind, current.start, today, "this month")
    topic = TOPIC.match(rest)
    name = topic.group(1).strip() if topic else None
    if name and name.lower().startswith("the "):
        name = name[4:]
    return SpendQuestion(period=period, topic=name or None)
