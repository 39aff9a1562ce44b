"""The integrations app run in-process with its sinks at hand, for the record-feature tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from asgi_lifespan import LifespanManager
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.deps import IntegrationsServices
from muninn_integrations.main import create_app
from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.sync.sinks import Applied, RecordSink, SyncScope
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra
from tests.integration.tokens import identity_token_issuer

T = TypeVar("T")


@dataclass
class Running:
    client: httpx.AsyncClient
    mongo: AsyncMongoClient[dict[str, Any]]
    db: Any
    sinks: dict[RecordKind, RecordSink]
    services: IntegrationsServices

    async def txn(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        return await in_transaction(self.mongo, work)

    async def apply(
        self, scope: SyncScope, changes: Sequence[Change[Any]], kind: RecordKind
    ) -> list[Applied]:
        sink = self.sinks[kind]
        return await self.txn(lambda session: sink.apply(scope, changes, session))

    async def sweep(self, scope: SyncScope, kind: RecordKind) -> list[Applied]:
        sink = self.sinks[kind]
        return await self.txn(lambda session: sink.sweep(scope, session))

    async def purge(self, user_id: str, connection_id: str, kind: RecordKind) -> list[Applied]:
        sink = self.sinks[kind]
        return await self.txn(
            lambda session: sink.purge_connection(user_id, connection_id, session)
        )


@pytest.fixture
async def running(infra: Infra, unique: str) -> AsyncIterator[Running]:
    settings = IntegrationsSettings(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        mongo_database_prefix=f"muninn_it{unique}_",
        log_level="WARNING",
    )
    app = create_app(settings)
    sinks = {sink.kind: sink for sink in app.state.sinks}
    async with (
        LifespanManager(app, startup_timeout=120, shutdown_timeout=60),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://integrations", timeout=60
        ) as client,
    ):
        # Sessions must come from the client the app's stores use.
        runtime = app.state.runtime
        yield Running(client, runtime.mongo, runtime.db, sinks, app.state.services)


def me(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(user_id)}"}


def new_user(name: str) -> tuple[str, dict[str, str]]:
    user_id = f"{name}-{uuid.uuid4().hex[:6]}"
    return user_id, me(user_id)


def scope(user_id: str, connection_id: str, generation: str | None = None) -> SyncScope:
    return SyncScope(user_id, connection_id, "carddav", generation)


HOSTILE = [
    "%00",
    "..%2F..%2Fetc",
    "x" * 5000,
    "{'$gt': ''}",
    "%F0%9F%92%A9",
    "%ZZ",
]
