"""The whole suite as real processes for end-to-end tests: every service plus the gateway.

Built from the same topology as ``make run`` (``muninn_devstack.topology``), on free
ports, against the session's Kafka and MongoDB, with databases under a prefix of its own so
the tests can read them directly and nothing collides with other tests.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from muninn_devstack.readiness import StartupError, Target, wait_ready
from muninn_devstack.servers import ManagedProcess, end_orphaned_transactions, free_port
from muninn_devstack.supervisor import STOP_GRACE_SECONDS, terminate
from muninn_devstack.topology import StackConfig
from muninn_shared.settings import CONTENT_SERVICES, SERVICE_NAMES

from tests.integration.infra import Infra
from tests.integration.tokens import JWKS_URL_ENV, SEALING_ENV, SIGNING_KEYS_ENV

READY_TIMEOUT = 180.0

TEST_ENV = {
    "MUNINN_ENVIRONMENT": "test",
    "MUNINN_LOG_LEVEL": "INFO",
    # Password hashing at production cost would dominate every register/login in the suite.
    "MUNINN_ARGON2_TIME_COST": "1",
    "MUNINN_ARGON2_MEMORY_COST_KIB": "8192",
    # The tests register many users from one address; the gateway's own tests cover limits.
    "MUNINN_RATE_LIMIT_PUBLIC_PER_MINUTE": "100000",
    "MUNINN_RATE_LIMIT_PUBLIC_BURST": "10000",
    "MUNINN_RATE_LIMIT_USER_PER_MINUTE": "100000",
    "MUNINN_RATE_LIMIT_USER_BURST": "10000",
    "MUNINN_RATE_LIMIT_IP_PER_MINUTE": "100000",
    "MUNINN_RATE_LIMIT_IP_BURST": "10000",
}


class SuiteError(RuntimeError):
    pass


@dataclass
class Suite:
    config: StackConfig
    infra: Infra
    database_prefix: str
    log_dir: Path
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    """By process name: the service's, or ``<service>-<n>`` for its n-th replica."""
    replica_of: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Process name -> (service, replica number)."""

    # -- where things are ----------------------------------------------------------------

    @property
    def services(self) -> list[str]:
        return list(self.processes)

    @property
    def has_gateway(self) -> bool:
        return "gateway" in self.processes

    @property
    def gateway_url(self) -> str:
        if not self.has_gateway:
            raise SuiteError("muninn_gateway is not installed, so the suite runs without it")
        return self.config.url("gateway")

    def url(self, service: str) -> str:
        return self.config.url(service)

    @property
    def urls(self) -> dict[str, str]:
        return {name: self.config.url(*self.replica_of[name]) for name in self.processes}

    def database(self, service: str) -> str:
        return f"{self.database_prefix}{service}"

    @property
    def databases(self) -> dict[str, str]:
        """The MongoDB database of every content service (the gateway keeps none)."""
        return {name: self.database(name) for name in CONTENT_SERVICES}

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        # Further replicas join once the first ones are ready: members joining a consumer
        # group at the same moment can be handed an empty assignment by the packaged broker,
        # which aiokafka cannot decode (the process then fails to start).
        most = max((self.config.replica_count(n) for n in self.config.services()), default=1)
        for replica in range(1, most + 1):
            started = []
            for name in self.config.services():
                if replica > self.config.replica_count(name):
                    continue
                process = self.config.process(name, self.log_dir, replica)
                process.start()
                self.processes[process.name] = process
                self.replica_of[process.name] = (name, replica)
                started.append(process.name)
            self.wait_ready(started)

    def wait_ready(self, names: list[str], timeout: float = READY_TIMEOUT) -> None:
        try:
            wait_ready(
                {
                    name: Target.http(
                        self.config.readyz_url(*self.replica_of[name]), self.processes[name]
                    )
                    for name in names
                },
                timeout=timeout,
            )
        except StartupError as exc:
            raise SuiteError(f"{exc}\n\n{self.tails()}") from None

    def kill(self, service: str) -> None:
        """SIGKILL, as a crash would: no graceful shutdown, nothing flushed.

        A transaction the process had open is then aborted, as mongod does with a dead
        client's after 60 s; the development server never does, and the replacement's
        start-up writes would wait on its locks for good.
        """
        process = self.processes[service]
        process.kill()
        process.stop()
        if not end_orphaned_transactions(self.infra.mongo_uri):
            raise SuiteError(
                f"could not end {service}'s open transactions at {self.infra.mongo_uri}"
            )

    def restart(self, service: str, timeout: float = READY_TIMEOUT) -> None:
        process = self.processes[service]
        process.stop()
        process.start()
        self.wait_ready([service], timeout)

    def alive(self, service: str) -> bool:
        return self.processes[service].alive()

    def stop(self) -> None:
        order = {name: position for position, name in enumerate(SERVICE_NAMES)}
        ordered = sorted(
            self.processes, key=lambda name: order[self.replica_of[name][0]], reverse=True
        )
        terminate([self.processes[n] for n in ordered], STOP_GRACE_SECONDS, force=threading.Event())

    def tails(self, lines: int = 25, names: list[str] | None = None) -> str:
        """The end of each service's log, for failure messages."""
        parts = []
        for name in names or self.services:
            process = self.processes[name]
            state = "running" if process.alive() else "NOT RUNNING"
            parts.append(f"--- {name} ({state}, {process.log_path})\n{process.tail(lines)}")
        return "\n".join(parts)


def build_suite(
    infra: Infra,
    workdir: Path,
    env: Mapping[str, str] | None = None,
    service_env: Mapping[str, Mapping[str, str]] | None = None,
    replicas: Mapping[str, int] | None = None,
) -> Suite:
    """``replicas``: how many processes of a service (default one each)."""
    prefix = f"e2e{uuid.uuid4().hex[:10]}_"
    config = StackConfig(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_uri=infra.mongo_uri,
        ports={name: free_port() for name in SERVICE_NAMES},
        qdrant_path=workdir / "qdrant",
        signing_keys_file=Path(os.environ[SIGNING_KEYS_ENV]),
        event_key_encryption_key_file=workdir / "identity-event-key-encryption-key",
        extra_env={
            **TEST_ENV,
            # Every service runs beside identity here: events are sealed as in a deployment.
            SEALING_ENV: "true",
            # Verifiers fetch identity's JWKS over HTTP, as in a deployment.
            JWKS_URL_ENV: "",
            "MUNINN_MONGO_DATABASE_PREFIX": prefix,
            "MUNINN_KAFKA_GROUP_PREFIX": prefix.rstrip("_") + ".",
            "MUNINN_KAFKA_CLIENT_PREFIX": prefix.rstrip("_"),
            **(env or {}),
        },
        service_env=service_env or {},
        replica_ports={
            name: [free_port() for _ in range(count - 1)]
            for name, count in (replicas or {}).items()
        },
    )
    return Suite(config=config, infra=infra, database_prefix=prefix, log_dir=workdir / "logs")


@contextlib.contextmanager
def provide_suite(
    infra: Infra,
    workdir: Path,
    env: Mapping[str, str] | None = None,
    service_env: Mapping[str, Mapping[str, str]] | None = None,
    replicas: Mapping[str, int] | None = None,
) -> Iterator[Suite]:
    suite = build_suite(infra, workdir, env, service_env, replicas)
    try:
        suite.start()
        yield suite
    finally:
        suite.stop()
