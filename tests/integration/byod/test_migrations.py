"""Content-schema migrations against a real MongoDB-protocol server (secantusdb).

The package has no version 2 yet, so the tests declare one: a collection of their own,
``test_cards``, whose v1 documents carry ``title``; v2 renames it ``name`` (a
:class:`RenameField` step) and adds an index on ``(user_id, name)`` (``since=2``). A test
collection rather than a real one keeps the package's specs as they are (version 1), while
deploy, the runner and byod's pass run exactly as they will for a real version 2.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from muninn_devstack.servers import running_mongo
from muninn_shared.content_schema import (
    SCHEMA_COLLECTION,
    Migration,
    Outcome,
    Progress,
    RenameField,
    RewriteDocuments,
    SchemaTooNewError,
    ServiceSchema,
    deploy,
    migrate,
    recorded_version,
)
from muninn_shared.content_schema.specs import ContentService, collection, index
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

CARDS = "test_cards"
NEW_INDEX = "user_id_1_name_1"
TEST_SCHEMA = ServiceSchema(
    ContentService.CONVERSATION,
    collections=(
        collection(
            ContentService.CONVERSATION,
            CARDS,
            "A test's cards: v1 names them by title, v2 by name.",
            index("user_id"),
            index([("user_id", 1), ("name", 1)], since=2),
        ),
    ),
)
V2 = Migration(2, "cards are named by name, not title", (RenameField(CARDS, "title", "name"),))
PLAN: dict[str, Any] = {"target": 2, "migrations": (V2,), "schemas": [TEST_SCHEMA]}

Db = AsyncDatabase[dict[str, Any]]


@pytest.fixture(scope="module")
def server_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_mongo(tmp_path_factory.mktemp("migrations-mongo")) as uri:
        yield uri


@pytest.fixture
async def fresh(server_uri: str) -> AsyncIterator[Db]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server_uri)
    try:
        yield client["mig_" + uuid.uuid4().hex[:10]]
    finally:
        await client.close()


async def at_v1(db: Db, cards: int) -> list[ObjectId]:
    """The test collection deployed at version 1 with ``cards`` documents written the v1 way."""
    await deploy(db, target=1, schemas=[TEST_SCHEMA], latest=2)
    ids = [ObjectId() for _ in range(cards)]
    for start in range(0, cards, 1000):
        await db[CARDS].insert_many(
            [
                {"_id": i, "user_id": "u1", "title": f"card {n}", "n": n}
                for n, i in enumerate(ids[start : start + 1000], start)
            ]
        )
    return sorted(ids)


async def schema_docs(db: Db) -> dict[str, dict[str, Any]]:
    return {doc["_id"]: doc async for doc in db[SCHEMA_COLLECTION].find({})}


async def test_a_rename_and_an_index_roll_out_while_the_user_keeps_writing(fresh: Db) -> None:
    ids = await at_v1(fresh, 5000)
    stop = asyncio.Event()
    inserted: list[ObjectId] = []
    renamed: dict[ObjectId, str] = {}
    increments: dict[ObjectId, int] = {}
    during = 0
    rng = random.Random(7)

    async def user_writes() -> None:
        nonlocal during
        k = 0
        while not stop.is_set():
            k += 1
            new_id = ObjectId()
            # Written the v2 way: services read both shapes and write the new one.
            await fresh[CARDS].insert_one({"_id": new_id, "user_id": "u1", "name": f"new {k}"})
            inserted.append(new_id)
            old = rng.choice(ids)
            if k % 2:
                await fresh[CARDS].update_one({"_id": old}, {"$inc": {"edits": 1}})
                increments[old] = increments.get(old, 0) + 1
            else:
                name = f"edited {k}"
                await fresh[CARDS].update_one(
                    {"_id": old}, {"$set": {"name": name}, "$unset": {"title": ""}}
                )
                renamed[old] = name
            during += 1
            await asyncio.sleep(0.002)

    seen: list[Progress] = []

    async def progress(p: Progress) -> None:
        seen.append(p)
        await asyncio.sleep(0.005)  # let the writer in between batches

    writer = asyncio.create_task(user_writes())
    try:
        report = await migrate(
            fresh, owner="test-runner", batch_size=200, on_progress=progress, **PLAN
        )
    finally:
        stop.set()
        await writer
    assert during > 10, "the user wrote while the migration ran"
    assert report.outcome is Outcome.MIGRATED
    assert (report.from_version, report.version) == (1, 2)
    step = report.versions[0].steps[0]
    assert step.description == "rename test_cards.title to name"
    assert report.versions[0].schema_changes == [f"created index {CARDS}.{NEW_INDEX}"]
    assert 20 <= len(seen) <= 26  # 5,000 documents in batches of 200
    assert [p.batches for p in seen] == list(range(1, len(seen) + 1))
    assert seen[-1].documents == step.documents

    cards = fresh[CARDS]
    assert await cards.count_documents({}) == 5000 + len(inserted)
    assert await cards.count_documents({"title": {"$exists": True}}) == 0
    assert await cards.count_documents({"name": {"$exists": True}}) == 5000 + len(inserted)
    assert await cards.count_documents({"name": {"$regex": "^card "}}) == 5000 - len(renamed)
    for card_id, name in renamed.items():  # the user's own writes were not overwritten
        assert (await cards.find_one({"_id": card_id}))["name"] == name  # type: ignore[index]
    for card_id, times in increments.items():
        assert (await cards.find_one({"_id": card_id}))["edits"] == times  # type: ignore[index]
    assert NEW_INDEX in await cards.index_information()

    state = await schema_docs(fresh)
    assert set(state) == {"schema"}  # no lease, no cursor left
    assert state["schema"]["version"] == 2
    history = state["schema"]["history"]
    assert [entry["version"] for entry in history] == [1, 2]
    assert history[1]["migration"]["steps"][0]["step"] == step.description
    assert f"created index {CARDS}.{NEW_INDEX}" in history[1]["changes"]

    again = await migrate(fresh, owner="test-runner", **PLAN)
    assert again.outcome is Outcome.UP_TO_DATE


async def test_a_dry_run_counts_what_would_change_and_writes_nothing(fresh: Db) -> None:
    await at_v1(fresh, 300)
    before = await schema_docs(fresh)
    report = await migrate(fresh, owner="planner", dry_run=True, **PLAN)
    assert report.outcome is Outcome.DRY_RUN
    assert (report.from_version, report.version) == (1, 1)
    [version] = report.versions
    assert version.version == 2
    assert [(s.description, s.documents) for s in version.steps] == [
        ("rename test_cards.title to name", 300)
    ]
    assert version.schema_changes == [f"create index {CARDS}.{NEW_INDEX}"]
    assert await schema_docs(fresh) == before
    assert await fresh[CARDS].count_documents({"title": {"$exists": True}}) == 300
    assert NEW_INDEX not in await fresh[CARDS].index_information()


async def test_a_run_that_stops_midway_leaves_v1_and_the_next_resumes_from_its_cursor(
    fresh: Db,
) -> None:
    await at_v1(fresh, 1000)

    async def crash_after_three(p: Progress) -> None:
        if p.batches == 3:
            raise RuntimeError("the runner's machine went away")

    with pytest.raises(RuntimeError, match="went away"):
        await migrate(fresh, owner="first", batch_size=100, on_progress=crash_after_three, **PLAN)
    assert await recorded_version(fresh) == 1
    cards = fresh[CARDS]
    # Still usable at v1: every document has its title or, already moved, its name.
    assert await cards.count_documents({"name": {"$exists": True}}) == 300
    assert await cards.count_documents({"title": {"$exists": True}}) == 700
    assert NEW_INDEX not in await cards.index_information()
    state = await schema_docs(fresh)
    assert "migration_lease" not in state  # released by the run that failed
    assert state["migration"]["version"] == 2
    assert state["migration"]["batches"] == 3

    batches: list[int] = []
    report = await migrate(
        fresh,
        owner="second",
        batch_size=100,
        on_progress=lambda p: batches.append(p.batches),
        **PLAN,
    )
    assert report.outcome is Outcome.MIGRATED
    step = report.versions[0].steps[0]
    assert step.resumed_after_batches == 3
    assert step.batches == 7  # not from zero
    assert batches == list(range(4, 11))
    assert step.documents == 1000
    assert await recorded_version(fresh) == 2
    assert await cards.count_documents({"title": {"$exists": True}}) == 0
    assert await cards.count_documents({"name": {"$exists": True}}) == 1000
    assert set(await schema_docs(fresh)) == {"schema"}


async def test_one_runner_at_a_time_the_other_is_told_busy(fresh: Db) -> None:
    await at_v1(fresh, 2000)
    first, second = await asyncio.gather(
        migrate(fresh, owner="runner-a", batch_size=100, **PLAN),
        migrate(fresh, owner="runner-b", batch_size=100, **PLAN),
    )
    outcomes = sorted([first.outcome, second.outcome])
    assert outcomes == [Outcome.BUSY, Outcome.MIGRATED]
    busy = first if first.outcome is Outcome.BUSY else second
    ran = second if busy is first else first
    assert busy.lease_owner == ("runner-a" if busy is second else "runner-b")
    assert busy.version == 1
    assert ran.version == 2
    assert await recorded_version(fresh) == 2


async def test_a_live_lease_is_respected_and_an_expired_one_taken_over(fresh: Db) -> None:
    await at_v1(fresh, 50)
    leases = fresh[SCHEMA_COLLECTION]
    await leases.insert_one(
        {
            "_id": "migration_lease",
            "owner": "elsewhere",
            "expires_at": datetime.now(UTC) + timedelta(minutes=5),
        }
    )
    busy = await migrate(fresh, owner="here", **PLAN)
    assert busy.outcome is Outcome.BUSY
    assert busy.lease_owner == "elsewhere"
    assert await fresh[CARDS].count_documents({"title": {"$exists": True}}) == 50

    await leases.update_one(
        {"_id": "migration_lease"},
        {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    done = await migrate(fresh, owner="here", **PLAN)
    assert done.outcome is Outcome.MIGRATED
    assert await recorded_version(fresh) == 2


async def test_a_database_at_a_newer_version_is_refused_untouched(fresh: Db) -> None:
    await at_v1(fresh, 10)
    await fresh[SCHEMA_COLLECTION].update_one({"_id": "schema"}, {"$set": {"version": 3}})
    with pytest.raises(SchemaTooNewError):
        await migrate(fresh, owner="old-code", **PLAN)
    with pytest.raises(SchemaTooNewError):
        await migrate(fresh, owner="old-code", dry_run=True, **PLAN)
    assert await fresh[CARDS].count_documents({"title": {"$exists": True}}) == 10
    assert set(await schema_docs(fresh)) == {"schema"}


async def test_a_run_goes_through_each_pending_version_in_turn(fresh: Db) -> None:
    """v2 then v3 (a backfill through the generic step) in one run, each recorded."""
    await at_v1(fresh, 250)
    v3 = Migration(
        3,
        "cards have a kind",
        (
            RewriteDocuments(
                CARDS, {"kind": {"$exists": False}}, {"$set": {"kind": "card"}}, "backfill kind"
            ),
        ),
    )
    report = await migrate(
        fresh,
        owner="both",
        target=3,
        migrations=(V2, v3),
        schemas=[TEST_SCHEMA],
        batch_size=100,
    )
    assert [v.version for v in report.versions] == [2, 3]
    assert [s.documents for v in report.versions for s in v.steps] == [250, 250]
    assert await fresh[CARDS].count_documents({"kind": "card", "name": {"$exists": True}}) == 250
    state = await schema_docs(fresh)
    assert [entry["version"] for entry in state["schema"]["history"]] == [1, 2, 3]
