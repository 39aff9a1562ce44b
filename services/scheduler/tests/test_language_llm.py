"""LLM extraction over the OpenAI chat-completions protocol, and the fall back to rules."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
from muninn_scheduler.language.extract import Understanding
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
