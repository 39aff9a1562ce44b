from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from muninn_shared.storage.mongo import create_mongo_client
from pymongo import AsyncMongoClient

from tests.integration.infra import Infra, provide_infra
from tests.integration.tokens import SEALING_ENV


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module", autouse=True)
def unsealed_in_process() -> Iterator[None]:
    """Services started in-process here run without an identity to hold event keys.

    The suite of processes (tests/integration/suite.py) runs beside identity, sealing on.
    Set per module and undone after it: for the whole session it stayed set for every test
    run after the first integration module, wherever it lived (identity's own settings
    tests refuse a production config that has sealing off).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SEALING_ENV, "false")
        yield


@pytest.fixture(scope="module")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    """Fresh Kafka and MongoDB servers for each test module (about 5 s to start here).

    Shared servers made every module pay for the ones before it: a new consumer group reads
    its topics from the earliest offset, so each test's services replayed every event the
    run had published so far, and a module that left the database wedged (a killed
    process's transaction holding locks) failed every module after it.
    """
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
