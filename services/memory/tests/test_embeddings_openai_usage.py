"""The OpenAI-compatible embedder records each request as a model call of the user served."""

from __future__ import annotations

import json

import httpx
import pytest
from muninn_memory.embeddings.openai_http import OpenAICompatibleEmbedder
from muninn_memory.embeddings.port import EmbeddingError
from muninn_shared.events.payloads import ModelCallRecorded
from muninn_shared.model_calls import ModelCallRecorder, on_behalf_of


class Collected:
    def __init__(self) -> None:
        self.calls: list[ModelCallRecorded] = []

    async def __call__(self, call: ModelCallRecorded) -> None:
        self.calls.append(call)


def server(statuses: list[int]) -> httpx.MockTransport:
    """Answers with each status in turn (the last one repeats); 200s carry two dimensions."""

    def handle(request: httpx.Request) -> httpx.Response:
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        if status != 200:
            return httpx.Response(status, text="busy")
        inputs = json.loads(request.content)["input"]
        return httpx.Response(
            200,
            json={
                "data": [{"index": i, "embedding": [1.0, 0.0]} for i in range(len(inputs))],
                "usage": {"prompt_tokens": 9 * len(inputs), "total_tokens": 9 * len(inputs)},
            },
        )

    return httpx.MockTransport(handle)


def embedder(statuses: list[int], collected: Collected) -> OpenAICompatibleEmbedder:
    return OpenAICompatibleEmbedder(
        base_url="https://api.openai.com/v1",
        model="text-embedding-3-small",
        dimension=2,
        transport=server(statuses),
        retry_base_seconds=0,
        recorder=ModelCallRecorder("memory", collected),
    )


async def test_indexing_and_search_requests_are_the_users_calls() -> None:
    collected = Collected()
    model = embedder([200], collected)
    with on_behalf_of("user-7"):
        await model.embed_documents(["one", "two", "three"])
        await model.embed_query("what did I say")
    indexing, search = collected.calls
    assert (indexing.provider, indexing.endpoint, indexing.feature) == (
        "openai",
        "embeddings",
        "memory_indexing",
    )
    assert (indexing.prompt_tokens, indexing.completion_tokens) == (27, 0)
    assert search.feature == "memory_search"
    assert search.prompt_tokens == 9
    assert {c.user_id for c in collected.calls} == {"user-7"}
    assert all(c.success for c in collected.calls)
    await model.close()


async def test_a_retried_request_is_one_failed_call_and_one_that_succeeded() -> None:
    collected = Collected()
    model = embedder([503, 200], collected)
    with on_behalf_of("user-8"):
        await model.embed_query("hello")
    assert [(c.success, c.error_code) for c in collected.calls] == [
        (False, "http_503"),
        (True, None),
    ]
    await model.close()


async def test_a_refused_request_is_recorded_as_failed() -> None:
    collected = Collected()
    model = embedder([400], collected)
    with on_behalf_of("user-9"), pytest.raises(EmbeddingError):
        await model.embed_query("hello")
    assert [(c.success, c.error_code) for c in collected.calls] == [(False, "http_400")]
    await model.close()
