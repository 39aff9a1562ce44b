"""The services the dev stack starts pace their fetches only against the packaged broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from muninn_devstack.topology import (
    PACE_EMPTY_FETCHES_ENV,
    REPLICAS_ENV,
    StackConfig,
    replica_ports_for,
    replicas_from_env,
)
from muninn_shared.settings import SERVICE_NAMES, ServiceSettings


def stack(*, development_broker: bool) -> StackConfig:
    return StackConfig(
        kafka_bootstrap="127.0.0.1:19092",
        mongo_uri="mongodb://127.0.0.1:27027/?directConnection=true",
        development_broker=development_broker,
    )


def test_services_on_the_packaged_broker_pace_empty_fetches() -> None:
    config = stack(development_broker=True)
    for service in SERVICE_NAMES:
        env = config.env_for(service)
        assert env[PACE_EMPTY_FETCHES_ENV] == "true"


def test_services_on_a_real_broker_do_not() -> None:
    config = stack(development_broker=False)
    assert all(PACE_EMPTY_FETCHES_ENV not in config.env_for(s) for s in SERVICE_NAMES)


def test_the_variable_is_the_setting() -> None:
    field = PACE_EMPTY_FETCHES_ENV.removeprefix("MUNINN_").lower()
    assert field in ServiceSettings.model_fields


def test_replicas_get_their_own_port_instance_and_vectors_and_the_gateway_lists_them() -> None:
    config = StackConfig(
        kafka_bootstrap="127.0.0.1:19092",
        mongo_uri="mongodb://127.0.0.1:27027/?directConnection=true",
        ports={name: 9000 + n for n, name in enumerate(SERVICE_NAMES)},
        qdrant_path=Path("/data/qdrant"),
        replica_ports={"memory": [9101], "scheduler": [9102, 9103], "gateway": [9100]},
    )
    first, second = config.env_for("memory", 1), config.env_for("memory", 2)
    assert (first["MUNINN_PORT"], second["MUNINN_PORT"]) == (str(config.ports["memory"]), "9101")
    assert (first["MUNINN_INSTANCE_ID"], second["MUNINN_INSTANCE_ID"]) == ("1", "2")
    assert first["MUNINN_QDRANT_PATH"] == "/data/qdrant"
    assert second["MUNINN_QDRANT_PATH"] == "/data/qdrant-2"
    assert (
        first["MUNINN_INDEX_FOLLOW_INTERVAL_SECONDS"]
        == second["MUNINN_INDEX_FOLLOW_INTERVAL_SECONDS"]
    )
    assert {config.env_for("scheduler", n)["MUNINN_INSTANCE_ID"] for n in (1, 2, 3)} == {
        "1",
        "2",
        "3",
    }
    assert config.process("scheduler", Path("/logs"), 3).name == "scheduler-3"

    for replica in (1, 2):
        listed = json.loads(config.env_for("gateway", replica)["MUNINN_UPSTREAM_REPLICAS"])
        assert listed == {
            "memory": [config.url("memory"), "http://127.0.0.1:9101"],
            "scheduler": [
                config.url("scheduler"),
                "http://127.0.0.1:9102",
                "http://127.0.0.1:9103",
            ],
        }
    # One replica changes nothing: no instance id, no follower, no replica list.
    single = config.env_for("identity")
    assert "MUNINN_INSTANCE_ID" not in single
    assert "MUNINN_UPSTREAM_REPLICAS" not in config.env_for("identity")


def test_a_shared_qdrant_server_needs_no_follower() -> None:
    config = StackConfig(
        kafka_bootstrap="127.0.0.1:19092",
        mongo_uri="mongodb://127.0.0.1:27027/?directConnection=true",
        qdrant_url="http://qdrant:6333",
        replica_ports={"memory": [9101]},
    )
    env = config.env_for("memory", 2)
    assert env["MUNINN_QDRANT_URL"] == "http://qdrant:6333"
    assert "MUNINN_INDEX_FOLLOW_INTERVAL_SECONDS" not in env


def test_make_run_replicas_come_from_the_environment_on_ports_a_hundred_apart() -> None:
    counts = replicas_from_env({REPLICAS_ENV: " memory=2, gateway=3 ,scheduler=1"})
    assert counts == {"memory": 2, "gateway": 3, "scheduler": 1}
    ports = {name: 8080 + n for n, name in enumerate(SERVICE_NAMES)}
    assert replica_ports_for(ports, counts) == {"memory": [8183], "gateway": [8180, 8280]}
    for bad in ("memory=0", "memory=10", "memory=two", "nosuch=2", "memory"):
        with pytest.raises(ValueError, match=REPLICAS_ENV):
            replicas_from_env({REPLICAS_ENV: bad})
    with pytest.raises(ValueError, match="65535"):
        replica_ports_for({"memory": 65500}, {"memory": 2})
