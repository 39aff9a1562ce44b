"""The pre-rollout schema step on the main databases: twice changes nothing; a database at a
newer schema version is refused."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from muninn_devstack.servers import running_mongo
from muninn_shared.content_schema import SCHEMA_COLLECTION, SCHEMA_VERSION, ContentService
from pymongo import MongoClient

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_mongo(tmp_path_factory.mktemp("upgrade")) as found:
        yield found


def upgrade(uri: str, prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "muninn_shared.content_schema.upgrade",
            "--uri",
            uri,
            "--prefix",
            prefix,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_running_it_twice_changes_nothing_the_second_time(uri: str) -> None:
    first = upgrade(uri, "up_twice_")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("migrated") == len(ContentService)
    client: MongoClient[dict[str, object]] = MongoClient(uri)
    try:
        memory = client["up_twice_memory"]
        state = memory[SCHEMA_COLLECTION].find_one({"_id": "schema"})
        assert state is not None
        assert state["version"] == SCHEMA_VERSION
        history = state["history"]
        indexes = memory["memories"].index_information()
        assert len(indexes) > 5
        second = upgrade(uri, "up_twice_")
        assert second.returncode == 0, second.stderr
        assert second.stdout.count("up_to_date") == len(ContentService)
        again = memory[SCHEMA_COLLECTION].find_one({"_id": "schema"})
        assert again is not None
        assert again["history"] == history
        assert memory["memories"].index_information() == indexes
    finally:
        client.close()


def test_a_database_at_a_newer_schema_version_is_refused(uri: str) -> None:
    client: MongoClient[dict[str, object]] = MongoClient(uri)
    try:
        client["up_newer_conversation"][SCHEMA_COLLECTION].insert_one(
            {"_id": "schema", "version": SCHEMA_VERSION + 1, "history": []}
        )
        refused = upgrade(uri, "up_newer_")
        assert refused.returncode == 2
        assert "refused" in refused.stderr
        assert f"version {SCHEMA_VERSION + 1}" in refused.stderr
        # Nothing after the refused database was touched.
        assert "up_newer_memory" not in client.list_database_names()
    finally:
        client.close()
