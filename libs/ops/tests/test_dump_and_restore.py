"""A dump of one MongoDB-protocol server restored into a fresh one: documents, validators,
indexes; the layout mongodump writes; refusal to overwrite; memory records marked for
re-indexing so the vector index is rebuilt."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import json_util
from muninn_devstack.servers import running_mongo
from muninn_ops.mongo_dump import RestoreRefusedError, dump_databases, restore_dump
from pymongo import AsyncMongoClient

pytestmark = pytest.mark.integration

Doc = dict[str, Any]
VALIDATOR = {"$jsonSchema": {"bsonType": "object", "required": ["user_id"]}}


@pytest.fixture(scope="module")
def source_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_mongo(tmp_path_factory.mktemp("source")) as uri:
        yield uri


@pytest.fixture
def fresh_uri(tmp_path: Path) -> Iterator[str]:
    with running_mongo(tmp_path / "fresh") as uri:
        yield uri


@pytest.fixture
async def written(source_uri: str) -> AsyncIterator[AsyncMongoClient[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(source_uri)
    for name in await client.list_database_names():
        if name.startswith("muninn_"):
            await client.drop_database(name)
    memory = client["muninn_memory"]
    await memory.create_collection("memories", validator=VALIDATOR, validationLevel="moderate")
    await memory["memories"].insert_many(
        [
            {
                "_id": f"m{i}",
                "user_id": f"u{i % 2}",
                "content": f"memory {i}",
                "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                "index_state": "synced",
            }
            for i in range(2500)
        ]
    )
    await memory["memories"].create_index([("user_id", 1), ("created_at", -1)], name="by_user")
    await memory["memories"].create_index([("expires_at", 1)], sparse=True, expireAfterSeconds=60)
    await client["muninn_identity"]["users"].insert_one({"_id": "u0", "email": "a@example.org"})
    yield client
    await client.close()


async def test_a_dump_restores_into_a_fresh_server_whole(
    written: AsyncMongoClient[Doc], fresh_uri: str, tmp_path: Path
) -> None:
    report = await dump_databases(
        written, ["muninn_memory", "muninn_identity"], tmp_path / "dump", compressed=True
    )
    assert report.documents("muninn_memory") == 2500
    assert (tmp_path / "dump" / "muninn_memory" / "memories.bson.gz").is_file()
    assert not list((tmp_path / "dump").rglob("*.partial"))

    fresh: AsyncMongoClient[Doc] = AsyncMongoClient(fresh_uri)
    try:
        restored = await restore_dump(fresh, tmp_path / "dump")
        assert restored.documents("muninn_memory") == 2500
        memories = fresh["muninn_memory"]["memories"]
        assert await memories.count_documents({"user_id": "u1"}) == 1250
        first = await memories.find_one({"_id": "m0"})
        assert first is not None
        assert first["created_at"] == dt.datetime(2026, 1, 1)
        indexes = await memories.index_information()
        assert indexes["by_user"]["key"] == [("user_id", 1), ("created_at", -1)]
        assert indexes["expires_at_1"]["expireAfterSeconds"] == 60
        assert indexes["expires_at_1"]["sparse"] is True
        options = await memories.options()
        assert options["validator"] == VALIDATOR
        assert await fresh["muninn_identity"]["users"].find_one({"_id": "u0"}) is not None

        with pytest.raises(RestoreRefusedError):
            await restore_dump(fresh, tmp_path / "dump")
        await memories.delete_one({"_id": "m0"})
        again = await restore_dump(fresh, tmp_path / "dump", drop=True)
        assert again.dropped == ["muninn_identity", "muninn_memory"]
        assert await memories.count_documents({}) == 2500
    finally:
        await fresh.close()


async def test_metadata_is_mongodumps_canonical_extended_json(
    written: AsyncMongoClient[Doc], tmp_path: Path
) -> None:
    await dump_databases(written, ["muninn_memory"], tmp_path)
    text = (tmp_path / "muninn_memory" / "memories.metadata.json").read_text()
    assert '"$numberInt"' in text  # canonical, as mongodump writes it
    metadata = json_util.loads(text)
    assert metadata["collectionName"] == "memories"
    assert metadata["type"] == "collection"
    assert metadata["options"]["validator"] == VALIDATOR
    assert {i["name"] for i in metadata["indexes"]} == {"_id_", "by_user", "expires_at_1"}
    assert all("ns" not in i for i in metadata["indexes"])


async def test_the_command_restores_and_marks_memories_for_reindexing(
    written: AsyncMongoClient[Doc], source_uri: str, fresh_uri: str, tmp_path: Path
) -> None:
    def backup(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "muninn_ops.backup", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    dumped = backup("dump", "--uri", source_uri, "--out", str(tmp_path / "dump"))
    assert dumped.returncode == 0, dumped.stderr
    assert {p.name for p in (tmp_path / "dump").iterdir()} == {"muninn_memory", "muninn_identity"}
    restored = backup("restore", "--uri", fresh_uri, "--dir", str(tmp_path / "dump"))
    assert restored.returncode == 0, restored.stderr
    assert '"memories": 2500' in restored.stdout
    refused = backup("restore", "--uri", fresh_uri, "--dir", str(tmp_path / "dump"))
    assert refused.returncode == 1
    assert "already hold documents" in refused.stderr

    fresh: AsyncMongoClient[Doc] = AsyncMongoClient(fresh_uri)
    try:
        memories = fresh["muninn_memory"]["memories"]
        assert await memories.count_documents({"index_state": "pending"}) == 2500
    finally:
        await fresh.close()
