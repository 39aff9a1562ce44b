"""Memory store queries the ingestion path runs per fact, against the real embedded server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_memory.indexing.models import PENDING, SYNCED
from muninn_memory.memories.store import MemoryStore
from muninn_shared.storage.routing import MainStoreRouter
from pymongo import AsyncMongoClient, monitoring

from tests.integration.infra import Infra

Doc = dict[str, Any]
T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def memory(memory_id: str, user_id: str, job_id: str, **fields: Any) -> Doc:
    return {
        "_id": memory_id,
        "user_id": user_id,
        "type": "conversation",
        "occurred_at": T0,
        "index_state": SYNCED,
        "provenance": {"job_id": job_id},
        **fields,
    }


async def test_a_jobs_memories_are_found_by_job_and_matched_on_the_rest(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    store = MemoryStore(MainStoreRouter(mongo, f"mem{unique}"))
    db = mongo[f"mem{unique}"]
    await MemoryStore.ensure_indexes(db)
    await db["memories"].insert_many(
        [
            memory("a", "ada", "job-1", index_state=PENDING),
            memory("b", "ada", "job-1", type="fact", index_state=PENDING),
            memory("c", "ada", "job-1", occurred_at=T0 + timedelta(hours=1)),
            memory("d", "ada", "job-2", index_state=PENDING),
            memory("e", "bob", "job-1", index_state=PENDING),  # another user's, same job id
        ]
    )
    assert [d["_id"] for d in await store.of_job("ada", "job-1")] == ["c", "b", "a"]
    assert await store.pending_for_job("ada", "job-1") == 2
    same_turn = {"type": "conversation", "occurred_at": T0}
    assert [d["_id"] for d in await store.of_job("ada", "job-1", same_turn)] == ["a"]
    assert await store.pending_for_job("bob", "job-1") == 1
    assert await store.of_job("ada", "job-3") == []


async def test_the_index_backlog_is_counted_on_its_index_and_bounded(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    db = mongo[f"mem{unique}"]
    await MemoryStore.ensure_indexes(db)
    await db["memories"].insert_many(
        [memory(f"p{i}", "ada", "job-1", index_state=PENDING) for i in range(5)]
        + [memory("s", "bob", "job-2")]
    )
    assert await MemoryStore.pending_count(db, limit=100) == 5
    assert await MemoryStore.pending_count(db, limit=3) == 3
    await db["memories"].update_many({}, {"$set": {"index_state": SYNCED}})
    assert await MemoryStore.pending_count(db, limit=100) == 0


class _Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_a_jobs_memories_are_marked_synced_in_one_command_and_a_newer_edit_stays_pending(
    infra: Infra, unique: str
) -> None:
    commands = _Commands()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(infra.mongo_uri, event_listeners=[commands])
    try:
        store = MemoryStore(MainStoreRouter(client, f"mem{unique}"))
        db = client[f"mem{unique}"]
        docs = [
            memory(f"m{i}", "ada", "job-1", index_state=PENDING, index_rev=1) for i in range(50)
        ]
        docs[7]["index_rev"] = 2  # edited again after the index sync read it
        await db["memories"].insert_many(docs)
        commands.names.clear()

        await store.mark_synced("ada", {f"m{i}": 1 for i in range(50)}, "model-x")

        assert commands.names == ["update"]
        states = {d["_id"]: d async for d in db["memories"].find({})}
        assert states["m7"]["index_state"] == PENDING
        assert "embedding_model" not in states["m7"]
        synced = [i for i in range(50) if states[f"m{i}"]["index_state"] == SYNCED]
        assert synced == [i for i in range(50) if i != 7]
        assert {states[f"m{i}"]["embedding_model"] for i in synced} == {"model-x"}
        commands.names.clear()
        await store.mark_synced("ada", {}, "model-x")  # nothing to mark: no command
        assert commands.names == []
    finally:
        await client.close()
