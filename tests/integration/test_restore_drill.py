"""The restore drill (deploy/README.md, "Backups and restore"), end to end.

A running stack gets two users' content (a conversation with messages, memories, a
reminder, a note); ``muninn_ops`` dumps it; the stack and its MongoDB server stop. A fresh
MongoDB server (new process, new data directory) receives the restore, and a fresh stack on
it (new embedded Qdrant directory: no vector survives) serves every user's content through
the gateway — memory searches included, their vectors rebuilt from MongoDB — and none of the
other user's. Kafka is shared by both stacks: it holds nothing the restore needs.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from muninn_devstack.servers import free_port, mongo_uri, start_kafka, start_mongo
from muninn_devstack.topology import PACE_EMPTY_FETCHES_ENV
from muninn_ops.backup import restore
from muninn_ops.mongo_dump import dump_databases
from pymongo import AsyncMongoClient

from tests.integration.e2e import REQUEST_TIMEOUT, User, register, seconds_until_searchable
from tests.integration.infra import Infra
from tests.integration.suite import Suite, build_suite

pytestmark = pytest.mark.integration

KEY_FILE = "identity-event-key-encryption-key"
SEARCHABLE_WITHIN = 90.0


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("drill-kafka")
    port = free_port()
    server = start_kafka(workdir / "data", port, workdir / "kafka.log")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PACE_EMPTY_FETCHES_ENV, "true")
        try:
            yield f"127.0.0.1:{port}"
        finally:
            server.stop()


def started(suite: Suite) -> Suite:
    try:
        suite.start()
    except BaseException:
        suite.stop()
        raise
    return suite


async def create_content(client: httpx.AsyncClient, user: User, word: str) -> dict[str, str]:
    """One of everything the drill looks for afterwards; returns their ids."""
    conversation = await client.post(
        "/v1/conversations", json={"title": f"{word} plans"}, headers=user.headers
    )
    assert conversation.status_code == 201, conversation.text
    conversation_id = conversation.json()["id"]
    message = await client.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"content": f"Let us talk about {word}."},
        headers=user.headers,
    )
    assert message.status_code in (200, 201, 202), message.text
    memory = await client.post(
        "/v1/memories",
        json={"content": f"I play the {word} every Sunday.", "type": "personal_info"},
        headers=user.headers,
    )
    assert memory.status_code in (200, 201, 202), memory.text
    reminder = await client.post(
        "/v1/reminders",
        json={"title": f"Tune the {word}", "local_time": "2030-01-01T08:00:00"},
        headers=user.headers,
    )
    assert reminder.status_code == 201, reminder.text
    note = await client.post(
        "/v1/notes", json={"content": f"Strings for the {word}"}, headers=user.headers
    )
    assert note.status_code == 201, note.text
    return {
        "conversation": conversation_id,
        "reminder": reminder.json()["id"],
        "note": note.json()["id"],
    }


async def sees_own_content_only(
    client: httpx.AsyncClient, user: User, own: dict[str, str], word: str, other: dict[str, str]
) -> None:
    conversations = await client.get("/v1/conversations", headers=user.headers)
    assert conversations.status_code == 200, conversations.text
    assert [c["id"] for c in conversations.json()["items"]] == [own["conversation"]]
    messages = await client.get(
        f"/v1/conversations/{own['conversation']}/messages", headers=user.headers
    )
    assert messages.status_code == 200, messages.text
    assert f"Let us talk about {word}." in messages.text
    reminders = await client.get("/v1/reminders", headers=user.headers)
    assert reminders.status_code == 200, reminders.text
    assert [r["id"] for r in reminders.json()["items"]] == [own["reminder"]]
    note = await client.get(f"/v1/notes/{own['note']}", headers=user.headers)
    assert note.status_code == 200, note.text
    assert word in note.text
    for path in (f"/v1/conversations/{other['conversation']}", f"/v1/notes/{other['note']}"):
        assert (await client.get(path, headers=user.headers)).status_code == 404, path
    found = await seconds_until_searchable(
        client, user, f"What do I play on Sunday? {word}", word, SEARCHABLE_WITHIN
    )
    assert found is not None, f"no memory about {word} found by search after the restore"
    search = await client.post(
        "/v1/memories/search",
        json={"query": "what do I play every Sunday", "limit": 10},
        headers=user.headers,
    )
    assert search.status_code == 200, search.text
    contents = [r["memory"]["content"] for r in search.json()["results"] if r["memory"]]
    assert contents
    assert all(word in content for content in contents), contents


async def test_a_dump_restored_into_a_fresh_stack_serves_every_users_content(
    kafka: str, tmp_path: Path
) -> None:
    before_mongo_port = free_port()
    before_mongo = start_mongo(
        tmp_path / "mongo-before", before_mongo_port, tmp_path / "mongo-before.log"
    )
    before = build_suite(
        Infra(kafka, mongo_uri(before_mongo_port), "packaged"), tmp_path / "before"
    )
    try:
        started(before)
        async with httpx.AsyncClient(
            base_url=before.gateway_url, timeout=REQUEST_TIMEOUT
        ) as client:
            ana, ben = await register(client, "ana"), await register(client, "ben")
            content = {
                ana.id: await create_content(client, ana, "cello"),
                ben.id: await create_content(client, ben, "banjo"),
            }
            for user, word in ((ana, "cello"), (ben, "banjo")):
                assert await seconds_until_searchable(client, user, word, word, 60) is not None
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri(before_mongo_port))
        try:
            report = await dump_databases(
                mongo, list(before.databases.values()), tmp_path / "dump", compressed=True
            )
        finally:
            await mongo.close()
        assert report.documents(before.database("memory")) > 0
    finally:
        before.stop()
        before_mongo.stop()

    after_mongo_port = free_port()
    after_mongo = start_mongo(
        tmp_path / "mongo-after", after_mongo_port, tmp_path / "mongo-after.log"
    )
    try:
        restored = await restore(
            mongo_uri(after_mongo_port), tmp_path / "dump", before.database_prefix, [], False, True
        )
        assert "marked for re-indexing" in restored
        after_dir = tmp_path / "after"
        after_dir.mkdir()
        # The operator's keys are kept apart from the dump and given to the new stack.
        shutil.copy(tmp_path / "before" / KEY_FILE, after_dir / KEY_FILE)
        prefix = before.database_prefix
        after = build_suite(
            Infra(kafka, mongo_uri(after_mongo_port), "packaged"),
            after_dir,
            env={
                "MUNINN_MONGO_DATABASE_PREFIX": prefix,
                "MUNINN_KAFKA_GROUP_PREFIX": prefix.rstrip("_") + ".",
                "MUNINN_KAFKA_CLIENT_PREFIX": prefix.rstrip("_"),
            },
        )
        after = dataclasses.replace(after, database_prefix=prefix)
        assert not (after_dir / "qdrant").exists()
        try:
            started(after)
            async with httpx.AsyncClient(
                base_url=after.gateway_url, timeout=REQUEST_TIMEOUT
            ) as client:
                # The sessions came back with identity's database: the old tokens still work.
                await sees_own_content_only(client, ana, content[ana.id], "cello", content[ben.id])
                await sees_own_content_only(client, ben, content[ben.id], "banjo", content[ana.id])
        finally:
            after.stop()
    finally:
        after_mongo.stop()
