"""Content-schema migrations against a real MongoDB-protocol server (secantusdb).

The tests declare the version after the package's own (``NEXT``): a collection of their own,
``test_cards``, whose documents at the package's version (``BASE``) carry ``title``; ``NEXT``
renames it ``name`` (a :class:`RenameField` step) and adds an index on ``(user_id, name)``
(``since=NEXT``). A test collection rather than a real one keeps the package's specs as they
are, while deploy, the runner and byod's pass run exactly as they will for a real next version.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId
from fastapi import FastAPI
from muninn_byod.main import create_app
from muninn_byod.migrations.models import MigrationPlan
from muninn_byod.settings import ByodSettings
from muninn_devstack.servers import running_mongo
from muninn_shared.content_schema import (
    SCHEMA_COLLECTION,
    SCHEMA_VERSION,
    SCHEMAS,
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
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import me, serving

BASE = SCHEMA_VERSION
NEXT = BASE + 1
CARDS = "test_cards"
NEW_INDEX = "user_id_1_name_1"
TEST_SCHEMA = ServiceSchema(
    ContentService.CONVERSATION,
    collections=(
        collection(
            ContentService.CONVERSATION,
            CARDS,
            "A test's cards: the package's version names them by title, the next by name.",
            index("user_id"),
            index([("user_id", 1), ("name", 1)], since=NEXT),
        ),
    ),
)
NEXT_MIGRATION = Migration(
    NEXT, "cards are named by name, not title", (RenameField(CARDS, "title", "name"),)
)
PLAN: dict[str, Any] = {"target": NEXT, "migrations": (NEXT_MIGRATION,), "schemas": [TEST_SCHEMA]}

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


async def at_base(db: Db, cards: int) -> list[ObjectId]:
    """The test collection deployed at the package's version with ``cards`` documents written
    its way (a title)."""
    await deploy(db, target=BASE, schemas=[TEST_SCHEMA], latest=NEXT)
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
    ids = await at_base(fresh, 5000)
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
    assert (report.from_version, report.version) == (BASE, NEXT)
    step = report.versions[0].steps[0]
    assert step.description == "rename test_cards.title to name"
    assert report.versions[0].schema_changes == [f"created index {CARDS}.{NEW_INDEX}"]
    # 5,000 documents in batches of 200, less those the user renamed before the runner came.
    assert -(-step.documents // 200) <= len(seen) <= 25
    assert step.documents >= 5000 - len(renamed)
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
    assert state["schema"]["version"] == NEXT
    history = state["schema"]["history"]
    assert [entry["version"] for entry in history] == [BASE, NEXT]
    assert history[1]["migration"]["steps"][0]["step"] == step.description
    assert f"created index {CARDS}.{NEW_INDEX}" in history[1]["changes"]

    again = await migrate(fresh, owner="test-runner", **PLAN)
    assert again.outcome is Outcome.UP_TO_DATE


async def test_a_dry_run_counts_what_would_change_and_writes_nothing(fresh: Db) -> None:
    await at_base(fresh, 300)
    before = await schema_docs(fresh)
    report = await migrate(fresh, owner="planner", dry_run=True, **PLAN)
    assert report.outcome is Outcome.DRY_RUN
    assert (report.from_version, report.version) == (BASE, BASE)
    [version] = report.versions
    assert version.version == NEXT
    assert [(s.description, s.documents) for s in version.steps] == [
        ("rename test_cards.title to name", 300)
    ]
    assert version.schema_changes == [f"create index {CARDS}.{NEW_INDEX}"]
    assert await schema_docs(fresh) == before
    assert await fresh[CARDS].count_documents({"title": {"$exists": True}}) == 300
    assert NEW_INDEX not in await fresh[CARDS].index_information()


async def test_a_run_that_stops_midway_leaves_the_base_version_and_the_next_resumes_from_its_cursor(
    fresh: Db,
) -> None:
    await at_base(fresh, 1000)

    async def crash_after_three(p: Progress) -> None:
        if p.batches == 3:
            raise RuntimeError("the runner's machine went away")

    with pytest.raises(RuntimeError, match="went away"):
        await migrate(fresh, owner="first", batch_size=100, on_progress=crash_after_three, **PLAN)
    assert await recorded_version(fresh) == BASE
    cards = fresh[CARDS]
    # Still usable at the base version: every document has its title or, already moved, its name.
    assert await cards.count_documents({"name": {"$exists": True}}) == 300
    assert await cards.count_documents({"title": {"$exists": True}}) == 700
    assert NEW_INDEX not in await cards.index_information()
    state = await schema_docs(fresh)
    assert "migration_lease" not in state  # released by the run that failed
    assert state["migration"]["version"] == NEXT
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
    assert await recorded_version(fresh) == NEXT
    assert await cards.count_documents({"title": {"$exists": True}}) == 0
    assert await cards.count_documents({"name": {"$exists": True}}) == 1000
    assert set(await schema_docs(fresh)) == {"schema"}


async def test_one_runner_at_a_time_the_other_is_told_busy(fresh: Db) -> None:
    await at_base(fresh, 2000)
    first, second = await asyncio.gather(
        migrate(fresh, owner="runner-a", batch_size=100, **PLAN),
        migrate(fresh, owner="runner-b", batch_size=100, **PLAN),
    )
    outcomes = sorted([first.outcome, second.outcome])
    assert outcomes == [Outcome.BUSY, Outcome.MIGRATED]
    busy = first if first.outcome is Outcome.BUSY else second
    ran = second if busy is first else first
    assert busy.lease_owner == ("runner-a" if busy is second else "runner-b")
    assert busy.version == BASE
    assert ran.version == NEXT
    assert await recorded_version(fresh) == NEXT


async def test_a_live_lease_is_respected_and_an_expired_one_taken_over(fresh: Db) -> None:
    await at_base(fresh, 50)
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
    assert await recorded_version(fresh) == NEXT


async def test_a_database_at_a_newer_version_is_refused_untouched(fresh: Db) -> None:
    await at_base(fresh, 10)
    await fresh[SCHEMA_COLLECTION].update_one({"_id": "schema"}, {"$set": {"version": NEXT + 1}})
    with pytest.raises(SchemaTooNewError):
        await migrate(fresh, owner="old-code", **PLAN)
    with pytest.raises(SchemaTooNewError):
        await migrate(fresh, owner="old-code", dry_run=True, **PLAN)
    assert await fresh[CARDS].count_documents({"title": {"$exists": True}}) == 10
    assert set(await schema_docs(fresh)) == {"schema"}


async def test_a_run_goes_through_each_pending_version_in_turn(fresh: Db) -> None:
    """the test's next version, then one more (a backfill through the generic step) in one run, each recorded."""
    await at_base(fresh, 250)
    after = Migration(
        NEXT + 1,
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
        target=NEXT + 1,
        migrations=(NEXT_MIGRATION, after),
        schemas=[TEST_SCHEMA],
        batch_size=100,
    )
    assert [v.version for v in report.versions] == [NEXT, NEXT + 1]
    assert [s.documents for v in report.versions for s in v.steps] == [250, 250]
    assert await fresh[CARDS].count_documents({"kind": "card", "name": {"$exists": True}}) == 250
    state = await schema_docs(fresh)
    assert [entry["version"] for entry in state["schema"]["history"]] == [BASE, NEXT, NEXT + 1]


# byod's background pass, with the test's next version as the version every store is taken to: the
# package's collections (at its version throughout) and the test collection.
BYOD_PLAN = MigrationPlan(
    target=NEXT, migrations=(NEXT_MIGRATION,), schemas=(*SCHEMAS.values(), TEST_SCHEMA)
)
STORES = "/v1/byod/stores"


@dataclass
class Byod:
    http: httpx.AsyncClient
    app: FastAPI
    db: Db


@pytest.fixture(scope="module")
async def byod(infra: Infra) -> AsyncIterator[Byod]:
    unique = uuid.uuid4().hex[:10]
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings = ByodSettings(
        **infra.service_fields(unique),
        log_level="WARNING",
        encryption_keys=f"t1:{key}",
        outbound_allow_cidrs=["127.0.0.0/8"],
        outbound_require_https=False,
        byod_check_timeout_seconds=3,
        # No background pass at all, not even the first one after start-up: a pass that
        # claimed a store while a test drove its own found nothing left to do (a CI failure).
        byod_background_start_delay_seconds=3600,
        byod_health_interval_seconds=3600,
        # The tests run each pass themselves.
        byod_provision_interval_seconds=3600,
        byod_migration_interval_seconds=3600,
        # Nor may a move start a provisioning store's copy while a test looks at its status.
        byod_move_interval_seconds=3600,
        byod_migration_concurrency=1,
        byod_migration_documents_per_batch=25,
    )
    app = create_app(settings, migration_plan=BYOD_PLAN)
    client = create_mongo_client(infra.mongo_uri)
    try:
        async with serving(app) as http:
            yield Byod(http, app, client[settings.mongo_database])
    finally:
        await client.close()


async def registered_at_base(
    byod: Byod, server_uri: str, cards: int, status: str
) -> tuple[str, dict[str, str], Db, AsyncMongoClient[dict[str, Any]]]:
    """A user's store registered, provisioned (the package at its version), set to ``status``,
    and ``cards`` documents of the base version in the test collection."""
    user_id = "u-" + uuid.uuid4().hex[:12]
    who = me(user_id)
    database = "byodmig_" + uuid.uuid4().hex[:8]
    uri = server_uri.replace("/?", f"/{database}?")
    created = await byod.http.post(STORES, json={"mongo_uri": uri}, headers=who)
    assert created.status_code == 201, created.text
    assert await byod.app.state.services.stores.provision_due() >= 1
    await byod.db["stores"].update_one({"user_id": user_id}, {"$set": {"status": status}})
    own: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server_uri)
    await own[database][CARDS].insert_many(
        [{"user_id": user_id, "title": f"card {n}"} for n in range(cards)]
    )
    shown = (await byod.http.get(f"{STORES}/current", headers=who)).json()
    assert shown["schema_version"] == BASE
    assert shown["migration"] is None
    return user_id, who, own[database], own


async def test_the_background_pass_migrates_registered_stores_one_at_a_time(
    byod: Byod, server_uri: str
) -> None:
    ana, ana_who, ana_db, ana_own = await registered_at_base(byod, server_uri, 1500, "active")
    bo, bo_who, bo_db, bo_own = await registered_at_base(byod, server_uri, 1500, "provisioning")
    try:
        stop = asyncio.Event()
        most_at_once = 0
        seen_migrating: set[str] = set()
        shown_running: list[dict[str, Any]] = []

        async def watch() -> None:
            nonlocal most_at_once
            while not stop.is_set():
                migrating = [
                    doc["user_id"]
                    async for doc in byod.db["stores"].find(
                        {"user_id": {"$in": [ana, bo]}, "status": "migrating"}
                    )
                ]
                most_at_once = max(most_at_once, len(migrating))
                seen_migrating.update(migrating)
                if ana in migrating and not shown_running:
                    shown = (await byod.http.get(f"{STORES}/current", headers=ana_who)).json()
                    if shown["status"] == "migrating" and shown["migration"]["batches"] > 0:
                        shown_running.append(shown)
                await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch())
        try:
            assert await byod.app.state.services.migrations.migrate_due() == 2
        finally:
            stop.set()
            await watcher

        assert seen_migrating == {ana, bo}
        assert most_at_once == 1  # concurrency 1: one store at a time
        [running] = shown_running
        assert running["migration"]["state"] == "running"
        assert running["migration"]["from_version"] == BASE
        assert running["migration"]["to_version"] == NEXT
        assert running["migration"]["version"] == NEXT
        assert running["migration"]["step"] == "rename test_cards.title to name"
        assert running["migration"]["documents_done"] > 0

        for who, status, db in ((ana_who, "active", ana_db), (bo_who, "provisioning", bo_db)):
            shown = (await byod.http.get(f"{STORES}/current", headers=who)).json()
            assert shown["status"] == status  # back to what it was
            assert shown["schema_version"] == NEXT
            assert shown["error"] is None
            assert shown["migration"]["state"] == "done"
            assert shown["migration"]["documents_done"] == 1500
            assert shown["migration"]["finished_at"] is not None
            assert any(f"migrated from version {BASE} to {NEXT}" in note for note in shown["notes"])
            assert await recorded_version(db) == NEXT
            assert await db[CARDS].count_documents({"title": {"$exists": True}}) == 0
            assert await db[CARDS].count_documents({"name": {"$exists": True}}) == 1500
            assert NEW_INDEX in await db[CARDS].index_information()
        # Both at the target: the next pass finds nothing.
        assert await byod.app.state.services.migrations.migrate_due() == 0
    finally:
        await ana_own.close()
        await bo_own.close()


async def test_a_failed_migration_is_recorded_backed_off_and_resumed(
    byod: Byod, server_uri: str
) -> None:
    user_id, who, db, own = await registered_at_base(byod, server_uri, 200, "active")
    migrations = byod.app.state.services.migrations
    try:
        # Its owner may see what the migration would change (a dry run: nothing written).
        plan = await byod.http.get(f"{STORES}/current/migration", headers=who)
        assert plan.status_code == 200, plan.text
        assert plan.json() == {
            "schema_version": BASE,
            "target": NEXT,
            "versions": [
                {
                    "version": NEXT,
                    "description": NEXT_MIGRATION.description,
                    "steps": [
                        {
                            "description": "rename test_cards.title to name",
                            "collection": CARDS,
                            "documents": 200,
                        }
                    ],
                    "schema_changes": [f"create index {CARDS}.{NEW_INDEX}"],
                }
            ],
        }
        assert set(await schema_docs(db)) == {"schema"}
        assert await db[CARDS].count_documents({"title": {"$exists": True}}) == 200
        stranger = me("u-" + uuid.uuid4().hex[:12])
        nobody = await byod.http.get(f"{STORES}/current/migration", headers=stranger)
        assert nobody.status_code == 404

        # The user's own index under v2's name, on other keys: deploy refuses to touch it.
        await db[CARDS].create_index([("title", 1)], name=NEW_INDEX)
        assert await migrations.migrate_due() == 1
        failed = (await byod.http.get(f"{STORES}/current", headers=who)).json()
        assert failed["status"] == "active"
        assert failed["schema_version"] == BASE
        assert failed["error"]["code"] == "schema-index-conflict"
        assert failed["migration"]["state"] == "failed"
        assert failed["migration"]["attempts"] == 1
        assert datetime.fromisoformat(failed["migration"]["next_attempt_at"]) > datetime.now(UTC)
        # The steps ran; the version did not move: the database is at the base version, usable.
        assert await recorded_version(db) == BASE
        assert await db[CARDS].count_documents({"name": {"$exists": True}}) == 200
        # Not due yet: the next pass leaves it alone.
        assert await migrations.migrate_due() == 0

        # Set right by its owner; meanwhile a replica claimed it and died (its lease ran out).
        await db[CARDS].drop_index(NEW_INDEX)
        await byod.db["stores"].update_one(
            {"user_id": user_id},
            {
                "$set": {
                    "status": "migrating",
                    "migration_prior_status": "active",
                    "migration_claim": "dead-replica",
                    "migration_lease_until": datetime.now(UTC) - timedelta(seconds=1),
                }
            },
        )
        assert await migrations.migrate_due() == 1
        fixed = (await byod.http.get(f"{STORES}/current", headers=who)).json()
        assert fixed["status"] == "active"
        assert fixed["schema_version"] == NEXT
        assert fixed["error"] is None
        assert fixed["migration"]["state"] == "done"
        assert fixed["migration"]["attempts"] == 0
        assert await recorded_version(db) == NEXT
        assert NEW_INDEX in await db[CARDS].index_information()
    finally:
        await own.close()
