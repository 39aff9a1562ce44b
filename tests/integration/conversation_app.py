"""The conversation service under test: its settings and a client of the running app.

Memory and identity URLs point where nothing listens: those services are "down" for these
tests and the offline provider answers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from muninn_conversation.main import create_app
from muninn_conversation.settings import ConversationSettings

from tests.integration.in_process import started
from tests.integration.infra import Infra


def conversation_settings(infra: Infra, unique: str | None = None) -> ConversationSettings:
    """Settings over the test's Kafka and MongoDB, in a database and consumer group of its own."""
    unique = unique or uuid.uuid4().hex[:10]
    return ConversationSettings(
        **infra.service_fields(unique),
        memory_url="http://127.0.0.1:9",
        identity_url="http://127.0.0.1:9",
        log_level="WARNING",
    )


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app started, with a client of it; ``client.app`` is the app, for its state."""
    async with started(app, "http://conversation", timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def settings(infra: Infra) -> ConversationSettings:
    """One conversation service for a test module that imports this fixture and ``client``."""
    return conversation_settings(infra)


@pytest.fixture(scope="module")
async def client(settings: ConversationSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as http:
        yield http


async def join(
    client: httpx.AsyncClient,
    cid: str,
    owner: dict[str, str],
    user_id: str,
    headers: dict[str, str],
    role: str | None = None,
) -> None:
    """The owner invites ``user_id`` to conversation ``cid`` (as ``role``, else the default role),
    who accepts with ``headers``."""
    invitation = {"user_id": user_id, **({"role": role} if role else {})}
    added = await client.post(
        f"/v1/conversations/{cid}/participants", json=invitation, headers=owner
    )
    assert added.status_code == 200, added.text
    accepted = await client.post(f"/v1/conversations/invitations/{cid}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text
