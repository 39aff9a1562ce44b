"""LLM extraction over the OpenAI chat-completions protocol, and the fall back to rules."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
from muninn_scheduler.language.expenses import ExpenseDraft, SpendQuestion
from muninn_scheduler.language.extract import Understanding
from muninn_scheduler.language.lists import ListAction, ListCommand
from muninn_scheduler.language.llm import ChatExtractor
from muninn_scheduler.language.plans import PlanKind

NOW = datetime(2026, 6, 10, 10, 0)


def completions(answer: str | None, seen: list[dict[str, Any]]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        body = json.loads(request.content)
        seen.append({"body": body, "auth": request.headers.get("authorization")})
        if answer is None:
            return httpx.Response(503, json={"error": {"message": "overloaded"}})
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer},
                        "finish_reason": "stop",
                    }
                ],
            },
        )

    return httpx.MockTransport(handle)


def reader(answer: str | None, seen: list[dict[str, Any]]) -> Understanding:
    http = httpx.AsyncClient(transport=completions(answer, seen))
    return Understanding(
        ChatExtractor(http, base_url="http://llm.test/v1", model="tiny", api_key="sk-test")
    )


async def test_llm_plan_is_used_when_valid() -> None:
    seen: list[dict[str, Any]] = []
    answer = json.dumps(
        {
            "intent": "appointment",
            "title": "Physio with Jo",
            "local_datetime": "2026-06-12T08:30",
            "has_time": True,
            "experience_type": "physiotherapy",
            "provider": "Jo",
            "location": None,
            "duration_minutes": 45,
        }
    )
    plan, source = await reader(answer, seen).plan("physio w/ Jo fri 8:30", NOW, "Europe/Lisbon")
    assert source == "llm"
    assert plan is not None
    assert (plan.kind, plan.title, plan.local) == (
        PlanKind.APPOINTMENT,
        "Physio with Jo",
        datetime(2026, 6, 12, 8, 30),
    )
    assert plan.duration_minutes == 45
    request = seen[0]
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["response_format"] == {"type": "json_object"}
    question = json.loads(request["body"]["messages"][1]["content"])
    assert question == {
        "now": "Wednesday 2026-06-10T10:00",
        "timezone": "Europe/Lisbon",
        "message": "physio w/ Jo fri 8:30",
    }


async def test_llm_none_means_no_plan() -> None:
    plan, source = await reader('{"intent": "none"}', []).plan("hello there", NOW, "UTC")
    assert (plan, source) == (None, "llm")


async def test_rules_take_over_when_the_model_fails_or_rambles() -> None:
    for answer in (None, "Sure! Here is your reminder.", '{"intent": "reminder", "title": 7}'):
        plan, source = await reader(answer, []).plan(
            "remind me to call mom tomorrow at 6pm", NOW, "UTC"
        )
        assert source == "rules"
        assert plan is not None
        assert plan.local == datetime(2026, 6, 11, 18, 0)


async def test_llm_review_and_fallback() -> None:
    answer = json.dumps(
        {
            "overall_sentiment": "positive",
            "emotional_tone": "satisfied",
            "rating": 4.5,
            "recommendation": True,
            "highlights": ["gentle"],
            "issues": [],
            "specific_feedback": [],
            "future_intent": "will_return",
            "key_quotes": ["so gentle"],
        }
    )
    insights, source = await reader(answer, []).review("so gentle", "Dentist with Dr. Mary")
    assert (source, insights.rating, insights.highlights) == ("llm", 4.5, ["gentle"])
    insights, source = await reader('{"rating": 9}', []).review("awful, just awful", "x")
    assert (source, insights.overall_sentiment) == ("rules", "negative")


async def test_llm_reads_an_expense_when_configured() -> None:
    seen: list[dict[str, Any]] = []
    answer = json.dumps(
        {
            "intent": "expense",
            "amount": "45.00",
            "currency": "eur",
            "description": "Groceries at Lidl",
            "merchant": "Lidl",
            "date": "2026-06-09",
        }
    )
    text = "dropped 45 at lidl for food yesterday, euros"
    request, source = await reader(answer, seen).records(text, NOW, "Europe/Lisbon")
    assert source == "llm"
    assert isinstance(request, ExpenseDraft)
    assert (request.amount, request.currency(None)) == (Decimal("45.00"), "EUR")
    assert (request.description, request.merchant, request.day) == (
        "Groceries at Lidl",
        "Lidl",
        date(2026, 6, 9),
    )
    question = json.loads(seen[0]["body"]["messages"][1]["content"])
    assert question == {
        "today": "Wednesday 2026-06-10",
        "timezone": "Europe/Lisbon",
        "message": text,
    }


async def test_llm_list_and_question_answers_become_the_same_requests_as_the_rules() -> None:
    add = json.dumps(
        {"intent": "list_add", "items": [{"name": "eggs", "quantity": 24}, {"name": "milk"}]}
    )
    request, _ = await reader(add, []).records("eggs x24 + milk pls, list", NOW, "UTC")
    assert isinstance(request, ListCommand)
    assert (request.action, request.list_name) == (ListAction.ADD, None)
    assert [(i.name, i.quantity) for i in request.items] == [
        ("eggs", Decimal(24)),
        ("milk", Decimal(1)),
    ]
    asked = json.dumps(
        {
            "intent": "spend_question",
            "period_start": "2025-11-01",
            "period_end": "2025-11-30",
            "topic": "eating out",
        }
    )
    question, _ = await reader(asked, []).records("restaurants in nov, how much?", NOW, "UTC")
    assert isinstance(question, SpendQuestion)
    assert (question.period.label, question.topic) == ("in November 2025", "eating out")


async def test_an_unknown_currency_from_the_llm_is_asked_about_and_a_future_day_is_today() -> None:
    answer = json.dumps(
        {"intent": "expense", "amount": 12, "currency": "bitcoin", "date": "2026-07-01"}
    )
    request, _ = await reader(answer, []).records("spent 12 bitcoin", NOW, "UTC")
    assert isinstance(request, ExpenseDraft)
    assert request.currency("EUR") is None
    assert request.day == NOW.date()


async def test_records_fall_back_to_the_rules_and_chatter_never_reaches_the_model() -> None:
    seen: list[dict[str, Any]] = []
    request, source = await reader(None, seen).records(
        "I spent 45 euros on groceries at Lidl today", NOW, "UTC"
    )
    assert source == "rules"
    assert isinstance(request, ExpenseDraft)
    assert len(seen) == 1, "the model was asked, failed, and the rules answered"
    quiet: list[dict[str, Any]] = []
    request, source = await reader('{"intent": "none"}', quiet).records("hello there", NOW, "UTC")
    assert (request, source, quiet) == (None, "rules", [])
