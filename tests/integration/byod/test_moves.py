"""Moving a user's content between the hosted databases (on the main MongoDB) and a database
of their own (the packaged server started a second time), in both directions.

Users A and B both have content in three services' hosted databases, beside a shared built-in
advisor (``user_id`` null) that belongs to no one; only A moves.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from muninn_byod.moves.copier import fingerprint
from muninn_byod.moves.models import MoveDirection, MoveProgress
from muninn_byod.moves.mover import (
    delete_user,
    hosted_collections,
    move_user,
    own_collections,
    reconcile_user,
    verify,
)
from muninn_devstack.servers import running_mongo
from muninn_shared.content_schema import SCHEMAS, ContentService, deploy
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.integration.infra import Infra

A = "user-a"
B = "user-b"
MESSAGES_PER_USER = 260
START = datetime(2026, 11, 1, tzinfo=UTC)

Hosted = dict[ContentService, AsyncDatabase[dict[str, Any]]]


@pytest.fixture(scope="module")
def own_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_mongo(tmp_path_factory.mktemp("own-mongo")) as uri:
        yield uri


@pytest.fixture(scope="module")
async def clients(
    infra: Infra, own_uri: str
) -> AsyncIterator[tuple[AsyncMongoClient[dict[str, Any]], AsyncMongoClient[dict[str, Any]]]]:
    main = create_mongo_client(infra.mongo_uri)
    own = create_mongo_client(own_uri)
    yield main, own
    await main.close()
    await own.close()


@dataclass
class World:
    hosted: Hosted
    own: AsyncDatabase[dict[str, Any]]

    def messages(self) -> Any:
        return self.hosted[ContentService.CONVERSATION]["messages"]

    def own_messages(self) -> Any:
        return self.own["messages"]


@pytest.fixture
async def world(
    clients: tuple[AsyncMongoClient[dict[str, Any]], AsyncMongoClient[dict[str, Any]]],
) -> World:
    """Fresh hosted databases seeded for A and B, and a provisioned, empty own database."""
    main, own_client = clients
    unique = uuid.uuid4().hex[:8]
    hosted: Hosted = {s: main[f"muninn_move_{unique}_{s.value}"] for s in ContentService}
    for service, database in hosted.items():
        await deploy(database, schemas=[SCHEMAS[service].as_on_main()])
    own = own_client[f"own_{unique}"]
    await deploy(own)
    for user in (A, B):
        await seed(hosted, user)
    # A built-in advisor every user sees, and an undelivered event about A (bookkeeping).
    conversation = hosted[ContentService.CONVERSATION]
    await conversation["advisors"].insert_one(
        {"_id": "builtin-coach", "user_id": None, "name": "Coach", **stamps(0)}
    )
    await conversation["outbox"].insert_one(
        {
            "_id": "evt-1",
            "event_id": "evt-1",
            "topic": "conversation.message.completed",
            "user_id": A,
            "envelope": {},
            "created_at": START,
        }
    )
    return World(hosted, own)


def stamps(minutes: int) -> dict[str, datetime]:
    at = START + timedelta(minutes=minutes)
    return {"created_at": at, "updated_at": at}


def message(user: str, n: int, conversation_id: str) -> dict[str, Any]:
    return {
        "_id": f"{user}-m{n:05d}",
        "conversation_id": conversation_id,
        "user_id": user,
        "author_id": user if n % 2 == 0 else None,
        "role": "user" if n % 2 == 0 else "assistant",
        "content": f"message {n} of {user}: " + "lorem ipsum " * (n % 7),
        "status": "complete",
        "parent_id": f"{user}-m{n - 1:05d}" if n else None,
        "branch_index": 0,
        "metadata": {"input_method": "text", "tokens": {"in": n, "out": 2 * n}},
        "tool_calls": [],
        "attachments": [],
        "is_edited": False,
        "is_deleted": False,
        **stamps(n),
    }


async def seed(hosted: Hosted, user: str) -> None:
    conversation = hosted[ContentService.CONVERSATION]
    memory = hosted[ContentService.MEMORY]
    scheduler = hosted[ContentService.SCHEDULER]
    conversation_id = f"{user}-c1"
    await conversation["conversations"].insert_one(
        {"_id": conversation_id, "user_id": user, "title": "Plans", **stamps(0)}
    )
    await conversation["messages"].insert_many(
        [message(user, n, conversation_id) for n in range(MESSAGES_PER_USER)]
    )
    await conversation["tags"].insert_many(
        [
            {"_id": f"{user}-t{n}", "user_id": user, "name": name, **stamps(n)}
            for n, name in enumerate(("work", "family"))
        ]
    )
    await conversation["advisors"].insert_one(
        {"_id": f"{user}-adv", "user_id": user, "name": "My editor", **stamps(1)}
    )
    await conversation["usage_limits"].insert_one(
        {"_id": user, "user_id": user, "monthly_cost_cap": 12.5, **stamps(2)}
    )
    await memory["memories"].insert_many(
        [
            {
                "_id": f"{user}-mem{n}",
                "user_id": user,
                "content": f"{user} likes fact {n}",
                "status": "active",
                "lineage_id": f"{user}-mem{n}",
                "importance": n % 10,
                "provenance": {"source": "conversation", "message_ids": [f"{user}-m{n:05d}"]},
                **stamps(n),
            }
            for n in range(40)
        ]
    )
    await scheduler["reminders"].insert_many(
        [
            {"_id": f"{user}-r{n}", "user_id": user, "text": f"call {n}", "status": "pending"}
            | stamps(n)
            for n in range(5)
        ]
    )


async def slice_of(collection: Any, query: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(await collection.find(dict(query)).sort("_id", 1).to_list())


SEEDED = {
    "conversations": 1,
    "messages": MESSAGES_PER_USER,
    "tags": 2,
    "advisors": 1,
    "usage_limits": 1,
    "memories": 40,
    "reminders": 5,
}


async def assert_verified(world: World, direction: MoveDirection) -> None:
    """Every content collection equal on both sides, the seeded ones holding what was seeded."""
    checks = await verify(world.hosted, world.own, A, direction=direction)
    assert [c.collection for c in checks if not c.equal] == []
    assert {c.collection: c.target.count for c in checks if c.target.count} == SEEDED


async def test_a_user_moves_to_their_own_database_and_no_one_else_does(world: World) -> None:
    recorded: list[MoveProgress] = []

    async def record(progress: MoveProgress) -> None:
        recorded.append(progress)

    finished = await move_user(
        world.hosted,
        world.own,
        A,
        direction=MoveDirection.TO_OWN,
        batch_size=100,
        on_progress=record,
    )

    assert all(p.done for p in finished)
    copied = {p.collection: p.copied for p in finished if p.copied}
    assert copied == SEEDED
    # Messages went in three batches, each recorded with its cursor, then once as done.
    messages = [p for p in recorded if p.collection == "messages"]
    assert [(p.copied, p.cursor, p.done) for p in messages] == [
        (100, "user-a-m00099", False),
        (200, "user-a-m00199", False),
        (MESSAGES_PER_USER, f"user-a-m{MESSAGES_PER_USER - 1:05d}", False),
        (MESSAGES_PER_USER, f"user-a-m{MESSAGES_PER_USER - 1:05d}", True),
    ]
    checks = {
        c.collection: c
        for c in await verify(world.hosted, world.own, A, direction=MoveDirection.TO_OWN)
    }
    assert all(c.equal for c in checks.values())
    for name, count in SEEDED.items():
        assert checks[name].target.count == count
    assert checks["messages"].target.checksum != checks["memories"].target.checksum
    # The documents themselves, field for field and of the same types.
    hosted_messages = await slice_of(world.messages(), {"user_id": A})
    assert await slice_of(world.own_messages(), {}) == hosted_messages
    assert await world.own["usage_limits"].find_one({"_id": A}) == await world.hosted[
        ContentService.CONVERSATION
    ]["usage_limits"].find_one({"_id": A})
    # B stays hosted, the shared advisor stays on main, the bookkeeping is not content.
    for own_collection in own_collections(world.own):
        assert await own_collection.collection.count_documents({"user_id": {"$ne": A}}) == 0
    assert await world.own["usage_limits"].count_documents({}) == 1
    assert await world.own["advisors"].find_one({"_id": "builtin-coach"}) is None
    assert await world.own["conversation_outbox"].count_documents({}) == 0
    # One field of one document changed on one side: the same count, another checksum.
    await world.own_messages().update_one({"_id": f"{A}-m00007"}, {"$set": {"is_edited": True}})
    tampered = {
        c.collection: c
        for c in await verify(world.hosted, world.own, A, direction=MoveDirection.TO_OWN)
    }
    assert tampered["messages"].source.count == tampered["messages"].target.count
    assert not tampered["messages"].equal
    assert [n for n, c in tampered.items() if not c.equal] == ["messages"]


async def test_writes_made_during_the_copy_are_caught_up(world: World) -> None:
    stop = asyncio.Event()
    written = {"inserted": 0, "updated": 0, "deleted": 0}

    async def keep_writing() -> None:
        source = world.messages()
        n = MESSAGES_PER_USER
        while not stop.is_set():
            # A reply arrives, an earlier message is edited, another is deleted.
            await source.insert_one(message(A, n, f"{A}-c1"))
            await source.update_one(
                {"_id": f"{A}-m{(n * 7) % MESSAGES_PER_USER:05d}"},
                {"$set": {"content": f"edited at {n}", "is_edited": True}},
            )
            deleted = await source.delete_one({"_id": f"{A}-m{(n * 13) % MESSAGES_PER_USER:05d}"})
            written["inserted"] += 1
            written["updated"] += 1
            written["deleted"] += deleted.deleted_count
            n += 1
            await asyncio.sleep(0.005)

    async def let_writes_through(progress: MoveProgress) -> None:
        await asyncio.sleep(0.02)

    writer = asyncio.create_task(keep_writing())
    await move_user(
        world.hosted,
        world.own,
        A,
        direction=MoveDirection.TO_OWN,
        batch_size=20,
        on_progress=let_writes_through,
    )
    stop.set()
    await writer
    assert written["inserted"] >= 10
    assert written["deleted"] >= 5
    # And after the copy finished: one of each, which the copy cannot have seen.
    await world.messages().insert_one(message(A, 99_999, f"{A}-c1"))
    await world.messages().update_one({"_id": f"{A}-m00001"}, {"$set": {"content": "late"}})
    await world.messages().delete_one({"_id": f"{A}-m00002"})
    before = {
        c.collection: c
        for c in await verify(world.hosted, world.own, A, direction=MoveDirection.TO_OWN)
    }
    assert not before["messages"].equal

    reports = await reconcile_user(
        world.hosted, world.own, A, direction=MoveDirection.TO_OWN, batch_size=50
    )

    assert reports["messages"].upserted >= 2
    assert reports["messages"].deleted >= 1
    assert all(r.upserted == r.deleted == 0 for name, r in reports.items() if name != "messages")
    await assert_verified_after_changes(world)
    again = await reconcile_user(world.hosted, world.own, A, direction=MoveDirection.TO_OWN)
    assert all(r.upserted == r.deleted == 0 for r in again.values())


async def assert_verified_after_changes(world: World) -> None:
    checks = await verify(world.hosted, world.own, A, direction=MoveDirection.TO_OWN)
    assert [c.collection for c in checks if not c.equal] == []
    hosted_messages = await slice_of(world.messages(), {"user_id": A})
    assert await slice_of(world.own_messages(), {}) == hosted_messages
    assert "late" in {m["content"] for m in hosted_messages}
    assert any(m.get("is_edited") for m in hosted_messages)
    assert await world.own_messages().find_one({"_id": f"{A}-m00002"}) is None
    assert await world.own_messages().find_one({"_id": f"{A}-m99999"}) is not None


class CrashedError(Exception):
    """The move's process dying between two batches."""


async def test_an_interrupted_move_resumes_where_it_stopped(world: World) -> None:
    saved: dict[str, dict[str, Any]] = {}
    batches = 0

    async def persist_then_crash(progress: MoveProgress) -> None:
        nonlocal batches
        # Kept as a store would keep it: serialised, read back later.
        saved[progress.collection] = progress.model_dump()
        if progress.collection == "messages" and not progress.done:
            batches += 1
            if batches == 3:
                raise CrashedError

    with pytest.raises(CrashedError):
        await move_user(
            world.hosted,
            world.own,
            A,
            direction=MoveDirection.TO_OWN,
            batch_size=40,
            on_progress=persist_then_crash,
        )
    assert saved["messages"]["copied"] == 120
    assert saved["messages"]["cursor"] == "user-a-m00119"
    assert await world.own_messages().count_documents({}) == 120
    done_before = {name for name, p in saved.items() if p["done"]}
    assert "conversations" in done_before
    assert "memories" not in done_before

    resumed_batches: list[MoveProgress] = []

    async def record(progress: MoveProgress) -> None:
        resumed_batches.append(progress)

    finished = await move_user(
        world.hosted,
        world.own,
        A,
        direction=MoveDirection.TO_OWN,
        batch_size=40,
        resume={name: MoveProgress.model_validate(p) for name, p in saved.items()},
        on_progress=record,
    )

    progress = {p.collection: p for p in finished}
    assert progress["messages"].copied == MESSAGES_PER_USER
    # The resumed run started after the cursor: its first batch ends 40 documents later.
    first = next(p for p in resumed_batches if p.collection == "messages")
    assert (first.copied, first.cursor) == (160, "user-a-m00159")
    assert not {p.collection for p in resumed_batches} & done_before
    assert await world.own_messages().count_documents({}) == MESSAGES_PER_USER
    await assert_verified(world, MoveDirection.TO_OWN)


async def test_a_repeated_move_replaces_what_the_target_holds(world: World) -> None:
    await move_user(world.hosted, world.own, A, direction=MoveDirection.TO_OWN, batch_size=100)
    await world.messages().update_one({"_id": f"{A}-m00150"}, {"$set": {"content": "newer"}})
    limits = world.hosted[ContentService.CONVERSATION]["usage_limits"]
    await limits.update_one({"_id": A}, {"$set": {"monthly_cost_cap": 20.0}})

    # From the start again, as after progress lost: every document is already there.
    finished = await move_user(
        world.hosted, world.own, A, direction=MoveDirection.TO_OWN, batch_size=100
    )

    assert {p.collection: p.copied for p in finished if p.copied} == SEEDED
    await assert_verified(world, MoveDirection.TO_OWN)
    replaced = await world.own_messages().find_one({"_id": f"{A}-m00150"})
    assert replaced is not None
    assert replaced["content"] == "newer"


async def test_a_user_moves_back_to_the_hosted_databases(world: World) -> None:
    await move_user(world.hosted, world.own, A, direction=MoveDirection.TO_OWN)
    b_before = await fingerprint(world.messages(), {"user_id": B})
    # The grace period passes: the hosted copy of A goes, B's and the shared rows stay.
    deleted = await delete_user(hosted_collections(world.hosted), A, batch_size=100)
    assert {k: v for k, v in deleted.items() if v} == SEEDED
    # A writes to their own database meanwhile.
    await world.own_messages().insert_one(message(A, 5000, f"{A}-c1"))
    await world.own["memories"].update_one({"_id": f"{A}-mem3"}, {"$set": {"status": "deleted"}})

    await move_user(world.hosted, world.own, A, direction=MoveDirection.TO_HOSTED, batch_size=64)

    checks = await verify(world.hosted, world.own, A, direction=MoveDirection.TO_HOSTED)
    assert [c.collection for c in checks if not c.equal] == []
    assert next(c for c in checks if c.collection == "messages").target.count == (
        MESSAGES_PER_USER + 1
    )
    assert await slice_of(world.messages(), {"user_id": A}) == await slice_of(
        world.own_messages(), {}
    )
    memory = await world.hosted[ContentService.MEMORY]["memories"].find_one({"_id": f"{A}-mem3"})
    assert memory is not None
    assert memory["status"] == "deleted"
    assert await fingerprint(world.messages(), {"user_id": B}) == b_before
    shared = world.hosted[ContentService.CONVERSATION]["advisors"]
    assert await shared.find_one({"_id": "builtin-coach"}) is not None


async def test_an_older_hosted_copy_is_brought_level_by_reconciling(world: World) -> None:
    """Moving back within the grace period: the hosted copy is there, but out of date."""
    await move_user(world.hosted, world.own, A, direction=MoveDirection.TO_OWN)
    tags = world.own["tags"]
    # On their own database A deleted the tag "work" and made a new one of that name: the
    # hosted copy's old "work" holds the unique (user_id, name) key the new one needs.
    await tags.delete_one({"_id": f"{A}-t0"})
    await tags.insert_one({"_id": f"{A}-t9", "user_id": A, "name": "work", **stamps(9)})
    await world.own_messages().delete_many({"_id": {"$gte": f"{A}-m00200"}})

    reports = await reconcile_user(world.hosted, world.own, A, direction=MoveDirection.TO_HOSTED)

    assert (reports["tags"].upserted, reports["tags"].deleted) == (1, 1)
    assert reports["messages"].deleted == MESSAGES_PER_USER - 200
    checks = await verify(world.hosted, world.own, A, direction=MoveDirection.TO_HOSTED)
    assert [c.collection for c in checks if not c.equal] == []
    hosted_tags = world.hosted[ContentService.CONVERSATION]["tags"]
    assert {t["_id"] for t in await hosted_tags.find({"user_id": A}).to_list()} == {
        f"{A}-t1",
        f"{A}-t9",
    }


async def test_deleting_a_user_removes_only_their_slice(world: World) -> None:
    await move_user(world.hosted, world.own, A, direction=MoveDirection.TO_OWN)
    b_messages = await fingerprint(world.messages(), {"user_id": B})

    from_own = await delete_user(own_collections(world.own), A, batch_size=50)
    from_hosted = await delete_user(hosted_collections(world.hosted), A, batch_size=50)

    assert {k: v for k, v in from_own.items() if v} == SEEDED
    assert {k: v for k, v in from_hosted.items() if v} == SEEDED
    for side in (own_collections(world.own), hosted_collections(world.hosted)):
        for found in side:
            query = {"_id": A} if found.spec.name == "usage_limits" else {"user_id": A}
            assert await found.collection.count_documents(query) == 0, found.spec.name
    assert await fingerprint(world.messages(), {"user_id": B}) == b_messages
    conversation = world.hosted[ContentService.CONVERSATION]
    assert await conversation["usage_limits"].find_one({"_id": B}) is not None
    assert await conversation["advisors"].find_one({"_id": "builtin-coach"}) is not None
    assert await conversation["outbox"].find_one({"_id": "evt-1"}) is not None
    for name, count in SEEDED.items():
        spec_db = next(
            f.collection for f in hosted_collections(world.hosted) if f.spec.name == name
        )
        query = {"_id": B} if name == "usage_limits" else {"user_id": B}
        assert await spec_db.count_documents(query) == count
