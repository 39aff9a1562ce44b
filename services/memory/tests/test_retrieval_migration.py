"""Switching embedding model: background re-embed while searches keep answering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from muninn_memory.embeddings.port import Vector
from muninn_memory.retrieval.hybrid import HybridIndex
from muninn_memory.retrieval.lexical import term_id
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.vectors.edge import EdgeBackend
from muninn_memory.vectors.schema import collection_name

from tests.bag_embedder import BagEmbedder


class SlowBagEmbedder(BagEmbedder):
    """Vectors that differ from model to model; ``allowed`` holds document embedding after that many calls."""

    def __init__(self, model_id: str, dimension: int) -> None:
        super().__init__(model_id, dimension)
        self.allowed: int | None = None
        self.document_calls = 0

    def slot(self, term: str) -> int:
        return (term_id(term) * 7 + len(self.model_id)) % self.dimension

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        self.document_calls += 1
        call = self.document_calls
        while self.allowed is not None and call > self.allowed:
            await asyncio.sleep(0.005)
        return [self.vector(t) for t in texts]


USERS = ("ann", "ben", "cat")


def memories(n: int) -> list[IndexedMemory]:
    return [
        IndexedMemory(
            f"m{i}", USERS[i % 3], f"note {i} about topic{i % 7} and {USERS[i % 3]}", "fact"
        )
        for i in range(n)
    ]


def index(
    root: Path, embedder: SlowBagEmbedder, previous: dict[str, SlowBagEmbedder], **kw: object
) -> HybridIndex:
    return HybridIndex(
        EdgeBackend(root),
        embedder,
        embedder_spec={"name": embedder.model_id},
        previous_embedder=lambda spec: previous.get(str(spec.get("name"))),
        reembed_batch=16,
        **kw,  # type: ignore[arg-type]
    )


async def test_switching_model_reembeds_in_background_while_search_answers(tmp_path: Path) -> None:
    a = SlowBagEmbedder("model-a", 32)
    first = index(tmp_path, a, {})
    await first.upsert(memories(90))
    await first.close()

    b = SlowBagEmbedder("model-b", 48)
    b.allowed = 0  # hold the copy so the test can act while it runs
    second = index(tmp_path, b, {"model-a": SlowBagEmbedder("model-a", 32)})
    await second.open()
    old, new = collection_name("model-a", 32), collection_name("model-b", 48)
    assert second.read_collection == old
    status = second.migration_status()
    assert (status.state, status.source, status.target) == ("running", old, new)

    # Reads are served from the old collection meanwhile, writes reach both collections.
    results = await second.search("ann", "topic3 ann", limit=5)
    assert results
    assert all(int(r.memory_id[1:]) % 3 == 0 for r in results)
    await second.delete("ben", ["m1"])
    upsert = asyncio.create_task(
        second.upsert([IndexedMemory("fresh", "cat", "fresh memory about kayaks", "fact")])
    )
    searches_during = 0
    b.allowed = None
    while second.migration_status().state == "running":
        found = await second.search("cat", "kayaks topic2", limit=3)
        assert found
        searches_during += 1
        await asyncio.sleep(0)
    await upsert
    await second.wait_for_migration()
    assert searches_during > 0

    status = second.migration_status()
    assert status.state == "complete"
    assert status.progress == 1.0
    assert status.copied >= 89
    assert second.read_collection == new
    assert await second.backend.collections() == [new]  # the old collection is dropped
    assert await second.count("ann") == 30
    assert await second.count("ben") == 29  # the deletion made during the copy held
    assert await second.count("cat") == 31
    assert [r.memory_id for r in await second.search("cat", "kayaks", limit=1)] == ["fresh"]
    await second.close()

    # Reopening with the same model finds a complete collection: no second copy.
    b2 = SlowBagEmbedder("model-b", 48)
    third = index(tmp_path, b2, {})
    await third.open()
    assert third.migration_status().state == "idle"
    assert b2.document_calls == 0
    assert await third.count("cat") == 31
    await third.close()


async def test_interrupted_copy_resumes_and_keep_previous_retires_the_old_collection(
    tmp_path: Path,
) -> None:
    first = index(tmp_path, SlowBagEmbedder("model-a", 32), {})
    await first.upsert(memories(64))
    await first.close()

    b = SlowBagEmbedder("model-b", 48)
    b.allowed = 1  # one page, then the copy stalls until the index is closed
    second = index(tmp_path, b, {})  # the old model cannot be rebuilt: keyword reads only
    await second.open()
    while second.migration_status().copied < 16:
        await asyncio.sleep(0.01)
    assert [r.memory_id for r in await second.search("ann", "note 3 topic3", limit=1)] == ["m3"]
    await second.close()

    b_again = SlowBagEmbedder("model-b", 48)
    third = index(tmp_path, b_again, {}, keep_previous=True)
    await third.open()
    assert third.migration_status().copied >= 16  # resumed from the saved cursor
    await third.wait_for_migration()
    assert third.migration_status().state == "complete"
    assert sorted(await third.backend.collections()) == sorted(
        [collection_name("model-a", 32), collection_name("model-b", 48)]
    )
    assert await third.count("ann") + await third.count("ben") + await third.count("cat") == 64
    await third.close()

    # Back to model A: its retired collection is stale, so it is rebuilt from model B's.
    a_again = SlowBagEmbedder("model-a", 32)
    fourth = index(tmp_path, a_again, {"model-b": SlowBagEmbedder("model-b", 48)})
    await fourth.open()
    assert fourth.migration_status().source == collection_name("model-b", 48)
    await fourth.wait_for_migration()
    assert fourth.read_collection == collection_name("model-a", 32)
    assert await fourth.count("ben") == 21
    await fourth.close()


async def test_a_crashed_reembed_is_restarted_and_does_not_copy_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = index(tmp_path, SlowBagEmbedder("model-a", 32), {})
    await first.upsert(memories(40))
    await first.close()

    b = SlowBagEmbedder("model-b", 48)
    second = index(tmp_path, b, {})
    drop = second.backend.drop
    failed: list[str] = []

    async def drop_failing_once(name: str) -> None:
        if not failed:
            failed.append(name)
            raise OSError("the disk hiccuped")
        await drop(name)

    # The switch-over at the end of the copy fails once: the run crashes and is restarted.
    monkeypatch.setattr(second.backend, "drop", drop_failing_once)
    await second.open()
    await asyncio.wait_for(second.wait_for_migration(), 30)
    assert failed == [collection_name("model-a", 32)]
    assert b.document_calls == 3  # 40 memories in pages of 16, copied once only
    assert second.migration_status().state == "complete"
    assert await second.backend.collections() == [collection_name("model-b", 48)]
    assert await second.count("ann") + await second.count("ben") + await second.count("cat") == 40
    await second.close()


async def test_closed_index_refuses_work(tmp_path: Path) -> None:
    idx = index(tmp_path, SlowBagEmbedder("model-a", 8), {})
    await idx.close()
    with pytest.raises(RuntimeError, match="closed"):
        await idx.search("u", "anything")
