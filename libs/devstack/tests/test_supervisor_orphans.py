"""When a service dies, the supervisor ends its open transactions on the development MongoDB.

The packaged server never aborts a dead client's transaction (mongod does after 60 s), and
the restarted service would wait on its locks for good;
``tests/integration/test_orphaned_transactions.py`` shows the hazard and the cure against
the real server.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from muninn_devstack import supervisor as supervisor_module
from muninn_devstack.backing import Backing
from muninn_devstack.layout import Layout
from muninn_devstack.servers import ManagedProcess
from muninn_devstack.supervisor import Supervised, Supervisor

MONGO_URI = "mongodb://127.0.0.1:27999"


def _exited(name: str, tmp_path: Path) -> ManagedProcess:
    process = ManagedProcess(
        name, [sys.executable, "-c", "raise SystemExit(3)"], tmp_path / f"{name}.log"
    )
    process.start()
    assert process.process is not None
    process.process.wait(30)
    return process


def _supervisor(tmp_path: Path, *, packaged_mongo: bool) -> tuple[Supervisor, io.StringIO]:
    err = io.StringIO()
    supervisor = Supervisor(Layout.in_directory(tmp_path / "muninn"), out=io.StringIO(), err=err)
    mongo = ManagedProcess("mongodb", ["true"], tmp_path / "mongo.log") if packaged_mongo else None
    supervisor.backing = Backing("127.0.0.1:9092", MONGO_URI, kafka=None, mongo=mongo)
    return supervisor, err


@pytest.fixture
def ended(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def record(uri: str) -> bool:
        calls.append(uri)
        return True

    monkeypatch.setattr(supervisor_module, "end_orphaned_transactions", record)
    return calls


def test_a_dead_service_has_its_transactions_ended_before_it_restarts(
    tmp_path: Path, ended: list[str]
) -> None:
    supervisor, _ = _supervisor(tmp_path, packaged_mongo=True)
    child = Supervised(_exited("memory", tmp_path), "service")

    supervisor._look_after(child)

    assert ended == [MONGO_URI]
    assert child.restart_at is not None


def test_a_dead_server_or_a_database_of_the_users_own_is_left_alone(
    tmp_path: Path, ended: list[str]
) -> None:
    packaged, _ = _supervisor(tmp_path, packaged_mongo=True)
    packaged._look_after(Supervised(_exited("kafka", tmp_path), "server"))

    external, _ = _supervisor(tmp_path, packaged_mongo=False)
    external._look_after(Supervised(_exited("memory", tmp_path), "service"))

    assert ended == []


def test_a_failure_to_end_them_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor_module, "end_orphaned_transactions", lambda uri: False)
    supervisor, err = _supervisor(tmp_path, packaged_mongo=True)
    child = Supervised(_exited("memory", tmp_path), "service")

    supervisor._look_after(child)

    assert "could not end memory's open MongoDB transactions" in err.getvalue()
    assert child.restart_at is not None, "the service is restarted all the same"
