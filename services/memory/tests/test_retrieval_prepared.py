"""Embeddings computed ahead of their upsert (an ingestion job's, during its transaction)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from muninn_memory.embeddings.port import Vector
from muninn_memory.retrieval import hybrid
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.vectors.edge import EdgeBackend

from tests.bag_embedder import BagEmbedder


class CountingEmbedder(BagEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        self.calls.append(list(texts))
        return await super().embed_documents(texts)


@pytest.fixture
async def embedder_and_index(tmp_path: Path) -> AsyncIterator[tuple[CountingEmbedder, HybridIndex]]:
    embedder = CountingEmbedder()
    index = HybridIndex(EdgeBackend(tmp_path), embedder)
    yield embedder, index
    await index.close()


def memory(memory_id: str, text: str) -> IndexedMemory:
    return IndexedMemory(memory_id, "ada", text, "conversation")


async def test_an_upsert_takes_the_prepared_vectors_and_embeds_only_the_rest(
    embedder_and_index: tuple[CountingEmbedder, HybridIndex],
) -> None:
    embedder, index = embedder_and_index
    await index.prepare(
        "ada",
        [
            memory("m1", "the lake at dawn"),
            memory("m2", "a red kite"),
            memory("x", "the lake at dawn"),
        ],
    )
    assert embedder.calls == [["the lake at dawn", "a red kite"]]  # once each, one call

    await index.prepare("ada", [memory("m2", "a red kite")])  # already prepared: nothing to do
    assert len(embedder.calls) == 1

    await index.upsert(
        [
            memory("m1", "the lake at dawn"),
            memory("m2", "a red kite"),
            memory("m3", "an old boathouse"),
        ]
    )
    assert embedder.calls[1:] == [["an old boathouse"]]
    [hit, *_] = await index.search("ada", "kite", limit=3)
    assert hit.memory_id == "m2"

    # Used up by that upsert: writing the same text again embeds it again.
    await index.upsert([memory("m4", "a red kite")])
    assert embedder.calls[2:] == [["a red kite"]]


async def test_prepared_vectors_nobody_upserts_are_dropped_oldest_first(
    embedder_and_index: tuple[CountingEmbedder, HybridIndex], monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder, index = embedder_and_index
    monkeypatch.setattr(hybrid, "PREPARED_LIMIT", 2)
    await index.prepare("ada", [memory("m1", "one"), memory("m2", "two")])
    await index.prepare(
        "ada", [memory("m3", "three")]
    )  # a job that failed after preparing left "one"
    await index.upsert([memory("m1", "one"), memory("m2", "two"), memory("m3", "three")])
    assert embedder.calls == [["one", "two"], ["three"], ["one"]]


async def test_a_messages_sentence_parts_are_prepared_with_it(
    embedder_and_index: tuple[CountingEmbedder, HybridIndex],
) -> None:
    embedder, index = embedder_and_index
    said = "ada: I swam across the lake at dawn. Then we flew a red kite all afternoon."
    message = IndexedMemory("m1", "ada", said, "conversation", speaker="ada")
    await index.prepare("ada", [message])
    assert embedder.calls == [
        [
            said,
            "ada: I swam across the lake at dawn.",
            "ada: Then we flew a red kite all afternoon.",
        ]
    ]
    await index.upsert([message])
    assert len(embedder.calls) == 1, "the upsert found every vector ready"
