"""Readiness checks end a MongoDB probe by the driver's own deadline, never by cancelling it.

Cancelling a PyMongo operation while it selects a server can leave the client's topology lock
unreleased on Python 3.11, after which every operation of that client waits for ever (see
``muninn_shared.storage.mongo.mongo_deadline``). A probe of a database that is down is exactly
that moment, so the probe must time out inside PyMongo.
"""

from __future__ import annotations

import asyncio

from muninn_devstack.servers import free_port
from muninn_shared.http.health import run_checks
from muninn_shared.storage.mongo import create_mongo_client, ping


async def test_a_probe_of_a_database_that_is_down_ends_inside_the_driver() -> None:
    # Server selection alone would wait 30 s; the check's deadline is far shorter.
    client = create_mongo_client(f"mongodb://127.0.0.1:{free_port()}/", timeout_ms=30_000)
    try:

        async def mongodb() -> None:
            await ping(client["probe"])

        checks = await asyncio.wait_for(run_checks({"mongodb": mongodb}, timeout=0.3), 10)
        assert checks["mongodb"].startswith("failing: ServerSelectionTimeoutError"), checks
    finally:
        await client.close()


async def test_a_check_that_is_not_pymongo_is_still_bounded() -> None:
    async def stuck() -> None:
        await asyncio.Event().wait()

    checks = await asyncio.wait_for(run_checks({"stuck": stuck}, timeout=0.1), 10)
    assert checks["stuck"].startswith("failing: TimeoutError"), checks
