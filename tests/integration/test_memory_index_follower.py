"""Two memory replicas with private indexes: each follows what the other wrote, from MongoDB.

Real MongoDB, in-process index sync; each replica's index is the term-overlap stand-in, so
what is checked is which records reach which index, not how they are embedded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from muninn_memory.indexing.follower import EPOCH, STATE_FILE, IndexFollower
from muninn_memory.indexing.models import SYNCED
from muninn_memory.indexing.service import IndexSync
from muninn_memory.memories.indexing import MemorySource
from muninn_memory.memories.models import ExtractionInfo, Provenance
from muninn_memory.memories.records import new_memory_doc
from muninn_memory.memories.store import MEMORIES, MemoryStore
from muninn_shared.storage.routing import MainStoreRouter
from muninn_shared.storage.tombstones import ErasureTombstones
from pymongo import AsyncMongoClient

from tests.keyword_index import KeywordIndex

Doc = dict[str, Any]


class Replica:
    def __init__(self, mongo: AsyncMongoClient[Doc], database: str, state_dir: Path) -> None:
        db = mongo[database]
        self.index = KeywordIndex()
        self.store = MemoryStore(MainStoreRouter(mongo, database))
        self.tombstones = ErasureTombstones(db)
        self.sync = IndexSync(self.index, sweep_db=db, tombstones=self.tombstones)  # type: ignore[arg-type]
        self.sync.register(MemorySource(self.store))
        self.follower = IndexFollower(
            self.sync,
            db=db,
            collections={"memory": MEMORIES},
            state_dir=state_dir,
            interval=0.1,
            overlap=30.0,
        )

    def ids_of(self, user_id: str) -> set[str]:
        return set(self.index.points.get(user_id, {}))


async def remember(replica: Replica, user_id: str, content: str) -> str:
    """A write as the service makes it: stored pending, then synced into the writer's index."""
    doc = new_memory_doc(
        user_id=user_id,
        content=content,
        type_="fact",
        context="personal",
        importance=5,
        sentiment="neutral",
        occurred_at=datetime.now(UTC),
        provenance=Provenance(source="api", extraction=ExtractionInfo(extractor="none")),
    )
    await replica.store.insert_many(user_id, [doc])
    await replica.sync.sync(user_id, [doc["_id"]])
    return str(doc["_id"])


async def test_each_replica_indexes_what_the_other_stored_and_drops_erased_users(
    mongo: AsyncMongoClient[Doc], unique: str, tmp_path: Path
) -> None:
    database = f"follow{unique}_memory"
    a = Replica(mongo, database, tmp_path / "a")
    b = Replica(mongo, database, tmp_path / "b")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    await a.follower.prepare()

    through_a = await remember(a, "u1", "Ada lives in Lisbon")
    through_b = await remember(b, "u1", "Ada works at the observatory")
    other_user = await remember(b, "u2", "Bo plays the cello")
    assert a.ids_of("u1") == {through_a}, "before following, a replica has only its own writes"

    assert await a.follower.follow_once() == 3
    assert await b.follower.follow_once() == 3
    for replica in (a, b):
        assert replica.ids_of("u1") == {through_a, through_b}
        assert replica.ids_of("u2") == {other_user}
    stored = await mongo[database][MEMORIES].find_one({"_id": through_b})
    assert stored is not None
    assert stored["index_state"] == SYNCED, "the writer's sync stands"

    # A pass with nothing new writes nothing: what is in the overlap window is not redone.
    assert await a.follower.follow_once() == 0

    # An update through b (a new revision) reaches a; a retired record leaves a's index.
    assert await b.store.update("u1", through_b, {"content": "Ada works at the planetarium"})
    assert await b.store.update("u1", through_a, {"status": "deleted"})
    assert await a.follower.follow_once() == 2
    assert a.ids_of("u1") == {through_b}
    assert "planetarium" in a.index.points["u1"][through_b].text

    # An erasure handled by b's consumer: a drops the user's vectors from its own index.
    await mongo[database][MEMORIES].delete_many({"user_id": "u2"})
    await b.tombstones.record("u2", None)
    await a.follower.follow_once()
    assert a.ids_of("u2") == set()
    assert a.ids_of("u1") == {through_b}, "other users keep theirs"

    # A restart resumes from the state file instead of re-reading everything.
    assert (tmp_path / "a" / STATE_FILE).exists()
    restarted = Replica(mongo, database, tmp_path / "a")
    assert restarted.follower.watermark == a.follower.watermark > EPOCH
