"""The Kubernetes manifests as a cluster would receive them: rendered, schema-valid, safe.

Every kustomization (base, infra, both overlays, prod with the Ingress component) is built
with kustomize (or kubectl's), which is required whenever either binary is installed. Each
rendered document is validated strictly against the vendored JSON Schema of its kind:
Kubernetes v1.34's for built-in kinds (deploy/schemas/kubernetes/v1.34), the operators' CRDs
for custom resources (deploy/schemas/crds), both laid out as <group>/<kind>_<version>.json; a
kind without a schema fails. Then the properties production depends on, and checkov's
policies over the rendered overlays and the Dockerfile. No network, no cluster.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from muninn_gateway.settings import GatewaySettings
from muninn_shared.settings import SERVICE_NAMES
from muninn_shared.signing import SigningKeyRing

from tests.deploy.scripts import load_script
from tests.deploy.test_manifests import env_names, settings_class

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SCHEMAS = DEPLOY / "schemas"
SCHEMA_DIRECTORIES = (SCHEMAS / "kubernetes" / "v1.34", SCHEMAS / "crds")
CHECKOV_CONFIG = DEPLOY / "checkov.yaml"
CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"

WAIT_FOR_TOPICS = ["python", "-m", "muninn_shared.messaging.wait_for_topics", "--timeout", "300"]
INTERNET_SERVICES = {"scheduler", "integrations"}
QDRANT_CLIENTS = {"memory", "byod"}
PROD_QDRANT_SETTINGS = {
    "MUNINN_QDRANT_SHARD_NUMBER": "3",
    "MUNINN_QDRANT_REPLICATION_FACTOR": "2",
    "MUNINN_QDRANT_WRITE_CONSISTENCY_FACTOR": "1",
}
# Overlays: the ingress variant is prod with ../../components/ingress added.
TARGETS = ("base", "infra", "overlays/dev", "overlays/prod", "overlays/prod-ingress")

Document = dict[str, Any]


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


@cache
def rendered_tree() -> Path:
    """A copy of deploy/k8s with what an operator adds before applying: dev signing keys and
    a prod variant that takes the Ingress component."""
    import tempfile

    tree = Path(tempfile.mkdtemp(prefix="muninn-k8s-")) / "k8s"
    shutil.copytree(K8S, tree)
    SigningKeyRing.generate().save(tree / "overlays" / "dev" / "signing-keys.json")
    variant = tree / "overlays" / "prod-ingress"
    variant.mkdir()
    (variant / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "muninn",
                "resources": ["../prod"],
                "components": ["../../components/ingress"],
            }
        )
    )
    return tree


@cache
def rendered_text(target: str) -> str:
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is on PATH: the manifests cannot be rendered")
    result = subprocess.run(
        [*command, str(rendered_tree() / target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def rendered(target: str) -> list[Document]:
    return [doc for doc in yaml.safe_load_all(rendered_text(target)) if doc]


def of_kind(docs: list[Document], kind: str) -> dict[str, Document]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def service_config(docs: list[Document]) -> tuple[str, Document]:
    """The services' ConfigMap (others, such as Grafana's dashboards, may sit beside it)."""
    ((name, config),) = [
        (name, doc)
        for name, doc in of_kind(docs, "ConfigMap").items()
        if name.startswith("muninn-config")
    ]
    return name, config


def schema_path(doc: Document) -> Path | None:
    group, _, version = doc["apiVersion"].rpartition("/")
    name = f"{doc['kind'].lower()}_{version}.json"
    for directory in SCHEMA_DIRECTORIES:
        candidate = directory / (group or "core") / name
        if candidate.is_file():
            return candidate
    return None


@cache
def validator(path: Path) -> jsonschema.protocols.Validator:
    schema = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def main_container(deployment: Document) -> Document:
    pod = deployment["spec"]["template"]["spec"]
    containers: list[Document] = pod["containers"]
    (container,) = [c for c in containers if c["name"] == deployment["metadata"]["name"]]
    return container


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def policies_for(docs: list[Document], labels: Mapping[str, str], kind: str) -> Iterator[Document]:
    for policy in of_kind(docs, "NetworkPolicy").values():
        if kind in policy["spec"].get("policyTypes", []) and selects(
            policy["spec"]["podSelector"], labels
        ):
            yield policy


def reaches_any_address_on_any_port(rule: Document) -> bool:
    open_block = any(
        peer.get("ipBlock", {}).get("cidr") in {"0.0.0.0/0", "::/0"} for peer in rule.get("to", [])
    )
    return (open_block or "to" not in rule) and not rule.get("ports")


def duration_seconds(value: str) -> float:
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    for suffix in ("ms", "h", "m", "s"):
        if value.endswith(suffix):
            return float(value.removesuffix(suffix)) * units[suffix]
    raise AssertionError(f"not a Gateway API duration: {value}")


# --------------------------------------------------------------------------------------------
# rendering and schemas


def test_kustomize_renders_when_installed_and_skips_only_without_it() -> None:
    if kustomize_command() is None:
        pytest.skip("neither kustomize nor kubectl is on PATH: the manifests cannot be rendered")
    for target in TARGETS:
        assert rendered(target), target


@pytest.mark.parametrize("target", TARGETS)
def test_every_rendered_document_validates_against_its_schema(target: str) -> None:
    problems = []
    for doc in rendered(target):
        where = f"{doc['kind']}/{doc['metadata']['name']} ({doc['apiVersion']})"
        path = schema_path(doc)
        if path is None:
            problems.append(f"{where}: no schema under deploy/schemas; vendor one")
            continue
        for error in validator(path).iter_errors(doc):
            location = "/".join(str(part) for part in error.absolute_path)
            problems.append(f"{where} at /{location}: {error.message[:300]}")
    assert not problems, "\n".join(problems)


def test_a_kind_without_a_schema_or_an_unknown_field_fails_validation() -> None:
    assert schema_path({"apiVersion": "example.org/v1", "kind": "Unknown"}) is None
    (deployment, *_) = of_kind(rendered("base"), "Deployment").values()
    path = schema_path(deployment)
    assert path is not None
    deployment["spec"]["template"]["spec"]["containerz"] = []
    assert list(validator(path).iter_errors(deployment))
    (topic, *_) = of_kind(rendered("infra"), "KafkaTopic").values()
    topic_schema = schema_path(topic)
    assert topic_schema is not None
    topic["spec"]["replica"] = 3
    assert list(validator(topic_schema).iter_errors(topic))


def test_every_vendored_schema_is_a_valid_json_schema_named_by_its_layout() -> None:
    paths = [p for directory in SCHEMA_DIRECTORIES for p in directory.rglob("*.json")]
    assert paths
    for path in paths:
        schema = json.loads(path.read_text())
        jsonschema.validators.validator_for(schema).check_schema(schema)
        kind, _, version = path.stem.rpartition("_")
        assert kind, path
        assert version, path
        if path.is_relative_to(SCHEMAS / "crds"):
            group = path.parent.name
            assert schema["properties"]["apiVersion"]["enum"] == [f"{group}/{version}"], path


# --------------------------------------------------------------------------------------------
# Kafka


def test_no_strimzi_v1beta2_anywhere_in_the_deployment() -> None:
    for path in K8S.rglob("*"):
        if path.is_file() and path.suffix in {".yaml", ".py"}:
            assert "kafka.strimzi.io/v1beta2" not in path.read_text(), path
    for target in TARGETS:
        for doc in rendered(target):
            if doc["apiVersion"].startswith("kafka.strimzi.io/"):
                assert doc["apiVersion"] == "kafka.strimzi.io/v1", doc["metadata"]["name"]


def test_kafka_runs_kraft_on_node_pools_with_a_version_strimzi_1_x_ships() -> None:
    docs = rendered("overlays/prod")
    (kafka,) = of_kind(docs, "Kafka").values()
    assert "zookeeper" not in kafka["spec"]
    assert str(kafka["spec"]["kafka"]["version"]).startswith(("4.2.", "4.3."))
    (pool,) = of_kind(docs, "KafkaNodePool").values()
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert pool["spec"]["replicas"] == 3
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True
    assert listener["authentication"]["type"] == "scram-sha-512"
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False


def test_every_prod_topic_has_three_replicas_and_two_in_sync() -> None:
    topics = of_kind(rendered("overlays/prod"), "KafkaTopic")
    assert topics
    for name, topic in topics.items():
        assert topic["spec"]["replicas"] == 3, name
        assert topic["spec"]["config"]["min.insync.replicas"] == 2, name


@pytest.mark.parametrize("target", ["base", "overlays/dev", "overlays/prod"])
def test_services_never_create_topics(target: str) -> None:
    _, config = service_config(rendered(target))
    assert config["data"]["MUNINN_KAFKA_CREATE_TOPICS"] == "false"


@pytest.mark.parametrize("target", ["overlays/dev", "overlays/prod"])
def test_every_deployment_waits_for_its_topics_with_its_own_kafka_settings(target: str) -> None:
    deployments = of_kind(rendered(target), "Deployment")
    assert set(deployments) == set(SERVICE_NAMES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        (init,) = [c for c in pod.get("initContainers", []) if c["name"] == "wait-for-topics"]
        main = main_container(deployment)
        assert init["command"] == WAIT_FOR_TOPICS, name
        assert init["image"] == main["image"], name
        assert init["envFrom"] == main["envFrom"], name
        kafka_env = [e for e in main["env"] if e["name"].startswith("MUNINN_KAFKA_")]
        assert kafka_env, name
        for variable in kafka_env:
            assert variable in init["env"], f"{name}: {variable['name']}"
        ca_mounts = [m for m in main["volumeMounts"] if m["name"] == "kafka-ca"]
        assert ca_mounts
        for mount in ca_mounts:
            assert mount in init["volumeMounts"], name
        assert init["securityContext"] == main["securityContext"], name


def test_each_kafka_user_is_one_service_with_acls_on_muninn_topics_and_its_groups() -> None:
    users = of_kind(rendered("infra"), "KafkaUser")
    assert set(users) == {f"muninn-{service}" for service in SERVICE_NAMES}
    for name, user in users.items():
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        for acl in user["spec"]["authorization"]["acls"]:
            resource = acl["resource"]
            assert resource["type"] in {"topic", "group", "transactionalId"}, name
            if resource["type"] == "topic":
                assert resource["name"].startswith("muninn."), name
                assert resource["patternType"] == "literal", name


# --------------------------------------------------------------------------------------------
# MongoDB and Qdrant


def test_each_service_has_its_own_mongodb_user_confined_to_its_database() -> None:
    docs = rendered("overlays/prod")
    (mongo,) = of_kind(docs, "MongoDBCommunity").values()
    users = {user["name"]: user for user in mongo["spec"]["users"]}
    deployments = of_kind(docs, "Deployment")
    operators = {"muninn-backup", "muninn-schema"}
    assert set(users) == {f"muninn-{service}" for service in SERVICE_NAMES} | operators
    # The nightly dump reads everything and writes nothing; the schema upgrade reaches the
    # content services' databases only.
    assert users["muninn-backup"]["roles"] == [{"name": "backup", "db": "admin"}]
    content = {f"muninn_{s}" for s in ("conversation", "memory", "scheduler", "integrations")}
    assert {role["db"] for role in users["muninn-schema"]["roles"]} == content
    assert {role["name"] for role in users["muninn-schema"]["roles"]} == {"readWrite", "dbAdmin"}
    jobs = {**of_kind(docs, "Job"), **of_kind(docs, "CronJob")}
    dump_pod = jobs["mongodb-dump"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    upgrade_pod = jobs["schema-upgrade"]["spec"]["template"]["spec"]
    for pod, user in ((dump_pod, "muninn-backup"), (upgrade_pod, "muninn-schema")):
        secrets = {
            e["valueFrom"]["secretKeyRef"]["name"]
            for c in pod["containers"]
            for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        assert users[user]["connectionStringSecretName"] in secrets, user
    assert "MUNINN_MONGO_URI" not in {
        e["name"] for e in main_container(deployments["gateway"])["env"]
    }
    for service in SERVICE_NAMES:
        user = users[f"muninn-{service}"]
        for role in user["roles"]:
            if role["name"] == "clusterMonitor":
                assert role["db"] == "admin"
            else:
                assert role["name"] in {"readWrite", "dbAdmin"}, role
                assert role["db"] == f"muninn_{service}", role
        if service == "gateway":
            continue
        env = {e["name"]: e for e in main_container(deployments[service])["env"]}
        uri = env["MUNINN_MONGO_URI"]["valueFrom"]["secretKeyRef"]
        assert uri["name"] == user["connectionStringSecretName"]


def test_the_credentials_script_prints_every_mongodb_users_password_secret() -> None:
    script = load_script(K8S / "generate_service_credentials.py", "generate_service_credentials")
    printed = {doc["metadata"]["name"]: doc for doc in script.mongodb_passwords()}
    (mongo,) = of_kind(rendered("infra"), "MongoDBCommunity").values()
    wanted = {user["passwordSecretRef"]["name"] for user in mongo["spec"]["users"]}
    assert set(printed) == wanted
    for user in mongo["spec"]["users"]:
        secret = printed[user["passwordSecretRef"]["name"]]
        assert len(secret["stringData"][user["passwordSecretRef"]["key"]]) >= 32
    dev = {doc["metadata"]["name"] for doc in of_kind(rendered("overlays/dev"), "Secret").values()}
    assert wanted <= dev, "the dev overlay generates every user's password"


@pytest.mark.parametrize("service", sorted(QDRANT_CLIENTS))
def test_prod_qdrant_collections_are_sharded_and_replicated(service: str) -> None:
    deployment = of_kind(rendered("overlays/prod"), "Deployment")[service]
    env = {e["name"]: e.get("value") for e in main_container(deployment)["env"]}
    for name, value in PROD_QDRANT_SETTINGS.items():
        assert env.get(name) == value, name


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_prod_environment_variable_is_a_real_setting(service: str) -> None:
    deployment = of_kind(rendered("overlays/prod"), "Deployment")[service]
    names = {e["name"] for e in main_container(deployment)["env"]} | set(
        service_config(rendered("overlays/prod"))[1]["data"]
    )
    unknown = {name for name in names if name.startswith("MUNINN_")} - env_names(
        settings_class(service)
    )
    assert unknown <= set(PROD_QDRANT_SETTINGS), sorted(unknown)
    if unknown:
        # The three Qdrant collection settings are being added to ServiceSettings on another
        # branch under exactly these names; until it lands, only they may be unknown.
        pytest.skip(f"settings fields not yet in ServiceSettings: {sorted(unknown)}")


def test_qdrant_runs_three_replicating_nodes_with_an_api_key() -> None:
    values = yaml.safe_load((K8S / "infra" / "qdrant-values.yaml").read_text())
    assert values["replicaCount"] == 3
    assert values["config"]["cluster"]["enabled"] is True
    assert values["apiKey"] is True
    assert values["podDisruptionBudget"]["enabled"] is True
    replication = int(PROD_QDRANT_SETTINGS["MUNINN_QDRANT_REPLICATION_FACTOR"])
    assert 1 < replication <= values["replicaCount"]


# --------------------------------------------------------------------------------------------
# network


def infrastructure_selectors() -> dict[str, dict[str, str]]:
    return {
        "qdrant": {"app.kubernetes.io/name": "qdrant"},
        "mongodb": {"app": "muninn-mongodb-svc"},
        "otel-collector": {"app.kubernetes.io/component": "opentelemetry-collector"},
    }


@pytest.mark.parametrize("target", ["overlays/dev", "overlays/prod"])
def test_infrastructure_answers_only_inside_the_namespace(target: str) -> None:
    docs = rendered(target)
    for name, labels in infrastructure_selectors().items():
        policies = list(policies_for(docs, labels, "Ingress"))
        assert policies, f"no ingress policy selects {name}"
        for policy in policies:
            for rule in policy["spec"]["ingress"]:
                assert rule.get("from"), f"{name}: a rule without peers admits everyone"
                for peer in rule["from"]:
                    assert set(peer) == {"podSelector"}, f"{name}: {peer} reaches outside"
    (kafka,) = of_kind(docs, "Kafka").values()
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener["networkPolicyPeers"], "Kafka's listener admits the Muninn services only"


@pytest.mark.parametrize("target", ["overlays/dev", "overlays/prod"])
def test_only_scheduler_and_integrations_reach_the_internet(target: str) -> None:
    docs = rendered(target)
    for name, deployment in of_kind(docs, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        policies = list(policies_for(docs, labels, "Egress"))
        assert policies, f"{name}'s egress is not restricted"
        rules = [rule for policy in policies for rule in policy["spec"].get("egress", [])]
        dns = [
            rule for rule in rules if {53} <= {port.get("port") for port in rule.get("ports", [])}
        ]
        assert dns, f"{name} cannot resolve names"
        open_egress = any(reaches_any_address_on_any_port(rule) for rule in rules)
        assert open_egress == (name in INTERNET_SERVICES), name


def test_the_collector_takes_telemetry_from_the_services_only() -> None:
    docs = rendered("overlays/prod")
    labels = infrastructure_selectors()["otel-collector"]
    for policy in policies_for(docs, labels, "Ingress"):
        for rule in policy["spec"]["ingress"]:
            for peer in rule["from"]:
                assert peer["podSelector"]["matchLabels"]["app.kubernetes.io/part-of"] == "muninn"


# --------------------------------------------------------------------------------------------
# the public entry point


def test_httproute_is_the_default_entry_with_sse_friendly_timeouts() -> None:
    docs = rendered("overlays/prod")
    assert not of_kind(docs, "Ingress")
    (route,) = of_kind(docs, "HTTPRoute").values()
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    gateway = GatewaySettings()
    longest_upstream = max(
        [gateway.upstream_timeout_seconds, *gateway.route_read_timeouts.values()]
    )
    for rule in route["spec"]["rules"]:
        timeouts = rule["timeouts"]
        backend = duration_seconds(timeouts["backendRequest"])
        assert backend >= max(gateway.stream_idle_timeout_seconds, longest_upstream) * 2
        assert duration_seconds(timeouts["request"]) >= backend
        assert [ref["name"] for ref in rule["backendRefs"]] == ["gateway"]


def test_the_ingress_component_replaces_the_route_with_a_controller_neutral_ingress() -> None:
    docs = rendered("overlays/prod-ingress")
    assert not of_kind(docs, "HTTPRoute")
    (ingress,) = of_kind(docs, "Ingress").values()
    assert "ingressClassName" not in ingress["spec"]
    assert not ingress["metadata"].get("annotations")


def test_readme_states_the_proxy_body_limit_the_gateway_enforces() -> None:
    gateway = GatewaySettings()
    largest = max([gateway.max_body_bytes, *gateway.route_max_body_bytes.values()])
    readme = (DEPLOY / "README.md").read_text()
    assert f"{largest // (1024 * 1024)}m" in readme or f"{largest // (1024 * 1024)} MiB" in readme


# --------------------------------------------------------------------------------------------
# rollouts follow configuration


@pytest.mark.parametrize("target", ["overlays/dev", "overlays/prod"])
def test_configuration_and_generated_secrets_carry_a_content_hash(target: str) -> None:
    docs = rendered(target)
    config, _ = service_config(docs)
    assert config.startswith("muninn-config-"), "a changed config must change the name"
    for name, deployment in of_kind(docs, "Deployment").items():
        sources = main_container(deployment)["envFrom"]
        assert {"configMapRef": {"name": config}} in sources, name


# --------------------------------------------------------------------------------------------
# policy: checkov


def test_checkov_passes_over_the_rendered_overlays_and_the_dockerfile(tmp_path: Path) -> None:
    if not CHECKOV.is_file():
        pytest.skip(f"checkov is not installed at {CHECKOV.relative_to(ROOT)}: run make install")
    files = []
    for target in ("overlays/dev", "overlays/prod", "overlays/prod-ingress"):
        path = tmp_path / f"{target.replace('/', '-')}.yaml"
        path.write_text(rendered_text(target))
        files += ["-f", str(path)]
    result = subprocess.run(
        [
            str(CHECKOV),
            "--config-file",
            str(CHECKOV_CONFIG),
            *files,
            "-f",
            str(DOCKERFILE),
            "--framework",
            "kubernetes",
            "dockerfile",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert {report["check_type"] for report in reports} == {"kubernetes", "dockerfile"}
    failed = [
        f"{check['check_id']} {check['resource']}: {check['check_name']}"
        for report in reports
        for check in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert result.returncode == 0, result.stderr[-2000:]


def test_every_skipped_checkov_check_is_explained_in_the_readme() -> None:
    config = yaml.safe_load(CHECKOV_CONFIG.read_text())
    readme = (DEPLOY / "README.md").read_text()
    for check in config["skip-check"]:
        assert check in readme, f"{check} is skipped without a reason in deploy/README.md"
