"""The recall client reads memory search results — memories and document chunks alike — and
never lets a slow or failing memory service block a reply."""

from __future__ import annotations

import json

import httpx
from muninn_conversation.generation.prompt import system_prompt
from muninn_conversation.profiles.client import UserContext
from muninn_conversation.recall.client import MemoryRecallClient

RESULTS = {
    "results": [
        {
            "kind": "memory",
            "score": 0.81,
            "memory": {
                "id": "mem-1",
                "content": "My sister Ingrid lives in Bergen",
                "type": "relationship",
                "occurred_at": "2026-11-01T10:00:00Z",
            },
            "provenance": {"message_ids": ["m-1"]},
        },
        {
            "kind": "document",
            "score": 0.66,
            "memory": None,
            "document": {
                "document_id": "doc-1",
                "chunk_id": "doc-1:3",
                "title": "Lease agreement",
                "media_type": "application/pdf",
                "chunk_index": 3,
                "content": "The tenant gives three months' notice.",
            },
            "provenance": {"message_ids": []},
        },
        {"kind": "memory", "score": 0.2, "memory": {"id": "mem-2", "content": ""}},
    ]
}


def client_answering(handler: httpx.MockTransport) -> MemoryRecallClient:
    return MemoryRecallClient(
        httpx.AsyncClient(transport=handler), "http://memory", timeout=1.0, limit=6
    )


async def test_memories_and_document_chunks_are_recalled_with_their_kind() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=RESULTS)

    recall = await client_answering(httpx.MockTransport(answer)).recall(
        "where does Ingrid live", bearer_token="tok"
    )

    assert recall.status == "used"
    assert [(m.kind, m.id) for m in recall.memories] == [
        ("memory", "mem-1"),
        ("document", "doc-1:3"),
    ]
    assert recall.memories[0].created_at == "2026-11-01T10:00:00Z"
    assert recall.memories[1].title == "Lease agreement"
    assert seen[0].headers["Authorization"] == "Bearer tok"
    assert json.loads(seen[0].content) == {"query": "where does Ingrid live", "limit": 6}


async def test_a_failing_memory_service_means_unavailable_not_an_error() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"title": "down"})

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler in (broken, unreachable):
        recall = await client_answering(httpx.MockTransport(handler)).recall(
            "hi", bearer_token="tok"
        )
        assert (recall.status, recall.memories) == ("unavailable", [])


async def test_disabled_memory_is_not_asked() -> None:
    def forbidden(request: httpx.Request) -> httpx.Response:
        raise AssertionError("memory must not be asked when long-term memory is off")

    recall = await client_answering(httpx.MockTransport(forbidden)).recall(
        "hi", bearer_token="tok", enabled=False
    )
    assert recall.status == "disabled"


async def test_the_prompt_separates_memories_from_document_excerpts() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=RESULTS)

    recall = await client_answering(httpx.MockTransport(answer)).recall("q", bearer_token="t")
    prompt = system_prompt(UserContext(), recall.memories, conversation_prompt=None)

    remembered, excerpts = prompt.split("Excerpts from documents")
    assert "My sister Ingrid lives in Bergen (noted 2026-11-01)" in remembered
    assert "[Lease agreement] The tenant gives three months' notice." in excerpts
