"""Start-up index creation sends no DDL once the indexes exist."""

from __future__ import annotations

from typing import Any

from muninn_shared.storage.indexes import ensure_index, index_name
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.helpers_shared import _gen_index_name, _index_list
from pymongo.monitoring import CommandListener, CommandStartedEvent, CommandSucceededEvent

from tests.integration.infra import Infra


class CommandLog(CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass


def test_default_names_match_mongodb() -> None:
    for keys in ("user_id", [("user_id", ASCENDING), ("created_at", DESCENDING)]):
        assert index_name(keys) == _gen_index_name(_index_list(keys))


async def test_an_existing_index_is_not_created_again(infra: Infra, unique: str) -> None:
    log = CommandLog()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongo_uri, event_listeners=[log]
    )
    try:
        collection = client[f"idx{unique}"]["things"]
        keys = [("user_id", ASCENDING), ("at", DESCENDING)]
        assert await ensure_index(collection, keys) == "user_id_1_at_-1"
        assert await ensure_index(collection, "email", unique=True, name="by_email") == "by_email"
        assert log.names.count("createIndexes") == 2

        assert await ensure_index(collection, keys) == "user_id_1_at_-1"
        assert await ensure_index(collection, "email", unique=True, name="by_email") == "by_email"
        assert log.names.count("createIndexes") == 2, "no DDL for indexes that exist"
        info = await collection.index_information()
        assert info["by_email"]["unique"] is True
        assert info["user_id_1_at_-1"]["key"] == keys
    finally:
        await client.drop_database(f"idx{unique}")
        await client.close()
