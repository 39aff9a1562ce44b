from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from muninn_memory.documents.indexing import ChunkSource
from muninn_memory.indexing.service import IndexSync
from muninn_memory.memories.indexing import MemorySource
from muninn_memory.retrieval.port import MemoryIndex

Doc = dict[str, Any]
NOW = datetime(2024, 5, 1, tzinfo=UTC)


class Records:
    """Stands in for a store: documents by id, and what was marked synced."""

    def __init__(self, docs: list[Doc]) -> None:
        self.docs = {d["_id"]: d for d in docs}
        self.synced: dict[str, int] = {}

    async def many(self, user_id: str, ids: list[str]) -> list[Doc]:
        return [self.docs[i] for i in ids if i in self.docs and self.docs[i]["user_id"] == user_id]

    chunks = many

    async def mark_synced(self, user_id: str, revisions: dict[str, int], model_id: str) -> None:
        self.synced.update(revisions)


class Tombstones:
    def __init__(self, erased: set[str]) -> None:
        self.erased = erased

    async def is_erased(self, user_id: str) -> bool:
        return user_id in self.erased


def memory(memory_id: str, user_id: str = "u1", **extra: Any) -> Doc:
    return {
        "_id": memory_id,
        "user_id": user_id,
        "content": f"content of {memory_id}",
        "type": "personal_info",
        "status": "active",
        "occurred_at": NOW,
        "provenance": {"source": "api"},
        "index_rev": 2,
        **extra,
    }


def sync_for(records: Records, index: MemoryIndex, erased: set[str] | None = None) -> IndexSync:
    sync = IndexSync(
        index,
        sweep_db=None,  # type: ignore[arg-type]  # no sweep here
        tombstones=Tombstones(erased or set()),  # type: ignore[arg-type]
    )
    sync.register(MemorySource(records))  # type: ignore[arg-type]
    return sync


async def test_current_memories_are_indexed_and_retired_ones_removed(memory_index: Any) -> None:
    index = memory_index
    records = Records(
        [
            memory("m1"),
            memory("m2", status="superseded"),
            memory("m3", outdated_by="m1"),
            memory("x", user_id="u2"),
        ]
    )
    await index.upsert([sync_for(records, index)._sources["memory"].to_indexed(memory("m2"))])
    await sync_for(records, index).sync("u1", ["m1", "m2", "m3", "x"])
    assert set(index.points["u1"]) == {"m1"}
    assert "u2" not in index.points, "a sync never touches another user's records"
    assert records.synced == {"m1": 2, "m2": 2, "m3": 2}


async def test_an_erased_user_keeps_no_vectors(memory_index: Any) -> None:
    index = memory_index
    records = Records([memory("m1")])
    await sync_for(records, index, erased={"u1"}).sync("u1", ["m1"])
    assert await index.count("u1") == 0
    assert records.synced == {}


async def test_document_chunks_follow_their_own_source(memory_index: Any) -> None:
    index = memory_index
    chunks = Records(
        [
            {"_id": "c1", "user_id": "u1", "content": "Deposit is 1800 euros", "title": "Lease"},
            {"_id": "c2", "user_id": "u1", "content": "Old clause", "deleted": True},
        ]
    )
    sync = sync_for(Records([]), index)
    sync.register(ChunkSource(chunks))  # type: ignore[arg-type]
    await sync.sync("u1", ["c1", "c2"], "document")
    assert set(index.points["u1"]) == {"c1"}
    assert index.points["u1"]["c1"].source == "document"
    [hit] = await index.search("u1", "deposit", filters=None)
    assert hit.memory_id == "c1"


class PendingSource(MemorySource):
    """Memories whose pending ones the sweep finds, as MemoryStore.pending_in does."""

    def __init__(self, records: Records) -> None:
        super().__init__(records)  # type: ignore[arg-type]
        self._records = records

    async def pending_in(self, db: Any, limit: int) -> list[Doc]:
        pending = [d for i, d in self._records.docs.items() if i not in self._records.synced]
        return pending[:limit]


async def test_the_sweep_leaves_a_writers_records_to_it_until_it_is_done(
    memory_index: Any,
) -> None:
    """Pending from their commit to their writer's sync: swept meanwhile, they would be
    embedded twice."""
    index = memory_index
    records = Records([memory("m1"), memory("m2"), memory("old")])  # "old": a crash's leftover
    sync = IndexSync(index, sweep_db=None, tombstones=Tombstones(set()))  # type: ignore[arg-type]
    sync.register(PendingSource(records))

    with sync.writing(["m1", "m2"]):
        assert await sync.sweep_once() == 1
        assert records.synced == {"old": 2}
        await sync.sync("u1", ["m1"])  # the writer's own sync, then its second record
    assert set(records.synced) == {"old", "m1"}

    assert await sync.sweep_once() == 1  # no longer in hand: a crash's, the sweep's
    assert set(records.synced) == {"old", "m1", "m2"}
    assert set(index.points["u1"]) == {"old", "m1", "m2"}
