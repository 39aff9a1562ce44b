"""Start-up index creation sends no DDL once the indexes exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from muninn_identity.auth.store import REFRESH_TOKENS, RefreshTokenStore
from muninn_shared.storage.idempotency import PROCESSED, ProcessedEvents
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


async def test_applied_event_markers_and_refresh_tokens_expire(infra: Infra, unique: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri)
    try:
        db = client[f"ttl{unique}"]
        await ProcessedEvents(client, db, retention=timedelta(days=14)).ensure_indexes()
        await RefreshTokenStore(db, kept_after_expiry=timedelta(days=30)).ensure_indexes()

        markers = await db[PROCESSED].index_information()
        assert markers["applied_at_1"]["key"] == [("applied_at", 1)]
        assert markers["applied_at_1"]["expireAfterSeconds"] == 14 * 86400
        tokens = await db[REFRESH_TOKENS].index_information()
        assert tokens["expires_at_1"]["key"] == [("expires_at", 1)]
        assert tokens["expires_at_1"]["expireAfterSeconds"] == 30 * 86400
    finally:
        await client.drop_database(f"ttl{unique}")
        await client.close()


async def test_an_index_made_without_expiry_gains_it_and_follows_the_setting(
    infra: Infra, unique: str
) -> None:
    log = CommandLog()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongo_uri, event_listeners=[log]
    )
    try:
        db = client[f"ttl{unique}"]
        # What start-up created before markers expired: a plain index on the same field.
        await ensure_index(db[PROCESSED], "applied_at")
        assert "expireAfterSeconds" not in (await db[PROCESSED].index_information())["applied_at_1"]

        for days in (14, 21, 21):
            await ProcessedEvents(client, db, retention=timedelta(days=days)).ensure_indexes()
            info = await db[PROCESSED].index_information()
            assert info["applied_at_1"]["expireAfterSeconds"] == days * 86400
        assert log.names.count("createIndexes") == 1
        assert log.names.count("collMod") == 2, "retuned when the expiry differs, not otherwise"
    finally:
        await client.drop_database(f"ttl{unique}")
        await client.close()
