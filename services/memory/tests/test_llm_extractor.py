from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from muninn_memory.extraction.llm import ChatCompletionsClient, LLMExtractor
from muninn_memory.extraction.models import SourceMessage

AT = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def fact(**extra: Any) -> dict[str, Any]:
    base = {
        "message_index": 0,
        "content": "User moved to Lisbon.",
        "category": "personal_info",
        "slot": "residence",
        "negated": False,
        "correction": True,
        "event_date": "2023-04-01",
        "importance": 8,
        "sentiment": "neutral",
        "context": "personal",
    }
    return {**base, **extra}


class FakeOpenAI:
    """Speaks the /chat/completions protocol and records what it was sent."""

    def __init__(self, *answers: str | int) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        self.requests.append(json.loads(request.content))
        answer = self.answers.pop(0)
        if isinstance(answer, int):
            return httpx.Response(answer, json={"error": {"message": "unavailable"}})
        return httpx.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer},
                        "finish_reason": "stop",
                    }
                ],
            },
        )


def extractor(server: FakeOpenAI) -> LLMExtractor:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    client = ChatCompletionsClient(
        http, base_url="http://llm.local/v1", model="tiny", api_key="k", timeout=5
    )
    return LLMExtractor(client, max_attempts=3)


MESSAGES = [
    SourceMessage(content="Actually I moved to Lisbon last month.", created_at=AT, message_id="m1")
]


async def test_schema_constrained_request_and_valid_answer() -> None:
    server = FakeOpenAI(json.dumps({"facts": [fact()]}))
    result = await extractor(server).extract(MESSAGES)
    assert result.extractor == "llm:tiny"
    [found] = result.facts
    assert (found.content, found.slot, found.correction) == (
        "User moved to Lisbon.",
        "residence",
        True,
    )
    assert found.event_at == datetime(2023, 4, 1, tzinfo=UTC)
    assert found.stated_at == AT
    sent = server.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert sent["temperature"] == 0
    assert json.loads(sent["messages"][1]["content"])["messages"][0]["created_at"] == AT.isoformat()


async def test_invalid_answer_is_retried_with_the_error() -> None:
    server = FakeOpenAI(
        "not json at all",
        json.dumps({"facts": [fact(category="gossip")]}),
        "```json\n" + json.dumps({"facts": [fact()]}) + "\n```",
    )
    result = await extractor(server).extract(MESSAGES)
    assert len(server.requests) == 3
    assert "invalid" in server.requests[1]["messages"][-1]["content"]
    assert [f.content for f in result.facts] == ["User moved to Lisbon."]


async def test_model_that_keeps_failing_falls_back_to_rules() -> None:
    server = FakeOpenAI("{}", "{}", "{}")
    result = await extractor(server).extract(MESSAGES)
    assert result.extractor == "rules-v1"
    assert [f.slot for f in result.facts] == ["residence"]
    assert any("LLM extraction failed" in n for n in result.notes)


async def test_unreachable_server_falls_back_to_rules() -> None:
    result = await extractor(FakeOpenAI(503)).extract(MESSAGES)
    assert result.extractor == "rules-v1"
    assert result.facts


async def test_a_model_that_extracts_nothing_is_not_trusted_on_a_fact() -> None:
    result = await extractor(FakeOpenAI(json.dumps({"facts": []}))).extract(MESSAGES)
    assert [f.slot for f in result.facts] == ["residence"]
    assert any("offline rules used" in n for n in result.notes)


async def test_out_of_range_message_index_is_invalid() -> None:
    server = FakeOpenAI(
        json.dumps({"facts": [fact(message_index=3)]}), json.dumps({"facts": [fact()]})
    )
    result = await extractor(server).extract(MESSAGES)
    assert len(server.requests) == 2
    assert result.facts[0].message_index == 0
