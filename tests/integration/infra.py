"""Where integration tests get real Kafka and MongoDB from.

In order: ``MUNINN_TEST_KAFKA_BOOTSTRAP`` / ``MUNINN_TEST_MONGO_URI`` if set; testcontainers
when a Docker engine answers; otherwise the packaged servers (noida-db, secantusdb) on free
loopback ports. Every test sees the same interface either way.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from muninn_devstack.servers import free_port, mongo_uri, start_kafka, start_mongo
from muninn_devstack.topology import PACE_EMPTY_FETCHES_ENV
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.settings import ServiceSettings


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    mongo_uri: str
    origin: str

    def runtime(self, service_name: str, **settings: Any) -> ServiceRuntime:
        """A service runtime alone (no app) on these servers: its own Kafka clients and database."""
        return ServiceRuntime(
            ServiceSettings(
                service_name=service_name,
                kafka_bootstrap=self.kafka_bootstrap,
                mongo_uri=self.mongo_uri,
                **settings,
            )
        )

    def service_fields(self, unique: str) -> dict[str, str]:
        """Service settings for these servers, with databases and consumer groups of its own.

        Its own groups matter when apps follow one another: they must not fence each other.
        """
        return {
            "kafka_bootstrap": self.kafka_bootstrap,
            "mongo_uri": self.mongo_uri,
            "mongo_database_prefix": f"muninn_it{unique}_",
            "kafka_group_prefix": f"it{unique}.",
        }


def docker_available() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def _containers() -> Iterator[Infra]:
    from pymongo import MongoClient
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.kafka import KafkaContainer

    with (
        KafkaContainer().with_kraft() as kafka,
        DockerContainer("mongo:7")
        .with_command("--replSet rs0 --bind_ip_all")
        .with_exposed_ports(27017) as mongo,
    ):
        wait_for_logs(mongo, "Waiting for connections")
        host, port = mongo.get_container_host_ip(), mongo.get_exposed_port(27017)
        uri = f"mongodb://{host}:{port}/?directConnection=true"
        client: MongoClient[dict[str, object]] = MongoClient(uri)
        with contextlib.suppress(Exception):
            client.admin.command(
                "replSetInitiate",
                {"_id": "rs0", "members": [{"_id": 0, "host": "localhost:27017"}]},
            )
        client.close()
        yield Infra(kafka.get_bootstrap_server(), uri, "testcontainers")


@contextlib.contextmanager
def _packaged(workdir: Path) -> Iterator[Infra]:
    kafka_port, mongo_port = free_port(), free_port()
    kafka = start_kafka(workdir / "kafka", kafka_port, workdir / "logs" / "kafka.log")
    try:
        mongo = start_mongo(workdir / "mongo", mongo_port, workdir / "logs" / "mongo.log")
        try:
            # In-process runtimes and every service process a test starts inherit it.
            with mock.patch.dict(os.environ, {PACE_EMPTY_FETCHES_ENV: "true"}):
                yield Infra(f"127.0.0.1:{kafka_port}", mongo_uri(mongo_port), "packaged")
        finally:
            mongo.stop()
    finally:
        kafka.stop()


@contextlib.contextmanager
def provide_infra(workdir: Path) -> Iterator[Infra]:
    kafka = os.environ.get("MUNINN_TEST_KAFKA_BOOTSTRAP")
    mongo = os.environ.get("MUNINN_TEST_MONGO_URI")
    if kafka and mongo:
        yield Infra(kafka, mongo, "environment")
    elif docker_available():
        with _containers() as infra:
            yield infra
    else:
        with _packaged(workdir) as infra:
            yield infra
