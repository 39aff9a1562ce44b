from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient

from tests.integration.fake_llm import MODEL as FAKE_MODEL
from tests.integration.fake_llm import serve_fake_llm
from tests.integration.infra import Infra, provide_infra
from tests.integration.suite import Suite, provide_suite


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    with provide_infra(tmp_path_factory.mktemp("infra")) as provided:
        yield provided


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
async def mongo(infra: Infra) -> AsyncIterator[AsyncMongoClient[dict[str, object]]]:
    client = create_mongo_client(infra.mongo_uri)
    yield client
    await client.close()


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[str]:
    """Base URL of a slow OpenAI-compatible server (see tests/integration/fake_llm.py)."""
    with serve_fake_llm() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def suite(infra: Infra, fake_llm: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """Every service and the gateway as processes on free ports (see tests/integration/suite.py)."""
    env = {
        "MUNINN_LLM_PROVIDERS": json.dumps(
            [{"name": "slowfake", "base_url": fake_llm, "default_model": FAKE_MODEL}]
        ),
        # A generation whose process died turns into a visible error within seconds.
        "MUNINN_GENERATION_LEASE_SECONDS": "4",
        "MUNINN_GENERATION_SAVE_INTERVAL_SECONDS": "0.5",
        "MUNINN_GENERATION_SWEEP_INTERVAL_SECONDS": "1",
    }
    with provide_suite(infra, tmp_path_factory.mktemp("suite"), env) as running:
        yield running
