"""Each service reaches Kafka as its own user, allowed exactly the topics its code uses.

The ACLs are generated from the code (deploy/k8s/generate_kafka_users.py); these tests check
the committed manifests against the generator, the generator's reading of the code against the
handlers each service really registers, and the deployments against the users.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from muninn_gateway.revocation import feed
from muninn_shared.events.catalogue import CATALOGUE, Topic, all_topics, dead_letter_topic
from muninn_shared.settings import CONTENT_SERVICES, SERVICE_NAMES

from tests.deploy.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
USERS_FILE = K8S / "infra" / "kafka-users.yaml"
COMPOSE_SETUP = ROOT / "deploy" / "docker" / "kafka-setup.sh"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DEPLOY_README = ROOT / "deploy" / "README.md"
# The gateway reads the token revocations (muninn_gateway.revocation.feed) with no group.
KAFKA_SERVICES = (*CONTENT_SERVICES, "gateway")


@cache
def generator() -> ModuleType:
    return load_script(K8S / "generate_kafka_users.py", "muninn_generate_kafka_users")


@cache
def kafka_users() -> dict[str, dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(USERS_FILE.read_text()) if d]
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "KafkaUser"}


def granted(user: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """Topics the user may read, topics it may write, and its group prefixes."""
    reads: set[str] = set()
    writes: set[str] = set()
    groups: set[str] = set()
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        operations = set(acl["operations"])
        if resource["type"] == "group":
            assert resource["patternType"] == "prefix"
            assert operations <= {"Describe", "Read"}
            groups.add(resource["name"])
            continue
        assert resource["type"] == "topic"
        assert resource["patternType"] == "literal", "no wildcard or prefix topic grants"
        assert operations <= {"Describe", "Read", "Write"}
        assert resource["name"] in all_topics(), resource["name"]
        if "Read" in operations:
            reads.add(resource["name"])
        if "Write" in operations:
            writes.add(resource["name"])
    return reads, writes, groups


def test_committed_users_and_compose_acls_are_the_generators_output() -> None:
    assert USERS_FILE.read_text() == generator().render(), (
        "regenerate: .venv/bin/python deploy/k8s/generate_kafka_users.py"
        " > deploy/k8s/infra/kafka-users.yaml"
    )
    assert COMPOSE_SETUP.read_text() == generator().render_compose(), (
        "regenerate: .venv/bin/python deploy/k8s/generate_kafka_users.py --compose"
        " > deploy/docker/kafka-setup.sh"
    )


def test_there_is_one_user_per_service_that_uses_kafka() -> None:
    assert set(kafka_users()) == {generator().kafka_user(s) for s in KAFKA_SERVICES}
    for user in kafka_users().values():
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == "muninn"


@pytest.mark.parametrize("service", CONTENT_SERVICES)
def test_a_users_acls_are_exactly_what_its_service_produces_and_consumes(service: str) -> None:
    access = generator().service_access(service)
    reads, writes, groups = granted(kafka_users()[generator().kafka_user(service)])
    assert reads == access.consumes
    assert writes == access.produces | {dead_letter_topic(t) for t in access.consumes}
    assert groups == {f"{service}."}


def test_the_gateway_may_only_read_the_revocations_and_needs_no_group() -> None:
    user = kafka_users()[generator().kafka_user("gateway")]
    reads, writes, groups = granted(user)
    assert reads == {feed.TOPIC} == {Topic.IDENTITY_SESSIONS.value}
    assert writes == set(), "no events to emit, no dead letters: a replica skips what it can't read"
    assert groups == set()
    (acl,) = user["spec"]["authorization"]["acls"]
    assert sorted(acl["operations"]) == ["Describe", "Read"]
    # No group ACL holds only while the feed assigns itself the partitions without a group.
    calls = [
        node
        for node in ast.walk(ast.parse(Path(feed.__file__).read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AIOKafkaConsumer"
    ]
    assert calls
    for call in calls:
        (group,) = [k.value for k in call.keywords if k.arg == "group_id"]
        assert isinstance(group, ast.Constant)
        assert group.value is None


@pytest.mark.parametrize("service", CONTENT_SERVICES)
def test_every_event_type_a_user_may_write_is_one_its_service_emits(service: str) -> None:
    """No service may forge another's events: only identity writes the users topic, and so on."""
    access = generator().service_access(service)
    sources = {spec.topic.value for spec in CATALOGUE.values()}
    for topic in access.produces & sources:
        if topic == Topic.ERASURE_CONFIRMATIONS.value:
            continue  # every content service confirms its own part of an erasure
        if topic == Topic.IDENTITY_USERS.value:
            assert service == "identity"
        else:
            assert topic.split(".")[1] == service, (service, topic)


def test_the_code_scan_sees_every_handler_the_services_register() -> None:
    """The generator reads the source; the services' own registrations must agree with it."""
    for service in CONTENT_SERVICES:
        app = importlib.import_module(f"muninn_{service}.main").create_app()
        registered = app.state.runtime.consumers.registered
        assert {topic for topic, _, _ in registered} == generator().service_access(
            service
        ).consumes, service
        assert all(consumer.startswith(f"{service}.") for _, consumer, _ in registered)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_deployment_signs_in_as_its_own_user_and_trusts_the_cluster_ca(
    service: str,
) -> None:
    docs = [d for d in yaml.safe_load_all((K8S / "base" / f"{service}.yaml").read_text()) if d]
    (deployment,) = [d for d in docs if d["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {entry["name"]: entry for entry in container.get("env", [])}
    if service not in KAFKA_SERVICES:
        assert not any(name.startswith("MUNINN_KAFKA_SASL") for name in env)
        return
    user = generator().kafka_user(service)
    assert env["MUNINN_KAFKA_SASL_USERNAME"]["value"] == user
    password = env["MUNINN_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert password == {"name": user, "key": "password"}, "the Secret Strimzi writes for the user"
    (volume,) = [v for v in pod["volumes"] if v["name"] == "kafka-ca"]
    assert volume["secret"]["secretName"] == "muninn-cluster-ca-cert"
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "kafka-ca"]
    config = dict(
        line.split("=", 1)
        for line in (K8S / "base" / "config.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    (item,) = volume["secret"]["items"]
    assert config["MUNINN_KAFKA_SSL_CA_FILE"] == f"{mount['mountPath']}/{item['path']}"


def compose_services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    return services


def test_compose_kafka_takes_only_scram_over_tls_and_denies_by_default() -> None:
    env = compose_services()["kafka"]["environment"]
    listeners = dict(entry.split("://", 1) for entry in env["KAFKA_LISTENERS"].split(","))
    protocols = dict(
        entry.split(":", 1) for entry in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    for name, address in listeners.items():
        if name == env["KAFKA_CONTROLLER_LISTENER_NAMES"]:
            assert address.startswith("127.0.0.1:"), (
                "the controller listener stays in the container"
            )
        else:
            assert protocols[name] == "SASL_SSL", name
    assert env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"].endswith("StandardAuthorizer")
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    setup = compose_services()["kafka-setup"]
    assert f"./{COMPOSE_SETUP.relative_to(ROOT)}:/muninn/kafka-setup.sh:ro" in setup["volumes"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_compose_service_signs_in_as_its_own_user(service: str) -> None:
    spec = compose_services()[service]
    env = spec["environment"]
    if service not in KAFKA_SERVICES:
        assert "MUNINN_KAFKA_SASL_USERNAME" not in env
        return
    assert env["MUNINN_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["MUNINN_KAFKA_SASL_USERNAME"] == service
    password = f"KAFKA_PASSWORD_{service.upper()}"
    assert env["MUNINN_KAFKA_SASL_PASSWORD"].startswith(f"${{MUNINN_{password}:?")
    assert f"${password}" in COMPOSE_SETUP.read_text(), "kafka-setup gives the user that password"
    assert compose_services()["kafka-setup"]["environment"][password].startswith(
        f"${{MUNINN_{password}:?"
    )
    # .env, copied from .env.example (deploy/README.md says how), holds the password.
    assert f"MUNINN_{password}=" in (COMPOSE_FILE.parent / ".env.example").read_text()
    assert f"MUNINN_{password}" in DEPLOY_README.read_text()
    (mount,) = [m for m in spec["volumes"] if m.startswith("kafka-tls:")]
    assert env["MUNINN_KAFKA_SSL_CA_FILE"] == f"{mount.split(':')[1]}/ca.crt"
    assert spec["depends_on"]["kafka-setup"] == {"condition": "service_completed_successfully"}
