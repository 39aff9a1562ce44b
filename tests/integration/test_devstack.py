"""``python -m muninn_devstack run`` (what ``make run`` starts), as a user would run it.

The stack runs in a temporary project directory against the session's Kafka and MongoDB
(``MUNINN_KAFKA_BOOTSTRAP`` / ``MUNINN_MONGO_URI``), with its services moved to free ports by
``MUNINN_DEVSTACK_PORT_BASE`` so it cannot clash with anything else on the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from muninn_devstack.lockfile import (
    AlreadyRunningError,
    RunLock,
    pid_alive,
    process_cmdline,
)
from muninn_devstack.servers import free_port_block
from muninn_devstack.state import ProcessRecord, RunState, end_leftovers, read_state
from muninn_devstack.supervisor import RESTART_LIMIT, restart_delay
from muninn_devstack.topology import (
    PORT_BASE_ENV,
    installed,
    ports_from_base,
    selected_services,
)
from muninn_shared.settings import DEFAULT_PORTS, SERVICE_NAMES
from muninn_shared.signing import SigningKeyRing

from tests.integration.infra import Infra

START_TIMEOUT = 240.0
STOP_TIMEOUT = 60.0


def devstack(*args: str) -> list[str]:
    return [sys.executable, "-m", "muninn_devstack", *args]


@dataclass
class Run:
    """One supervisor started in a project directory, with its terminal output in a file."""

    project: Path
    process: subprocess.Popen[bytes]
    output: Path
    base: int

    @property
    def text(self) -> str:
        return self.output.read_text(errors="replace")

    @property
    def muninn(self) -> Path:
        return self.project / ".muninn"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{ports_from_base(self.base)[service]}"

    def diagnostics(self) -> str:
        logs = []
        for log in sorted((self.muninn / "logs").glob("*.log")):
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            logs.append(f"--- {log.name}\n{tail}")
        return f"supervisor output:\n{self.text}\n" + "\n".join(logs)

    def wait_for_output(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            if self.process.poll() is not None:
                pytest.fail(
                    f"supervisor exited ({self.process.returncode}) before printing "
                    f"{needle!r}\n{self.diagnostics()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"no {needle!r} within {timeout:.0f}s\n{self.diagnostics()}")
            time.sleep(0.3)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"supervisor did not stop on SIGINT\n{self.diagnostics()}")


def stack_env(infra: Infra, base: int) -> dict[str, str]:
    unique = uuid.uuid4().hex[:8]
    # As on a developer's machine: no signing keys configured, the run generates its own.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in ("MUNINN_SIGNING_KEYS_FILE", "MUNINN_JWKS_URL")
    }
    return {
        **inherited,
        "MUNINN_KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
        "MUNINN_MONGO_URI": infra.mongo_uri,
        PORT_BASE_ENV: str(base),
        "MUNINN_MONGO_DATABASE_PREFIX": f"devstack{unique}_",
        "MUNINN_KAFKA_GROUP_PREFIX": f"devstack{unique}.",
        "MUNINN_KAFKA_CLIENT_PREFIX": f"devstack{unique}",
        "MUNINN_ARGON2_TIME_COST": "1",
        "MUNINN_ARGON2_MEMORY_COST_KIB": "8192",
        "MUNINN_DEVSTACK_READY_TIMEOUT": str(START_TIMEOUT - 30),
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    return directory


@pytest.fixture
def stack(infra: Infra, project: Path) -> Iterator[Run]:
    base = free_port_block(len(SERVICE_NAMES))
    env = stack_env(infra, base)
    # A lock left by a supervisor that died (here: a pid that has certainly exited) must not
    # stop a new run.
    dead = subprocess.Popen(["true"])
    dead.wait()
    (project / ".muninn").mkdir()
    (project / ".muninn" / "run.lock").write_text(f"{dead.pid}\n")

    output = project / "terminal.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            devstack("run"), cwd=project, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    run = Run(project=project, process=process, output=output, base=base)
    try:
        yield run
    finally:
        if process.poll() is None:
            run.stop()
        state = read_state(run.muninn / "run.json")
        if state is not None:
            end_leftovers(state, grace=5)


def test_run_serves_supervises_and_stops_cleanly(stack: Run, infra: Infra) -> None:
    stack.wait_for_output("Muninn is running.", START_TIMEOUT)
    banner = stack.text
    only = selected_services(os.environ)  # a developer may narrow the run while iterating
    expected = [n for n in SERVICE_NAMES if installed(n) and (only is None or n in only)]
    if "gateway" in expected:
        assert f"Gateway    {stack.url('gateway')}" in banner
        assert f"API docs   {stack.url('gateway')}/docs" in banner
    assert f"{stack.muninn / 'logs'}/<name>.log" in banner
    assert str(stack.muninn / "data") in banner
    assert "Ctrl-C" in banner
    assert f"kill {stack.process.pid}" in banner

    state = read_state(stack.muninn / "run.json")
    assert state is not None
    started = {record.name: record for record in state.processes}
    # Kafka and MongoDB come from the environment, so the supervisor started neither.
    assert sorted(started) == sorted(expected), stack.diagnostics()
    assert state.kafka_bootstrap == infra.kafka_bootstrap
    for name in expected:
        ready = httpx.get(f"{stack.url(name)}/readyz", timeout=10)
        assert ready.status_code == 200, f"{name}: {ready.text}\n{stack.diagnostics()}"
        assert (stack.muninn / "logs" / f"{name}.log").exists()
    assert (stack.muninn / "run.lock").read_text().strip() == str(stack.process.pid)
    ring = SigningKeyRing.load(stack.muninn / "data" / "identity-signing-keys.json")
    assert ring.development
    assert (stack.muninn / "data" / "identity-signing-keys.json").stat().st_mode & 0o777 == 0o600
    if "gateway" in expected:
        published = httpx.get(f"{stack.url('gateway')}/.well-known/jwks.json", timeout=10).json()
        assert published == ring.jwks()

    status = subprocess.run(devstack("status"), cwd=stack.project, capture_output=True, text=True)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"Muninn is running (pid {stack.process.pid})" in status.stdout
    assert "identity" in status.stdout
    assert "ready" in status.stdout

    second = subprocess.run(
        devstack("run"),
        cwd=stack.project,
        env=stack_env(infra, stack.base),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode != 0
    assert f"Muninn is already running (pid {stack.process.pid})" in second.stderr
    assert f"kill {stack.process.pid}" in second.stderr
    assert stack.process.poll() is None, "the second run must leave the first alone"

    # A crashed service comes back on its own, on the same port.
    crashed = started["identity"]
    os.kill(crashed.pid, signal.SIGKILL)
    stack.wait_for_output("identity was killed by SIGKILL; restarting", 30)
    stack.wait_for_output("identity restarted", 30)
    stack.wait_for_output("identity is ready again", START_TIMEOUT)
    assert httpx.get(f"{stack.url('identity')}/readyz", timeout=10).status_code == 200
    restarted = read_state(stack.muninn / "run.json")
    assert restarted is not None
    children = [record.pid for record in restarted.processes]
    assert crashed.pid not in children

    assert stack.stop() == 0, stack.diagnostics()
    assert "Muninn stopped." in stack.text
    for pid in children:
        assert not pid_alive(pid), f"pid {pid} outlived the supervisor"
    assert not (stack.muninn / "run.lock").exists()
    assert not (stack.muninn / "run.json").exists()
    gone = subprocess.run(devstack("status"), cwd=stack.project, capture_output=True, text=True)
    assert gone.returncode == 3
    assert "not running" in gone.stdout


def test_a_taken_port_is_reported_clearly(project: Path) -> None:
    base = free_port_block(len(SERVICE_NAMES))
    taken = ports_from_base(base)["identity"]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        result = subprocess.run(
            devstack("run"),
            cwd=project,
            env={
                **os.environ,
                PORT_BASE_ENV: str(base),
                # Never contacted: the port check comes first.
                "MUNINN_KAFKA_BOOTSTRAP": "127.0.0.1:9",
                "MUNINN_MONGO_URI": "mongodb://127.0.0.1:9/?directConnection=true",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Port {taken} is already in use" in result.stderr
    assert "identity" in result.stderr
    assert PORT_BASE_ENV in result.stderr
    assert not (project / ".muninn" / "run.lock").exists()


def test_bad_port_base_is_refused(project: Path) -> None:
    result = subprocess.run(
        devstack("run"),
        cwd=project,
        env={**os.environ, PORT_BASE_ENV: "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert PORT_BASE_ENV in result.stderr


def test_lock_is_exclusive_and_stale_locks_are_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "run.lock"
    path.write_text("999999999\n")
    first = RunLock(path)
    assert first.acquire() == 999999999
    assert path.read_text().strip() == str(os.getpid())
    assert RunLock(path).owner() == os.getpid()
    with pytest.raises(AlreadyRunningError) as refused:
        RunLock(path).acquire()
    assert refused.value.pid == os.getpid()
    first.release()
    assert not path.exists()
    assert RunLock(path).owner() is None


def test_leftovers_of_a_killed_supervisor_are_ended(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(300)"]
    orphan = subprocess.Popen(argv, start_new_session=True)
    try:
        # Until the child has exec'd, /proc still shows the parent's command line.
        deadline = time.monotonic() + 30
        while process_cmdline(orphan.pid) != argv and time.monotonic() < deadline:
            time.sleep(0.05)
        state = RunState(
            supervisor_pid=999999999,
            started_at=time.time(),
            gateway_url="http://127.0.0.1:8080",
            kafka_bootstrap="127.0.0.1:19092",
            mongo_uri="mongodb://127.0.0.1:27027",
            processes=[
                ProcessRecord(
                    name="identity",
                    kind="service",
                    pid=orphan.pid,
                    argv=argv,
                    log=str(tmp_path / "identity.log"),
                ),
                # A recorded pid now used by an unrelated program is left alone.
                ProcessRecord(
                    name="memory", kind="service", pid=os.getpid(), argv=["other"], log="x"
                ),
            ],
        )
        ended = end_leftovers(state, grace=10)
        assert [record.name for record in ended] == ["identity"]
        assert orphan.wait(timeout=10) == -signal.SIGTERM
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()


def test_port_base_and_backoff() -> None:
    assert ports_from_base(None) == DEFAULT_PORTS
    moved = ports_from_base(20000)
    assert moved["gateway"] == 20000
    assert moved["byod"] == 20006
    assert sorted(moved.values()) == list(range(20000, 20007))
    # The offsets match the default layout (gateway 8080 … byod 8086).
    assert {n: p - 20000 for n, p in moved.items()} == {
        n: p - DEFAULT_PORTS["gateway"] for n, p in DEFAULT_PORTS.items()
    }
    with pytest.raises(ValueError, match=PORT_BASE_ENV):
        ports_from_base(65530)
    delays = [restart_delay(n) for n in range(1, RESTART_LIMIT + 3)]
    assert delays[:3] == [1.0, 2.0, 4.0]
    assert delays == sorted(delays)
    assert max(delays) <= 30.0
