"""A process killed inside a MongoDB transaction must not leave its writes locked for good.

mongod aborts a dead client's transaction after 60 s; the packaged development server never
does, so a crashed service's replacement hung in its first writes (a scale-out run waited
180 s for a memory replica that never became ready). The harness and ``make run``'s
supervisor end such transactions when they see a process die.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import uuid

import pytest
from muninn_devstack.servers import end_orphaned_transactions
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from tests.integration.infra import Infra

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pymongo import MongoClient

    uri, database, document = sys.argv[1:]
    client = MongoClient(uri)
    jobs = client[database].jobs
    session = client.start_session()
    session.start_transaction()
    jobs.update_one({"_id": document}, {"$set": {"claimed_by": "the dead one"}}, session=session)
    print("holding", flush=True)
    time.sleep(600)
    """
)


def _write_within(uri: str, database: str, document: str, seconds: float) -> bool:
    """Whether a plain update of ``document`` completes within ``seconds``."""
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=5000, socketTimeoutMS=int(seconds * 1000)
    )
    try:
        client[database].jobs.update_one({"_id": document}, {"$set": {"claimed_by": "next"}})
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


@pytest.mark.timeout(120)
def test_a_killed_clients_transaction_is_ended_so_writes_go_on(infra: Infra) -> None:
    database, document = f"orphans{uuid.uuid4().hex[:8]}", "job-1"
    seed: MongoClient[dict[str, object]] = MongoClient(infra.mongo_uri)
    try:
        seed[database].jobs.insert_one({"_id": document, "claimed_by": None})
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, infra.mongo_uri, database, document],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "holding"
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait(30)

        assert not _write_within(infra.mongo_uri, database, document, 3), (
            "the dead client's transaction should still hold its write lock"
        )

        assert end_orphaned_transactions(infra.mongo_uri)

        assert _write_within(infra.mongo_uri, database, document, 30)
        stored = seed[database].jobs.find_one({"_id": document})
        assert stored is not None
        assert stored["claimed_by"] == "next", "the dead transaction's write was not applied"
    finally:
        seed.drop_database(database)
        seed.close()


def test_an_unreachable_server_is_reported_not_raised() -> None:
    assert end_orphaned_transactions("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500") is False
