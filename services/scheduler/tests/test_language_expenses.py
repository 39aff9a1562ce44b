"""Money spent, and questions about it, as the offline rules read them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from muninn_scheduler.expenses.categories import categorise, category_named
from muninn_scheduler.language.days import PeriodKind, period_in, spent_on
from muninn_scheduler.language.expenses import parse_expense, parse_spend_question
from muninn_scheduler.language.money import find_money

TODAY = date(2026, 6, 10)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("45 euros", "45", "EUR"),
        ("€45", "45", "EUR"),
        ("45€", "45", "EUR"),
        ("45,50 €", "45.50", "EUR"),
        ("EUR 45", "45", "EUR"),
        ("45eur", "45", "EUR"),
        ("$12.50", "12.50", "USD"),
        ("12 bucks", "12", "USD"),
        ("£3", "3", "GBP"),
        ("twenty quid", "20", "GBP"),
        ("forty-five dollars", "45", "USD"),
        ("a hundred and ten euros", "110", "EUR"),
        ("1,234.56 USD", "1234.56", "USD"),
        ("1.234,56 EUR", "1234.56", "EUR"),
        ("2000 yen", "2000", "JPY"),
        ("R$ 30", "30", "BRL"),
        ("50 CHF", "50", "CHF"),
        ("45 TRY", "45", "TRY"),
        ("300 kr", "300", None),
    ],
)
def test_amounts_and_currencies_in_symbols_words_and_codes(
    text: str, amount: str, currency: str | None
) -> None:
    (found,) = find_money(f"I spent {text} on it")
    assert found.amount == Decimal(amount)
    assert found.currency == currency


def test_a_shared_symbol_means_the_users_currency_when_it_is_one_of_them() -> None:
    (dollars,) = find_money("$20")
    assert dollars.resolve(None) == "USD"
    assert dollars.resolve("CAD") == "CAD"
    assert dollars.resolve("EUR") == "USD", "a euro user's $ is still the US dollar"
    (kronor,) = find_money("200 kr")
    assert kronor.resolve("SEK") == "SEK"
    assert kronor.resolve("EUR") is None, "no currency is the obvious kr: ask"


def test_words_that_are_currency_codes_count_only_in_capitals() -> None:
    assert find_money("worth a try 45 try") == []
    assert find_money("I spent all 45 euros")[0].currency == "EUR"


@pytest.mark.parametrize(
    ("text", "amount", "currency", "description", "merchant", "day"),
    [
        (
            "I spent 45 euros on groceries at Lidl today",
            "45",
            "EUR",
            "Groceries at Lidl",
            "Lidl",
            TODAY,
        ),
        ("paid $30 for the taxi yesterday", "30", "USD", "Taxi", None, date(2026, 6, 9)),
        ("I bought a coffee for 3.50€", "3.50", "EUR", "Coffee", None, TODAY),
        ("lunch cost me 12 euros", "12", "EUR", "Lunch", None, TODAY),
        ("the taxi set me back 30 dollars last night", "30", "USD", "Taxi", None, date(2026, 6, 9)),
        ("bought groceries for 45 euros at Lidl", "45", "EUR", "Groceries at Lidl", "Lidl", TODAY),
        (
            "Spent €60 on dinner with Ana at Tony's on Saturday",
            "60",
            "EUR",
            "Dinner with Ana at Tony's",
            "Tony's",
            date(2026, 6, 6),
        ),
        ("log expense: 20 EUR parking", "20", "EUR", "Parking", None, TODAY),
        ("I spent twenty quid on books 3 days ago", "20", "GBP", "Books", None, date(2026, 6, 7)),
        ("I paid the rent, 950 euros", "950", "EUR", "Rent", None, TODAY),
        ("we spent 200 kr on fika", "200", None, "Fika", None, TODAY),
        (
            "I spent 45 euros on groceries at Lidl today, thanks!",
            "45",
            "EUR",
            "Groceries at Lidl",
            "Lidl",
            TODAY,
        ),
        ("I spent 80 euros on a dress on 3 June", "80", "EUR", "Dress", None, date(2026, 6, 3)),
    ],
)
def test_money_spent_becomes_an_expense(
    text: str,
    amount: str,
    currency: str | None,
    description: str,
    merchant: str | None,
    day: date,
) -> None:
    draft = parse_expense(text, TODAY)
    assert draft is not None, text
    assert draft.amount == Decimal(amount)
    assert draft.money is not None
    assert draft.money.currency == currency
    assert draft.description == description
    assert draft.merchant == merchant
    assert draft.day == day


def test_a_bare_number_is_in_the_users_currency_or_asked_about() -> None:
    draft = parse_expense("spent 12 on lunch", TODAY)
    assert draft is not None
    assert (draft.amount, draft.description, draft.money) == (Decimal(12), "Lunch", None)
    assert draft.currency("EUR") == "EUR"
    assert draft.currency(None) is None
    paid = parse_expense("I just paid 9.99 for Netflix", TODAY)
    assert paid is not None
    assert (paid.amount, paid.description) == (Decimal("9.99"), "Netflix")


def test_a_spending_day_in_the_future_is_about_the_purchase_not_the_spending() -> None:
    draft = parse_expense("I spent 50 euros on tickets for next Friday", TODAY)
    assert draft is not None
    assert draft.day == TODAY


@pytest.mark.parametrize(
    "text",
    [
        "I spent 3 hours on it",
        "I spent 10 minutes on the phone",
        "I spent 2 weeks in Spain",
        "the tickets cost 45 euros last year?",
        "the tickets cost 45 euros",
        "how much did the tickets cost?",
        "I'll spend 100 euros on shoes",
        "I'm going to spend 100 on shoes",
        "I want to pay 20 euros for it",
        "should I spend 200 dollars on a bike?",
        "I didn't spend 50 euros",
        "I never paid 50 euros for that",
        "Ana spent 30 euros on lunch",
        "I paid 50% upfront",
        "I spent some money",
        "I paid 45 euros or 50 dollars",
        "remind me to pay the 50 euros rent tomorrow",
        "I spent 45 euros" * 40,
    ],
)
def test_what_is_not_money_spent_is_left_alone(text: str) -> None:
    assert parse_expense(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "start", "end", "kind", "topic"),
    [
        (
            "how much did I spend on eating out in November?",
            date(2025, 11, 1),
            date(2025, 11, 30),
            PeriodKind.MONTH,
            "eating out",
        ),
        (
            "how much have I spent this month?",
            date(2026, 6, 1),
            date(2026, 6, 30),
            PeriodKind.MONTH,
            None,
        ),
        ("what did I spend last week?", date(2026, 6, 1), date(2026, 6, 7), PeriodKind.WEEK, None),
        (
            "how much did I spend at Lidl in May?",
            date(2026, 5, 1),
            date(2026, 5, 31),
            PeriodKind.MONTH,
            "Lidl",
        ),
        (
            "how much did we spend yesterday",
            date(2026, 6, 9),
            date(2026, 6, 9),
            PeriodKind.DAY,
            None,
        ),
        (
            "what's my total spending this year",
            date(2026, 1, 1),
            date(2026, 12, 31),
            PeriodKind.YEAR,
            None,
        ),
        (
            "how much did I spend on groceries in the last 30 days?",
            date(2026, 5, 12),
            TODAY,
            PeriodKind.DAYS,
            "groceries",
        ),
        (
            "show my expenses for November 2024",
            date(2024, 11, 1),
            date(2024, 11, 30),
            PeriodKind.MONTH,
            None,
        ),
        ("how much did I spend on the taxi?", date(2026, 6, 1), TODAY, PeriodKind.MONTH, "taxi"),
    ],
)
def test_spending_questions_name_a_period_and_a_topic(
    text: str, start: date, end: date, kind: PeriodKind, topic: str | None
) -> None:
    question = parse_spend_question(text, TODAY)
    assert question is not None, text
    assert (question.period.start, question.period.end) == (start, end)
    assert question.period.kind is kind
    assert question.topic == topic


def test_other_questions_are_not_about_spending() -> None:
    for text in ("how are you?", "what did I say yesterday?", "how much is a coffee in Lisbon?"):
        assert parse_spend_question(text, TODAY) is None


def test_the_period_before_is_of_the_same_kind() -> None:
    november = period_in("in November", TODAY)
    assert november is not None
    before = november.previous()
    assert (before.start, before.end, before.label) == (
        date(2025, 10, 1),
        date(2025, 10, 31),
        "in October 2025",
    )
    week = period_in("last week", TODAY)
    assert week is not None
    assert (week.previous().start, week.previous().end) == (date(2026, 5, 25), date(2026, 5, 31))


def test_days_in_the_past() -> None:
    cases = {
        "today": TODAY,
        "yesterday": date(2026, 6, 9),
        "the day before yesterday": date(2026, 6, 8),
        "on Monday": date(2026, 6, 8),
        "on Wednesday": TODAY,
        "last Wednesday": date(2026, 6, 3),
        "a week ago": date(2026, 6, 3),
        "on 3 November": date(2025, 11, 3),
    }
    for text, day in cases.items():
        found = spent_on(text, TODAY)
        assert found is not None, text
        assert found.day == day, text


def test_categories_come_from_keywords_the_earliest_found_winning() -> None:
    assert categorise("Groceries at Lidl") == "groceries"
    assert categorise("Taxi") == "transport"
    assert categorise("lunch at the supermarket") == "eating_out"
    assert categorise("Something odd") == "other"
    assert categorise("Lidl", {"treats": ["lidl"]}) == "treats", "the user's keywords first"
    assert category_named("eating out") == "eating_out"
    assert category_named("restaurants") == "eating_out"
    assert category_named("Lidl") == "groceries"
    assert category_named("stuff") is None
