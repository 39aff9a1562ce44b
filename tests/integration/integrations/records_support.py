"""The integrations app run in-process with its sinks at hand, for the record-feature tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.deps import IntegrationsServices
from muninn_integrations.main import create_app
from muninn_integrations.sync.sinks import Applied, RecordSink, SyncScope
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import me, serving, settings_for

T = TypeVar("T")


@dataclass
class Running:
    client: httpx.AsyncClient
    mongo: AsyncMongoClient[dict[str, Any]]
    db: Any
    sinks: dict[RecordKind, RecordSink]
    services: IntegrationsServices

    async def items_at(self, path: str, headers: dict[str, str], **params: Any) -> list[Any]:
        """The ``items`` of a listing the user asked for (asserted answered)."""
        answer = await self.client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        items: list[Any] = answer.json()["items"]
        return items

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
    settings = settings_for(
        infra,
        unique,
    )
    app = create_app(settings)
    sinks = {sink.kind: sink for sink in app.state.sinks}
    async with serving(app) as client:
        # Sessions must come from the client the app's stores use.
        runtime = app.state.runtime
        yield Running(client, runtime.mongo, runtime.db, sinks, app.state.services)


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
