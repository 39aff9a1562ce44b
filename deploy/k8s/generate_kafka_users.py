"""Print one Strimzi KafkaUser per service, with ACLs for exactly the topics its code uses.

What a service may do is read from its code, not written by hand:

- it consumes a topic when a handler is registered on it (``consumers.on(Topic.X, ...)``, or
  the shared erasure consumer ``install_erasure_consumer``, which reads the users topic); a
  service whose users' content may live in their own database (``ContentService``) also
  consumes the byod routes, whose consumer the shared runtime installs
  (``muninn_shared.storage.own_relays.install_route_consumer``);
- it produces a topic when it emits an event type of that topic (a catalogue event type as the
  first argument of a call: ``new_event("scheduler.timer.fired", ...)`` or a helper such as
  ``self._announce("conversation.message.created", ...)``), the erasure confirmation when it
  installs the erasure consumer, the dead-letter topic of every topic it consumes (failed
  deliveries go there) and any ``dead_letter_topic(Topic.X.value)`` it names itself;
- its consumer groups are ``<service>.<handler name>``: one prefixed group ACL;
- a group-less reader (``GROUPLESS_READERS``: the gateway, whose every replica assigns itself
  every partition of the sessions topic, ``muninn_gateway.revocation.feed``) may read the
  topics it names there and nothing more: no group, no dead-letter topic, no write.

The committed ``infra/kafka-users.yaml`` is this script's output and
``deploy/docker/kafka-setup.sh`` its ``--compose`` output (the same users and ACLs for the
Compose broker, with the topics); tests/deploy checks both, and checks the scan against the
handlers each service really registers. After changing what a service emits or consumes:

    .venv/bin/python deploy/k8s/generate_kafka_users.py > deploy/k8s/infra/kafka-users.yaml
    .venv/bin/python deploy/k8s/generate_kafka_users.py --compose > deploy/docker/kafka-setup.sh
"""

from __future__ import annotations

import ast
import importlib.util
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import yaml
from muninn_gateway.revocation.feed import TOPIC as REVOCATIONS_TOPIC
from muninn_shared.content_schema import ContentService
from muninn_shared.events.catalogue import CATALOGUE, Topic, all_topics, dead_letter_topic
from muninn_shared.settings import CONTENT_SERVICES

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "muninn"
ERASURE_CONSUMER = "install_erasure_consumer"
# Services that read without a consumer group (manual assignment, group_id=None), and what:
# named by the reading code itself, so the ACL follows the topic if it ever moves.
GROUPLESS_READERS: dict[str, frozenset[str]] = {"gateway": frozenset({REVOCATIONS_TOPIC})}


def kafka_user(service: str) -> str:
    """The KafkaUser (and the Secret Strimzi writes its password to) of a service."""
    return f"{CLUSTER}-{service}"


@dataclass
class ServiceAccess:
    produces: set[str] = field(default_factory=set)
    # Read through the service's consumer groups (failed deliveries go to dead letters).
    consumes: set[str] = field(default_factory=set)
    # Read without a group (every partition assigned by hand): reading only.
    reads: set[str] = field(default_factory=set)

    @property
    def writes(self) -> set[str]:
        return self.produces | {dead_letter_topic(topic) for topic in self.consumes}


def _topic_of(node: ast.expr) -> str | None:
    """``Topic.X`` or ``Topic.X.value`` as the topic's name."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Topic"
    ):
        return Topic[node.attr].value
    return None


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def scan(source: str, access: ServiceAccess) -> None:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        callee = _callee(node)
        first = node.args[0] if node.args else None
        if callee == "on" and first is not None and (topic := _topic_of(first)):
            access.consumes.add(topic)
        elif callee == ERASURE_CONSUMER:
            access.consumes.add(Topic.IDENTITY_USERS.value)
            access.produces.add(CATALOGUE["privacy.erasure.completed"].topic.value)
        elif callee == "dead_letter_topic" and first is not None and (topic := _topic_of(first)):
            access.produces.add(dead_letter_topic(topic))
        elif isinstance(first, ast.Constant) and first.value in CATALOGUE:
            access.produces.add(CATALOGUE[first.value].topic.value)


def service_access(service: str) -> ServiceAccess:
    access = ServiceAccess(reads=set(GROUPLESS_READERS.get(service, ())))
    if service in {content.value for content in ContentService}:
        # Installed by muninn_shared.runtime, not in the service's own code.
        access.consumes.add(Topic.BYOD_ROUTING.value)
    package = ROOT / "services" / service / f"muninn_{service}"
    for path in sorted(package.rglob("*.py")):
        scan(path.read_text(), access)
    return access


def kafka_services() -> tuple[str, ...]:
    """Every service that signs in to Kafka: the content services, then the group-less readers."""
    return (*CONTENT_SERVICES, *GROUPLESS_READERS)


def all_access() -> dict[str, ServiceAccess]:
    return {service: service_access(service) for service in kafka_services()}


def acls(service: str, access: ServiceAccess) -> list[dict[str, object]]:
    def topic(name: str, operations: list[str]) -> dict[str, object]:
        return {
            "resource": {"type": "topic", "name": name, "patternType": "literal"},
            "operations": operations,
            "host": "*",
        }

    reads = access.consumes | access.reads
    rules = [topic(name, ["Describe", "Read"]) for name in sorted(reads)]
    rules += [topic(name, ["Describe", "Write"]) for name in sorted(access.writes)]
    if access.consumes:
        rules.append(
            {
                "resource": {"type": "group", "name": f"{service}.", "patternType": "prefix"},
                "operations": ["Describe", "Read"],
                "host": "*",
            }
        )
    return rules


def user_resource(service: str, access: ServiceAccess) -> dict[str, object]:
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaUser",
        "metadata": {
            "name": kafka_user(service),
            "labels": {"strimzi.io/cluster": CLUSTER, "app.kubernetes.io/part-of": "muninn"},
        },
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": acls(service, access)},
        },
    }


def render() -> str:
    header = (
        "# Generated by deploy/k8s/generate_kafka_users.py from the services' handlers and\n"
        "# events: do not edit by hand; regenerate after changing what a service emits or reads.\n"
    )
    documents = [user_resource(s, a) for s, a in all_access().items()]
    body: str = yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True)
    return header + body


def render_compose() -> str:
    """Compose's one-shot kafka-setup script: topics, then each service's user and ACLs."""
    topics = generate_topics()
    lines = [
        "#!/bin/sh",
        "# Generated by deploy/k8s/generate_kafka_users.py --compose: do not edit by hand.",
        "# Run by Compose's kafka-setup container (docker-compose.yml) as the broker's admin, on",
        "# every start: creates the catalogue's topics, each service's SCRAM user (its password",
        "# from KAFKA_PASSWORD_<SERVICE>, so a changed password takes effect) and its ACLs.",
        "set -eu",
        "umask 077",
        "admin=/tmp/admin.properties",
        'cat > "$admin" <<EOF',
        "security.protocol=SASL_SSL",
        "sasl.mechanism=SCRAM-SHA-512",
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
        ' username="admin" password="$KAFKA_ADMIN_PASSWORD";',
        "ssl.truststore.type=PEM",
        "ssl.truststore.location=$KAFKA_CA_FILE",
        "EOF",
        'connect="--bootstrap-server $KAFKA_BOOTSTRAP --command-config $admin"',
        "bin=/opt/kafka/bin",
    ]
    for name in all_topics():
        retention = topics.retention_ms(name)
        lines.append(
            f"$bin/kafka-topics.sh $connect --create --if-not-exists --topic {name}"
            f" --partitions {topics.partitions()} --replication-factor 1"
            f" --config retention.ms={retention}"
        )
    for service, access in all_access().items():
        password = f"KAFKA_PASSWORD_{service.upper()}"
        lines.append(
            f"$bin/kafka-configs.sh $connect --alter --entity-type users --entity-name {service}"
            f' --add-config "SCRAM-SHA-512=[password=${password}]"'
        )
        principal = shlex.quote(f"User:{service}")
        for rule in acls(service, access):
            resource = rule["resource"]
            operations = rule["operations"]
            assert isinstance(resource, dict)
            assert isinstance(operations, list)
            kind = "--topic" if resource["type"] == "topic" else "--group"
            ops = " ".join(f"--operation {op}" for op in operations)
            lines.append(
                f"$bin/kafka-acls.sh $connect --add --allow-principal {principal} {ops}"
                f" {kind} {shlex.quote(str(resource['name']))}"
                f" --resource-pattern-type {resource['patternType']}"
            )
    return "\n".join(lines) + "\n"


def generate_topics() -> ModuleType:
    """The topics generator beside this file: one retention and partition policy for both."""
    spec = importlib.util.spec_from_file_location(
        "muninn_generate_topics", Path(__file__).with_name("generate_topics.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    sys.stdout.write(render_compose() if "--compose" in sys.argv[1:] else render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
