"""Two MongoDB servers for routing tests: the main one, and a user's own, announced to a
content service as byod announces it."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from muninn_devstack.servers import ManagedProcess, mongo_uri, start_mongo
from muninn_shared.content_schema import SCHEMAS, ContentService, deploy
from muninn_shared.events import Topic, new_event
from muninn_shared.events.payloads import ByodRoutingChanged
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.storage.routes import OwnDatabase, seal_connection
from muninn_shared.vault.keyring import parse_key_ring
from pydantic import SecretStr

from tests.integration.memory_support import eventually

ROUTE_KEYS = f"r1:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"


@dataclass
class OwnServer:
    workdir: Path
    port: int
    process: ManagedProcess

    @property
    def uri(self) -> str:
        return mongo_uri(self.port)

    def kill(self) -> None:
        self.process.kill()

    def restart(self) -> None:
        self.process = start_mongo(self.workdir / "mongo", self.port, self.workdir / "mongo.log")


def routed_settings() -> dict[str, object]:
    """What a content service under test needs to open users' own databases, quickly."""
    return {
        "byod_route_keys": SecretStr(ROUTE_KEYS),
        "byod_route_refresh_seconds": 0.3,
        "byod_store_timeout_ms": 1500,
        "byod_outage_retry_seconds": 1.0,
    }


def own_database_of(user_id: str) -> str:
    """Each user their own database, as in life (a database holds one user's content)."""
    return "own_" + user_id.replace("-", "_")


async def announce_own_route(
    runtime: ServiceRuntime,
    own_server: OwnServer,
    user_id: str,
    *,
    version: int = 1,
    qdrant_url: str | None = None,
) -> str:
    """Provision ``user_id``'s own database, announce it as byod does and wait until the
    service uses it; its name."""
    database = own_database_of(user_id)
    client = create_mongo_client(own_server.uri)
    try:
        await deploy(client[database])
    finally:
        await client.close()
    ring = parse_key_ring(ROUTE_KEYS)
    own = OwnDatabase(
        store_id=f"s-{user_id}",
        mongo_uri=own_server.uri,
        database=database,
        qdrant_url=qdrant_url,
    )
    change = ByodRoutingChanged(
        user_id=user_id,
        version=version,
        placement="own",
        store_id=own.store_id,
        connection=seal_connection(ring, user_id, own),
    )
    event = new_event("byod.routing.changed", source="byod", subject=user_id, data=change)
    await runtime.publish(Topic.BYOD_ROUTING.value, event)
    routes = runtime.routes
    assert routes is not None

    async def routed() -> bool:
        return routes.route_of(user_id) is not None

    await eventually(routed, 30, f"{user_id}'s route")
    return database


async def nothing_of_on_main(
    main_uri: str, database: str, service: str, user_id: str
) -> dict[str, int]:
    """Documents naming ``user_id`` in ``service``'s main database, outside the collections
    that stay on main for every user (tombstones, routes, parked events, leases…); empty when
    the user's content went only to their own database."""
    kept = {kept.name for kept in SCHEMAS[ContentService(service)].main_only}
    client = create_mongo_client(main_uri)
    try:
        db = client[database]
        found: dict[str, int] = {}
        for name in await db.list_collection_names():
            if name in kept or name.startswith("system."):
                continue
            count = await db[name].count_documents(
                {"$or": [{"user_id": user_id}, {"_id": user_id}]}
            )
            if count:
                found[name] = count
        return found
    finally:
        await client.close()
