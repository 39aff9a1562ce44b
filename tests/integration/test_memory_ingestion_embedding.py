"""An ingestion job embeds its memories once, in one call, while its transaction runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from muninn_memory.embeddings.port import Vector
from muninn_memory.ingestion.models import JOBS
from muninn_memory.main import create_app
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.settings import MemorySettings
from muninn_memory.vectors.edge import EdgeBackend
from muninn_shared.events.payloads import REPLYING_TO
from muninn_shared.storage.mongo import create_mongo_client

from tests.bag_embedder import BagEmbedder
from tests.integration.in_process import started
from tests.integration.memory_support import (
    MEMORY,
    _one_embedding_thread,
    auth,
    new_user,
    search,
    settings,
)

# The fixtures this module takes from memory_support (imported, they are used by name).
__all__ = ["_one_embedding_thread", "settings"]


class WatchingEmbedder(BagEmbedder):
    """Notes each call for documents, with the job's status in MongoDB at that moment."""

    def __init__(self, settings: MemorySettings) -> None:
        super().__init__()
        self._jobs = create_mongo_client(settings.mongo_uri)[settings.mongo_database][JOBS]
        self.calls: list[tuple[int, list[str]]] = []

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        statuses = [job["status"] async for job in self._jobs.find({}, {"status": 1})]
        self.calls.append((len(texts), statuses))
        return await super().embed_documents(texts)

    async def close(self) -> None:
        await self._jobs.database.client.close()


async def ingest(
    client: httpx.AsyncClient, headers: dict[str, str], messages: list[dict[str, Any]]
) -> None:
    """The messages as one job, with ``infer: false``, waited for until searchable."""
    response = await client.post(
        "/v1/memories",
        json={"messages": messages, "infer": False, "wait": True},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "done"


async def test_a_job_of_fifty_messages_is_embedded_in_one_call_before_its_commit(
    settings: MemorySettings, tmp_path: Path
) -> None:
    embedder = WatchingEmbedder(settings)
    index = HybridIndex(EdgeBackend(tmp_path / "edge"), embedder)
    user = new_user()
    headers = auth(settings, user)
    messages: list[dict[str, Any]] = [
        {"content": f"Caroline: day {i}, I painted the {i}th sunrise over the lake."}
        for i in range(50)
    ]
    async with started(create_app(settings, index=index), MEMORY, timeout=60) as client:
        await ingest(client, headers, messages)

        # One call for the job's 50 texts, made while the job was still in progress (its
        # transaction not committed); the index write after the commit reused the vectors.
        assert embedder.calls == [(50, ["processing"])]
        found = await search(client, headers, "sunrise over the lake, day 17", limit=3)
        assert "day 17," in found[0]["memory"]["content"]
        assert await index.count(user) == 50


async def test_a_reply_sent_with_the_question_it_answers_is_found_by_the_questions_words(
    settings: MemorySettings, tmp_path: Path
) -> None:
    index = HybridIndex(EdgeBackend(tmp_path / "edge"), BagEmbedder())
    user = new_user()
    headers = auth(settings, user)
    said = [
        *[("Melanie", f"The names of the team are on the report of week {i}.") for i in range(10)],
        ("Caroline", "Congrats on the new flat! What are the names of your pets?"),
        ("Melanie", "Luna and Oliver! They are so sweet and playful."),
    ]
    messages = [{"content": text, "metadata": {"speaker": who}} for who, text in said]
    async with started(create_app(settings, index=index), MEMORY, timeout=60) as client:
        await ingest(client, headers, messages)

        found = await search(client, headers, "What are the names of Melanie's pets?", limit=3)
        assert found[0]["memory"]["content"] == "Luna and Oliver! They are so sweet and playful."
        assert found[0]["memory"]["metadata"]["in_reply_to"] == (
            "Caroline: What are the names of your pets?"
        )
        assert "in_reply_to" not in found[1]["memory"]["metadata"], "it answers nothing"
        assert await index.count(user) == len(said), "answer parts are not memories"


async def test_a_message_sent_alone_answers_the_question_of_the_reply_it_followed(
    settings: MemorySettings, tmp_path: Path
) -> None:
    """A chat message from the conversation service comes alone, with the end of the reply it
    followed (``replying_to``): the question asked there is the one it answers."""
    index = HybridIndex(EdgeBackend(tmp_path / "edge"), BagEmbedder())
    user = new_user()
    headers = auth(settings, user)
    followed = "Lovely to hear from you. By the way, what is your dog called?"
    messages: list[dict[str, Any]] = [
        {"content": f"The name of the project of week {i} is on the board."} for i in range(10)
    ]
    async with started(create_app(settings, index=index), MEMORY, timeout=60) as client:
        await ingest(client, headers, messages)
        await ingest(client, headers, [{"content": "Rex!", "metadata": {REPLYING_TO: followed}}])

        found = await search(client, headers, "What is the name of my dog?", limit=3)
        memory = found[0]["memory"]
        assert memory["content"] == "Rex!"
        assert (
            memory["metadata"]["in_reply_to"] == "assistant: By the way, what is your dog called?"
        )
        assert REPLYING_TO not in json.dumps(memory), "the other side's words are not kept"
