"""The user's own MongoDB server the routing tests share (one per module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from muninn_devstack.servers import free_port, start_mongo

from tests.integration.byod.routing_support import OwnServer


@pytest.fixture(scope="module")
def own_mongo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServer]:
    workdir = tmp_path_factory.mktemp("ana-mongo")
    port = free_port()
    server = OwnServer(workdir, port, start_mongo(workdir / "mongo", port, workdir / "mongo.log"))
    try:
        yield server
    finally:
        server.process.stop()
