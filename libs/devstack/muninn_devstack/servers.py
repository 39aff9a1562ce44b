"""Start and stop the packaged servers that speak the real wire protocols.

Kafka protocol: ``noida-db`` (MIT, a Rust binary shipped on PyPI). MongoDB protocol:
``secantusdb`` (GPL-2.0), run strictly as a separate process and never imported. Both bind to
127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_CHOSEN_PORT = 15000


def free_port() -> int:
    return free_port_block(1)


def free_port_block(size: int) -> int:
    """A base port with ``size`` free ports from it on, for servers started next.

    Chosen below the kernel's ephemeral range where there is room: a port in that range can
    be handed to an outgoing connection (a Kafka or MongoDB client of another process)
    between this check and the server's bind, which then fails with "address in use".
    """
    below = ephemeral_port_floor() - size
    for _ in range(200):
        base = random.randrange(LOWEST_CHOSEN_PORT, below) if below > LOWEST_CHOSEN_PORT else 0
        sockets: list[socket.socket] = []
        try:
            for offset in range(size):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.bind(("127.0.0.1", base + offset if base else 0))
                if not base:
                    base = sock.getsockname()[1]
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no block of {size} free ports found")


def ephemeral_port_floor() -> int:
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default, and below macOS's 49152


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def venv_executable(name: str) -> str:
    """A console script of this environment (``.venv/bin/<name>``), else one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run 'make install'")
    return found


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            start_new_session=True,
        )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.alive() and self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        if self.alive() and self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_until(
    check: Callable[[], bool], *, timeout: float, what: str, process: ManagedProcess | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise RuntimeError(f"{what} exited during start-up:\n{process.tail()}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    tail = process.tail() if process else ""
    raise TimeoutError(f"{what} did not become ready within {timeout:.0f}s\n{tail}")


def packaged_server(name: str, data_dir: Path, log_path: Path, argv: list[str]) -> ManagedProcess:
    data_dir.mkdir(parents=True, exist_ok=True)
    return ManagedProcess(name=name, argv=argv, log_path=log_path)


def kafka_server(data_dir: Path, port: int, log_path: Path) -> ManagedProcess:
    noida = [venv_executable("noida-db"), "start", "--host", "127.0.0.1", "--only", "kafka"]
    options = ["--kafka-port", str(port), "--data-dir", str(data_dir)]
    return packaged_server("kafka", data_dir, log_path, noida + options)


def mongo_server(data_dir: Path, port: int, log_path: Path) -> ManagedProcess:
    secantus = [venv_executable("secantusd-py"), "--host", "127.0.0.1", "--port", str(port)]
    return packaged_server(
        "mongodb", data_dir, log_path, [*secantus, "--storage-path", str(data_dir)]
    )


def kafka_ready(bootstrap: str) -> bool:
    """A metadata round-trip, not just an open port."""
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        finally:
            await admin.close()

    # Its own thread and loop: callers may already be inside an event loop (benchmarks).
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, probe()).result()


def mongo_ready(uri: str) -> bool:
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=1500)
    try:
        client.admin.command("ping")
        return True
    finally:
        client.close()


def end_orphaned_transactions(uri: str) -> bool:
    """Abort the open transactions of clients that died, as mongod does after 60 s.

    The packaged development server (secantusdb) never reaps a dead client's transaction:
    its writes stay locked, and every later write to those documents, and inserts into the
    same collection, wait for good. So a crashed service's replacement hangs in its start-up
    writes. ``killAllSessions`` ends every session's transaction at once, as a primary's
    failover does; live clients see a transient error and retry (``with_transaction`` and
    the timer claims do). False when the server could not be asked.
    """
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=5000, timeoutMS=10000
    )
    try:
        client.admin.command("killAllSessions", [])
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def start_kafka(data_dir: Path, port: int, log_path: Path, timeout: float = 180) -> ManagedProcess:
    server = kafka_server(data_dir, port, log_path)
    server.start()
    wait_until(
        lambda: port_open(port) and kafka_ready(f"127.0.0.1:{port}"),
        timeout=timeout,
        what="Kafka (noida-db)",
        process=server,
    )
    return server


def start_mongo(data_dir: Path, port: int, log_path: Path, timeout: float = 180) -> ManagedProcess:
    server = mongo_server(data_dir, port, log_path)
    server.start()
    wait_until(
        lambda: port_open(port) and mongo_ready(mongo_uri(port)),
        timeout=timeout,
        what="MongoDB (secantusdb)",
        process=server,
    )
    return server


def mongo_uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


@contextlib.contextmanager
def running_mongo(workdir: Path) -> Iterator[str]:
    """A MongoDB-protocol server for the block, its data and log in ``workdir``; yields its URI."""
    port = free_port()
    server = start_mongo(workdir / "mongo", port, workdir / "mongo.log")
    try:
        yield mongo_uri(port)
    finally:
        server.stop()
