"""What the local stack is made of: its services, their start order, ports and environment.

The supervisor behind ``make run`` and the end-to-end test suite both build their processes
from here, so a service started by one is started exactly as by the other.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from muninn_shared.service_credentials import generate_for, hashes_of
from muninn_shared.settings import (
    CONTENT_SERVICES,
    DEFAULT_PORTS,
    KEY_READING_SERVICES,
    SERVICE_NAMES,
)

from muninn_devstack.servers import ManagedProcess

PORT_BASE_ENV = "MUNINN_DEVSTACK_PORT_BASE"
"""Moves every service port: gateway on base+0, identity base+1 … byod base+6."""

SERVICES_ENV = "MUNINN_DEVSTACK_SERVICES"
"""Comma-separated subset of services to run (default: all that are installed)."""

REPLICAS_ENV = "MUNINN_DEVSTACK_REPLICAS"
"""More processes of a service, e.g. ``memory=2,gateway=2``: replica n listens on the
service's port + 100 * (n - 1) (memory 8083, 8183)."""

MAX_REPLICAS = 9
REPLICA_PORT_STEP = 100

START_ORDER = (*CONTENT_SERVICES, "gateway")
"""The gateway last: its readiness aggregates the others."""

LOOPBACK = "127.0.0.1"

FOLLOW_INTERVAL_SECONDS = "1"
"""How often a memory replica with its own embedded vectors reads what the others wrote."""

PACE_EMPTY_FETCHES_ENV = "MUNINN_KAFKA_PACE_EMPTY_FETCHES"
"""Turns on the client-side long poll the packaged broker needs (muninn_shared.messaging.pacing)."""


def module_of(service: str) -> str:
    return f"muninn_{service}"


def installed(service: str) -> bool:
    """Whether ``python -m muninn_<service>`` can run in this environment."""
    try:
        return importlib.util.find_spec(f"{module_of(service)}.__main__") is not None
    except ModuleNotFoundError:
        return False


def ports_from_base(base: int | None) -> dict[str, int]:
    """The service ports: the defaults, or consecutive ports from ``base`` in catalogue order."""
    if base is None:
        return dict(DEFAULT_PORTS)
    if not 1024 <= base <= 65535 - len(SERVICE_NAMES):
        raise ValueError(
            f"{PORT_BASE_ENV}={base} is out of range; "
            f"use a port between 1024 and {65535 - len(SERVICE_NAMES)}"
        )
    return {name: base + offset for offset, name in enumerate(SERVICE_NAMES)}


def port_base_from_env(environ: Mapping[str, str] = os.environ) -> int | None:
    raw = environ.get(PORT_BASE_ENV, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{PORT_BASE_ENV} must be a port number, not {raw!r}") from None


def selected_services(environ: Mapping[str, str] = os.environ) -> frozenset[str] | None:
    raw = environ.get(SERVICES_ENV, "").strip()
    if not raw:
        return None
    chosen = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(chosen - set(SERVICE_NAMES))
    if unknown:
        raise ValueError(
            f"{SERVICES_ENV} names unknown services: {', '.join(unknown)} "
            f"(known: {', '.join(SERVICE_NAMES)})"
        )
    return chosen


def replicas_from_env(environ: Mapping[str, str] = os.environ) -> dict[str, int]:
    """How many processes of each service ``MUNINN_DEVSTACK_REPLICAS`` asks for (1 if unnamed)."""
    raw = environ.get(REPLICAS_ENV, "").strip()
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        service, _, count = part.partition("=")
        service = service.strip()
        if service not in SERVICE_NAMES:
            raise ValueError(f"{REPLICAS_ENV} names unknown service {service!r}")
        if not count.strip().isdigit() or not 1 <= int(count) <= MAX_REPLICAS:
            raise ValueError(
                f"{REPLICAS_ENV}: {part!r} must read <service>=<1..{MAX_REPLICAS}>, e.g. memory=2"
            )
        counts[service] = int(count)
    return counts


def replica_ports_for(ports: Mapping[str, int], counts: Mapping[str, int]) -> dict[str, list[int]]:
    """Replica n of a service on its port + 100 * (n - 1)."""
    chosen = {
        service: [ports[service] + REPLICA_PORT_STEP * n for n in range(1, count)]
        for service, count in counts.items()
        if count > 1
    }
    if any(port > 65535 for taken in chosen.values() for port in taken):
        raise ValueError(f"{REPLICAS_ENV}: the replicas' ports would pass 65535; lower the base")
    return chosen


def url_env(service: str) -> str:
    return f"MUNINN_{service.upper()}_URL"


@dataclass(frozen=True)
class StackConfig:
    """Everything that decides how the service processes are started."""

    kafka_bootstrap: str
    mongo_uri: str
    ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    qdrant_url: str | None = None
    qdrant_path: Path | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    """Set for every service (after the inherited environment, before the per-service values)."""
    service_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Set for one service only, after ``extra_env`` (e.g. the demo's outbound allowance for
    integrations, which no other service should be given)."""
    host: str = LOOPBACK
    python: str = sys.executable
    only: frozenset[str] | None = None
    """Run just these services (all installed ones when None)."""
    signing_keys_file: Path | None = None
    """Identity's signing key ring; given to identity alone (the others read its JWKS)."""
    development_broker: bool = False
    """The Kafka broker is the packaged one, which answers empty fetches at once: the services
    then pace their fetches themselves (never set against a real broker)."""
    event_key_encryption_key_file: Path | None = None
    """Where identity keeps its development key-encryption key (generated on first use)."""
    service_credentials: Mapping[str, str] = field(
        default_factory=lambda: generate_for(KEY_READING_SERVICES)
    )
    """Each service's own secret for identity's internal endpoints, fresh for every stack;
    identity is given only their hashes."""
    replica_ports: Mapping[str, Sequence[int]] = field(default_factory=dict)
    """The ports of a service's second, third … replica (its first is on ``ports``). Each
    replica gets its own instance id (Kafka static membership, lease owners) and, for memory,
    its own vector directory; the gateway spreads requests over them."""

    def replica_count(self, service: str) -> int:
        return 1 + len(self.replica_ports.get(service, ()))

    def port_of(self, service: str, replica: int = 1) -> int:
        if replica == 1:
            return self.ports[service]
        return self.replica_ports[service][replica - 2]

    def url(self, service: str, replica: int = 1) -> str:
        return f"http://{self.host}:{self.port_of(service, replica)}"

    def urls(self, service: str) -> list[str]:
        return [self.url(service, n) for n in range(1, self.replica_count(service) + 1)]

    def readyz_url(self, service: str, replica: int = 1) -> str:
        return f"{self.url(service, replica)}/readyz"

    @staticmethod
    def process_name(service: str, replica: int = 1) -> str:
        return service if replica == 1 else f"{service}-{replica}"

    def qdrant_path_of(self, replica: int) -> Path | None:
        """An embedded vector directory is one process's: each memory replica has its own."""
        if self.qdrant_path is None or replica == 1:
            return self.qdrant_path
        return self.qdrant_path.with_name(f"{self.qdrant_path.name}-{replica}")

    def services(self) -> list[str]:
        """The services to run, in start order: the selected ones this environment has."""
        return [
            name
            for name in START_ORDER
            if (self.only is None or name in self.only) and installed(name)
        ]

    def env_for(self, service: str, replica: int = 1) -> dict[str, str]:
        env = dict(self.extra_env)
        env.update(self.service_env.get(service, {}))
        env.update(
            {
                "MUNINN_HOST": self.host,
                "MUNINN_PORT": str(self.port_of(service, replica)),
                "MUNINN_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
                "MUNINN_MONGO_URI": self.mongo_uri,
            }
        )
        for other in SERVICE_NAMES:
            env[url_env(other)] = self.url(other)
        # What clients reach: the MCP resource and the OAuth issuer (gateway and identity).
        env.setdefault("MUNINN_PUBLIC_URL", self.url("gateway"))
        if self.development_broker:
            env[PACE_EMPTY_FETCHES_ENV] = "true"
        if service == "identity" and self.signing_keys_file is not None:
            env["MUNINN_SIGNING_KEYS_FILE"] = str(self.signing_keys_file)
        if service == "identity":
            env["MUNINN_SERVICE_CREDENTIAL_HASHES"] = json.dumps(
                hashes_of(self.service_credentials)
            )
            if self.event_key_encryption_key_file is not None:
                env["MUNINN_DEV_EVENT_KEY_ENCRYPTION_KEY_FILE"] = str(
                    self.event_key_encryption_key_file
                )
        if service in self.service_credentials:
            env["MUNINN_SERVICE_CREDENTIAL"] = self.service_credentials[service]
        if self.replica_count(service) > 1:
            env["MUNINN_INSTANCE_ID"] = str(replica)
        if service == "gateway":
            replicated = {
                name: self.urls(name) for name in SERVICE_NAMES if self.replica_count(name) > 1
            }
            replicated.pop("gateway", None)
            if replicated:
                env["MUNINN_UPSTREAM_REPLICAS"] = json.dumps(replicated)
        if service == "memory":
            # An embedded Qdrant directory can be opened by one process only: the memory service.
            qdrant_path = self.qdrant_path_of(replica)
            if self.qdrant_url:
                env["MUNINN_QDRANT_URL"] = self.qdrant_url
            elif qdrant_path is not None:
                env["MUNINN_QDRANT_PATH"] = str(qdrant_path)
            if not self.qdrant_url and self.replica_count(service) > 1:
                env["MUNINN_INDEX_FOLLOW_INTERVAL_SECONDS"] = FOLLOW_INTERVAL_SECONDS
        return env

    def argv_for(self, service: str) -> list[str]:
        return [self.python, "-m", module_of(service)]

    def process(self, service: str, log_dir: Path, replica: int = 1) -> ManagedProcess:
        name = self.process_name(service, replica)
        return ManagedProcess(
            name=name,
            argv=self.argv_for(service),
            log_path=log_dir / f"{name}.log",
            env=self.env_for(service, replica),
        )
