"""The conversation service under test: its settings and a client of the running app.

Memory and identity URLs point where nothing listens: those services are "down" for these
tests and the offline provider answers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from muninn_conversation.settings import ConversationSettings

from tests.integration.infra import Infra


def conversation_settings(infra: Infra, unique: str | None = None) -> ConversationSettings:
    """Settings over the test's Kafka and MongoDB, in a database and consumer group of its own."""
    unique = unique or uuid.uuid4().hex[:10]
    return ConversationSettings(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        mongo_database_prefix=f"muninn_it{unique}_",
        kafka_group_prefix=f"it{unique}.",
        memory_url="http://127.0.0.1:9",
        identity_url="http://127.0.0.1:9",
        log_level="WARNING",
    )


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app started, with a client of it; ``client.app`` is the app, for its state."""
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://conversation", timeout=30
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
