"""Kafka and MongoDB for the local stack: the user's own (from the environment) or packaged ones.

``MUNINN_KAFKA_BOOTSTRAP`` / ``MUNINN_MONGO_URI`` point at servers that already run; otherwise
the packaged servers start on the default ports of :class:`ServiceSettings`, so a service
started by hand without any configuration finds them too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from muninn_shared.settings import ServiceSettings

from muninn_devstack.layout import Layout
from muninn_devstack.servers import (
    ManagedProcess,
    kafka_ready,
    kafka_server,
    mongo_ready,
    mongo_server,
    mongo_uri,
)


class PortTakenError(RuntimeError):
    """A port the stack needs is already used by another program."""


def default_kafka_bootstrap() -> str:
    value: str = ServiceSettings.model_fields["kafka_bootstrap"].default
    return value


def default_mongo_uri() -> str:
    value: str = ServiceSettings.model_fields["mongo_uri"].default
    return value


def default_kafka_port() -> int:
    return int(default_kafka_bootstrap().rsplit(":", 1)[1])


def default_mongo_port() -> int:
    port = urlsplit(default_mongo_uri()).port
    if port is None:
        raise ValueError("the default MongoDB URI names no port")
    return port


@dataclass(frozen=True)
class Backing:
    """What the services connect to, and which of it this supervisor must start."""

    kafka_bootstrap: str
    mongo_uri: str
    kafka: ManagedProcess | None
    mongo: ManagedProcess | None

    def servers(self) -> list[ManagedProcess]:
        return [server for server in (self.kafka, self.mongo) if server is not None]

    def describe(self) -> dict[str, str]:
        return {
            "Kafka": self.kafka_bootstrap + ("" if self.kafka else " (yours)"),
            "MongoDB": self.mongo_uri + ("" if self.mongo else " (yours)"),
        }


def plan_backing(layout: Layout, environ: Mapping[str, str] = os.environ) -> Backing:
    external_kafka = environ.get("MUNINN_KAFKA_BOOTSTRAP", "").strip()
    external_mongo = environ.get("MUNINN_MONGO_URI", "").strip()
    kafka = None
    mongo = None
    if not external_kafka:
        kafka = kafka_server(layout.kafka_data, default_kafka_port(), layout.log("kafka"))
    if not external_mongo:
        mongo = mongo_server(layout.mongo_data, default_mongo_port(), layout.log("mongodb"))
    return Backing(
        kafka_bootstrap=external_kafka or f"127.0.0.1:{default_kafka_port()}",
        mongo_uri=external_mongo or mongo_uri(default_mongo_port()),
        kafka=kafka,
        mongo=mongo,
    )


def port_taken_message(port: int, what: str, remedy: str) -> str:
    return (
        f"Port {port} is already in use by another program, so {what} cannot start there.\n"
        f"  See who holds it:  ss -ltnp 'sport = :{port}'   (or: lsof -i :{port})\n"
        f"  Then either stop that program, or {remedy}"
    )


def server_probe(backing: Backing, server: ManagedProcess) -> bool:
    if server is backing.kafka:
        return kafka_ready(backing.kafka_bootstrap)
    return mongo_ready(backing.mongo_uri)


def check_server_ports(backing: Backing) -> None:
    """Fail with a clear message before starting a server whose port is taken."""
    from muninn_devstack.servers import port_open

    planned = (
        (
            backing.kafka,
            default_kafka_port(),
            "the local Kafka broker",
            "point Muninn at a running broker: MUNINN_KAFKA_BOOTSTRAP=host:port make run",
        ),
        (
            backing.mongo,
            default_mongo_port(),
            "the local MongoDB server",
            "point Muninn at a running server: MUNINN_MONGO_URI=mongodb://host:port make run",
        ),
    )
    for server, port, what, remedy in planned:
        if server is not None and port_open(port):
            raise PortTakenError(port_taken_message(port, what, remedy))
