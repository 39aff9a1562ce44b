"""The container deployment agrees with the code it deploys.

docker-compose.yml, deploy/docker/Dockerfile and the Kubernetes manifests are checked against
the settings classes (every MUNINN_* variable is a real field), DEFAULT_PORTS, the workspace
layout and the event catalogue. No Docker engine or cluster is needed; when a `kustomize` or
`kubectl` binary is present, the kustomizations are also built.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import shutil
import ssl
import subprocess
import threading
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from faststream.security import SASLScram512
from muninn_shared.events.catalogue import all_topics
from muninn_shared.messaging import security as kafka_auth
from muninn_shared.messaging.broker import ensure_topics
from muninn_shared.settings import DEFAULT_PORTS, SERVICE_NAMES, ServiceSettings
from muninn_shared.signing import SigningKeyRing

from tests.deploy.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
HEALTHCHECK_SCRIPT = DEPLOY / "docker" / "healthcheck.py"
COLLECTOR_CONFIG = DEPLOY / "otel" / "collector.yaml"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
INFRA = K8S / "infra"
OVERLAYS = K8S / "overlays"
INFRA_SERVICES = {"kafka", "mongo", "qdrant", "otel-collector"}
HELM_VALUES = {"qdrant-values.yaml"}
# Keeps nothing in MongoDB (ARCHITECTURE.md: the gateway has no direct DB access).
STATELESS_SERVICES = {"gateway"}
# Values the manifests take from Secrets, standing in for them when settings are built.
SIGNING_KEYS_SECRET = "muninn-identity-signing-keys"

SECRET_VALUES = {
    "MUNINN_SIGNING_KEYS": SigningKeyRing.generate().to_json(),
    "MUNINN_MONGO_URI": "mongodb://muninn:pw@muninn-mongodb-0.muninn-mongodb-svc:27017/admin?replicaSet=muninn-mongodb",
    "MUNINN_QDRANT_API_KEY": "qdrant-test-key",
    "MUNINN_MONGO_ROOT_PASSWORD": "mongo-root-password",
    **{
        f"MUNINN_MONGO_PASSWORD_{service.upper()}": f"mongo{service}password"
        for service in SERVICE_NAMES
    },
    "MUNINN_KAFKA_SASL_PASSWORD": "kafka-test-password",
    **{
        f"MUNINN_KAFKA_PASSWORD_{service.upper()}": f"kafka-{service}-password"
        for service in SERVICE_NAMES
    },
    "MUNINN_EVENT_KEY_ENCRYPTION_KEY": "q8gJ4mLhS9Xq2m0wYq3f1u6Z7w9VbKcRr5tN2pHdE0Y=",
    "MUNINN_ENCRYPTION_KEYS": "k1:q8gJ4mLhS9Xq2m0wYq3f1u6Z7w9VbKcRr5tN2pHdE0Y=",
    "MUNINN_BYOD_ENCRYPTION_KEYS": "k1:Yq3f1u6Z7w9VbKcRr5tN2pHdE0Yq8gJ4mLhS9Xq2m0w=",
    "MUNINN_BYOD_ROUTE_KEYS": "k1:9VbKcRr5tN2pHdE0Yq8gJ4mLhS9Xq2m0wYq3f1u6Z7w=",
    "MUNINN_SERVICE_CREDENTIAL_HASHES": '{"memory": ["0f"]}',
    "MUNINN_SERVICE_CREDENTIAL": "service-credential",
    **{
        f"MUNINN_SERVICE_CREDENTIAL_{service.upper()}": f"{service}-service-credential"
        for service in SERVICE_NAMES
    },
}


# --------------------------------------------------------------------------------------------
# helpers


@cache
def _parsed(path: Path, text: str) -> tuple[Any, ...]:
    return tuple(doc for doc in yaml.safe_load_all(text) if doc is not None)


def load_all(path: Path) -> list[Any]:
    """The file's documents (parsed once per content; callers must not mutate them)."""
    return list(_parsed(path, path.read_text()))


def load_one(path: Path) -> Any:
    docs = load_all(path)
    assert len(docs) == 1, path
    return docs[0]


@cache
def compose() -> dict[str, Any]:
    data = load_one(COMPOSE_FILE)
    assert isinstance(data, dict)
    return data


def compose_services() -> dict[str, Any]:
    services = compose()["services"]
    assert isinstance(services, dict)
    return services


def settings_class(service: str) -> type[ServiceSettings]:
    """The service's own settings class, or the shared one while it has no settings module."""
    module_name = f"muninn_{service}.settings"
    try:
        module: ModuleType = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name not in {module_name, f"muninn_{service}"}:
            raise
        return ServiceSettings
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, ServiceSettings)
        and obj is not ServiceSettings
        and obj.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"{module_name} should define one ServiceSettings subclass"
    return classes[0]


def env_names(cls: type[ServiceSettings]) -> set[str]:
    return {f"MUNINN_{name.upper()}" for name in cls.model_fields}


def build_settings(
    cls: type[ServiceSettings], env: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
) -> ServiceSettings:
    """Build the settings exactly as the process would: from its environment only."""
    for name in list(os.environ):
        if name.startswith("MUNINN_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return cls()


_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's variable interpolation (${VAR}, ${VAR:-default}, ${VAR:?error}, $$)."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["name"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        present = name in env and (env[name] != "" or not (op or "").startswith(":"))
        if present:
            return env[name]
        if op in {":?", "?"}:
            raise LookupError(f"{name}: {arg}")
        if op in {":-", "-"}:
            return arg
        return ""

    return _INTERPOLATION.sub(replace, value)


def compose_env(service: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    raw = compose_services()[service].get("environment", {})
    assert isinstance(raw, dict), f"{service}: use the mapping form of environment"
    given = dict(SECRET_VALUES) if env is None else dict(env)
    return {name: interpolate(str(value), given) for name, value in raw.items()}


def kustomization(directory: Path) -> dict[str, Any]:
    data = load_one(directory / "kustomization.yaml")
    assert isinstance(data, dict)
    return data


def manifests(directory: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for name in kustomization(directory).get("resources", []):
        path = directory / name
        if path.is_file():
            for doc in load_all(path):
                yield path, doc


def base_objects(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in manifests(BASE) if doc.get("kind") == kind}


def infra_object(kind: str) -> dict[str, Any]:
    found = [doc for _, doc in manifests(INFRA) if doc.get("kind") == kind]
    assert len(found) == 1, kind
    return found[0]


def read_env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


def config_map_env() -> dict[str, str]:
    generators = kustomization(BASE)["configMapGenerator"]
    (config,) = [g for g in generators if g["name"] == "muninn-config"]
    env: dict[str, str] = {}
    for file in config.get("envs", []):
        env.update(read_env_file(BASE / file))
    for literal in config.get("literals", []):
        name, _, value = literal.partition("=")
        env[name] = value
    return env


def k8s_env(service: str) -> dict[str, str]:
    """The pod's environment: the ConfigMap, then its own entries (Secrets stood in for)."""
    env = dict(config_map_env())
    for name, entry in deployment_env(base_objects("Deployment")[service]).items():
        env[name] = entry["value"] if "value" in entry else SECRET_VALUES.get(name, "pod-name-0")
    return env


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    result: dict[str, Any] = containers[0]
    return result


def deployment_env(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container(deployment).get("env", [])}


def port_number(c: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    (match,) = [p["containerPort"] for p in c["ports"] if p["name"] == port]
    return int(match)


# --------------------------------------------------------------------------------------------
# every file parses


def yaml_files() -> list[Path]:
    return sorted([COMPOSE_FILE, *DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_yaml_parses(path: Path) -> None:
    assert load_all(path), f"{path} holds no document"


# --------------------------------------------------------------------------------------------
# Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "dangling line continuation"
    result = []
    for line in lines:
        instruction, _, args = line.partition(" ")
        result.append((instruction.upper(), args.strip()))
    return result


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for instruction, args in dockerfile_instructions():
        if instruction == "FROM":
            match = re.fullmatch(r"(\S+)\s+AS\s+(\S+)", args, flags=re.IGNORECASE)
            assert match, f"every stage is named: FROM {args}"
            current = stages.setdefault(match[2], [])
            current.append((instruction, match[1]))
        elif current is not None:
            current.append((instruction, args))
    return stages


def global_args() -> dict[str, str]:
    result = {}
    for instruction, args in dockerfile_instructions():
        if instruction == "FROM":
            break
        if instruction == "ARG":
            name, _, default = args.partition("=")
            result[name] = default
    return result


def test_dockerfile_has_a_builder_and_a_runtime_stage_on_python_3_11_slim() -> None:
    stages = dockerfile_stages()
    assert list(stages) == ["builder", "runtime"]
    for instructions in stages.values():
        image = instructions[0][1]
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: global_args()[m[1]], image)
        assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", resolved), resolved


def test_dockerfile_takes_service_as_a_build_arg_in_every_stage() -> None:
    for name, instructions in dockerfile_stages().items():
        assert ("ARG", "SERVICE") in instructions, f"stage {name} must declare ARG SERVICE"


def test_dockerfile_pins_the_makefiles_uv_version() -> None:
    makefile = (ROOT / "Makefile").read_text()
    pinned = re.search(r"^UV_VERSION\s*:=\s*(\S+)", makefile, flags=re.MULTILINE)
    assert pinned
    builder = dockerfile_stages()["builder"]
    assert ("ARG", f"UV_VERSION={pinned[1]}") in builder
    assert any(i == "RUN" and 'pip install "uv==${UV_VERSION}"' in a for i, a in builder)


def workspace_members() -> list[Path]:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members: list[Path] = []
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        members.extend(sorted(p for p in ROOT.glob(pattern) if (p / "pyproject.toml").is_file()))
    return members


def test_dockerfile_copies_every_workspace_members_project_file_before_the_sources() -> None:
    builder = dockerfile_stages()["builder"]
    copies = [args for instruction, args in builder if instruction == "COPY"]
    first_source_copy = copies.index("libs/shared libs/shared")
    project_copies = copies[:first_source_copy]
    assert "pyproject.toml uv.lock ./" in project_copies
    for member in workspace_members():
        relative = (member / "pyproject.toml").relative_to(ROOT)
        assert f"{relative} {relative}" in project_copies, f"missing COPY of {relative}"


def test_dockerfile_installs_the_frozen_lock_without_dev_tools_for_the_chosen_service() -> None:
    runs = [a for i, a in dockerfile_stages()["builder"] if i == "RUN" and "uv sync" in a]
    assert len(runs) == 2
    dependencies_only, everything = runs
    for run in runs:
        assert "--frozen" in run
        assert "--no-dev" in run
        assert '--package "muninn-${SERVICE}"' in run
    assert "--no-install-workspace" in dependencies_only
    assert "--no-editable" in everything


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_service_is_the_workspace_package_the_build_names(service: str) -> None:
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert project["project"]["name"] == f"muninn-{service}"
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert packages == [f"muninn_{service}"]


def test_runtime_stage_runs_the_service_as_a_non_root_user() -> None:
    runtime = dockerfile_stages()["runtime"]
    env = " ".join(args for instruction, args in runtime if instruction == "ENV")
    assert "SERVICE=${SERVICE}" in env
    assert "MUNINN_HOST=0.0.0.0" in env
    users = [args for instruction, args in runtime if instruction == "USER"]
    assert users, "the runtime stage must switch user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert any(i == "COPY" and a.startswith("--from=builder /app/.venv") for i, a in runtime)
    (cmd,) = [args for instruction, args in runtime if instruction == "CMD"]
    assert "python -m" in cmd
    assert "muninn_${SERVICE}" in cmd
    assert "exec " in cmd, "python must replace the shell to receive SIGTERM"


def test_runtime_stage_exposes_every_service_port_and_checks_healthz() -> None:
    runtime = dockerfile_stages()["runtime"]
    exposed: set[int] = set()
    for instruction, args in runtime:
        if instruction == "EXPOSE":
            for item in args.split():
                low, _, high = item.split("/")[0].partition("-")
                exposed.update(range(int(low), int(high or low) + 1))
    assert set(DEFAULT_PORTS.values()) <= exposed
    (check,) = [args for instruction, args in runtime if instruction == "HEALTHCHECK"]
    assert "/app/healthcheck.py" in check
    assert any(
        i == "COPY" and a == "deploy/docker/healthcheck.py /app/healthcheck.py" for i, a in runtime
    )
    assert "/healthz" in HEALTHCHECK_SCRIPT.read_text()


# --------------------------------------------------------------------------------------------
# .dockerignore


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    patterns = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(line):
            if line.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif line.startswith("**", i):
                regex += ".*"
                i += 2
            elif line[i] == "*":
                regex += "[^/]*"
                i += 1
            elif line[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(line[i])
                i += 1
        patterns.append((negated, re.compile(regex)))
    return patterns


def ignored(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; a matched directory covers its contents."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for negated, pattern in dockerignore_patterns():
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            result = not negated
    return result


def test_dockerignore_keeps_what_the_image_needs_and_drops_local_state() -> None:
    needed = [
        "pyproject.toml",
        "uv.lock",
        "libs/shared/pyproject.toml",
        "libs/shared/muninn_shared/settings.py",
        "services/identity/pyproject.toml",
        "services/identity/muninn_identity/main.py",
        "deploy/docker/healthcheck.py",
    ]
    for path in needed:
        assert not ignored(path), path
    dropped = [
        ".venv/bin/python",
        ".tools/bin/uv",
        ".git/HEAD",
        ".muninn/kafka/log",
        "libs/shared/muninn_shared/__pycache__/settings.cpython-311.pyc",
        "services/identity/tests/test_auth.py",
        "tests/integration/conftest.py",
        "deploy/k8s/base/gateway.yaml",
    ]
    for path in dropped:
        assert ignored(path), path


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_dockerfile_copy_source_is_in_the_build_context(service: str) -> None:
    for instruction, args in dockerfile_instructions():
        if instruction != "COPY" or args.startswith("--from"):
            continue
        *sources, _destination = args.split()
        for source in sources:
            path = source.replace("${SERVICE}", service)
            assert (ROOT / path).exists(), path
            assert not ignored(path), f"{path} is excluded by .dockerignore"


# --------------------------------------------------------------------------------------------
# healthcheck.py


def healthcheck_module() -> ModuleType:
    return load_script(HEALTHCHECK_SCRIPT, "muninn_container_healthcheck")


def test_healthcheck_port_follows_muninn_port_then_the_services_default() -> None:
    module = healthcheck_module()
    assert module.service_port({"MUNINN_PORT": "9100", "SERVICE": "memory"}) == 9100
    for service, port in DEFAULT_PORTS.items():
        assert module.service_port({"SERVICE": service}) == port
        assert module.service_port({"SERVICE": service, "MUNINN_PORT": " "}) == port


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/healthz" else 404
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_healthcheck_probe_reports_a_live_and_a_dead_port() -> None:
    module = healthcheck_module()
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert module.probe(server.server_address[1]) is True
    finally:
        server.shutdown()
        server.server_close()
    assert module.probe(server.server_address[1], timeout=1.0) is False


# --------------------------------------------------------------------------------------------
# docker-compose.yml


def test_compose_runs_every_service_and_the_infrastructure() -> None:
    assert set(SERVICE_NAMES) | INFRA_SERVICES <= set(compose_services())


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_builds_each_service_from_the_one_dockerfile(service: str) -> None:
    spec = compose_services()[service]
    build = spec["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == str(DOCKERFILE.relative_to(ROOT))
    assert build["args"] == {"SERVICE": service}
    assert spec["image"].split(":")[0] == f"muninn-{service}"


def test_compose_publishes_only_the_gateway_on_loopback() -> None:
    published = {name for name, spec in compose_services().items() if spec.get("ports")}
    assert published == {"gateway"}
    port = DEFAULT_PORTS["gateway"]
    assert compose_services()["gateway"]["ports"] == [f"127.0.0.1:{port}:{port}"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_environment_is_real_settings(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = production_settings_from(service, compose_env(service), monkeypatch)
    assert settings.otel_exporter == "otlp"


def production_settings_from(
    service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> ServiceSettings:
    """The service's settings built from ``env``, which names only real settings fields: the
    service's own port, on every interface, in production."""
    cls = settings_class(service)
    unknown = {name for name in env if name.startswith("MUNINN_")} - env_names(cls)
    assert not unknown, f"{service}: not fields of {cls.__name__}: {sorted(unknown)}"
    settings = build_settings(cls, env, monkeypatch)
    assert settings.port == DEFAULT_PORTS[service]
    assert settings.host == "0.0.0.0"
    assert settings.environment == "prod"
    return settings


def test_compose_gives_the_signing_keys_to_identity_alone() -> None:
    raw = str(compose_services()["identity"]["environment"]["MUNINN_SIGNING_KEYS"])
    assert raw.startswith("${MUNINN_SIGNING_KEYS:?")
    with pytest.raises(LookupError):
        compose_env("identity", env={})
    with pytest.raises(LookupError):
        compose_env("identity", env={"MUNINN_SIGNING_KEYS": ""})
    for service in SERVICE_NAMES:
        env = compose_services()[service]["environment"]
        assert "MUNINN_JWT_SECRET" not in env, service
        if service != "identity":
            assert not {"MUNINN_SIGNING_KEYS", "MUNINN_SIGNING_KEYS_FILE"} & set(env), service


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_service_urls_point_at_the_compose_services(service: str) -> None:
    env = compose_env(service)
    for other in SERVICE_NAMES:
        name = f"MUNINN_{other.upper()}_URL"
        if name not in env_names(settings_class(service)):
            continue
        assert env[name] == f"http://{other}:{DEFAULT_PORTS[other]}", name


def test_compose_wires_kafka_mongo_qdrant_and_the_collector() -> None:
    services = compose_services()
    kafka = services["kafka"]["environment"]
    assert "controller" in kafka["KAFKA_PROCESS_ROLES"], "KRaft: the node is its own controller"
    assert not any("ZOOKEEPER" in name for name in kafka)
    assert services["kafka"]["image"].startswith("apache/kafka:")
    # "SASL_SSL://kafka:9092": the listener name is not a URL scheme urlsplit accepts.
    advertised = kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")[0].split("://", 1)[1]
    mongo_command = services["mongo"]["command"]
    assert services["mongo"]["image"].startswith("mongo:7")
    replica_set = mongo_command[mongo_command.index("--replSet") + 1]
    mongo_check = " ".join(services["mongo"]["healthcheck"]["test"])
    assert "$$MONGO_HEALTHCHECK" in mongo_check
    assert "-u root" in mongo_check, "access control is on: the check signs in"
    mongo_check = services["mongo"]["environment"]["MONGO_HEALTHCHECK"]
    assert "rs.initiate" in mongo_check
    assert "NotYetInitialized" in mongo_check, "rs.initiate must run only once"
    assert f"_id: '{replica_set}'" in mongo_check
    assert "host: 'mongo:27017'" in mongo_check
    assert services["qdrant"]["image"].startswith("qdrant/qdrant:")
    collector = load_one(COLLECTOR_CONFIG)
    http_port = int(collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].split(":")[1])
    mounts = services["otel-collector"]["volumes"]
    assert any(m.startswith(f"./{COLLECTOR_CONFIG.relative_to(ROOT)}:") for m in mounts)

    for service in SERVICE_NAMES:
        env = compose_env(service)
        assert env["MUNINN_KAFKA_BOOTSTRAP"] == advertised
        if service in STATELESS_SERVICES:
            assert "MUNINN_MONGO_URI" not in env
        else:
            mongo = urlsplit(env["MUNINN_MONGO_URI"])
            assert mongo.hostname == "mongo"
            assert f"replicaSet={replica_set}" in mongo.query
            assert "authSource=admin" in mongo.query
            assert mongo.username == service
            assert mongo.password == SECRET_VALUES[f"MUNINN_MONGO_PASSWORD_{service.upper()}"]
        otel = urlsplit(env["MUNINN_OTEL_ENDPOINT"])
        assert (otel.hostname, otel.port, otel.path) == ("otel-collector", http_port, "/v1/traces")
        if service == "memory":
            qdrant = urlsplit(env["MUNINN_QDRANT_URL"])
            assert (qdrant.hostname, qdrant.port) == ("qdrant", 6333)
        else:
            assert "MUNINN_QDRANT_URL" not in env


def test_compose_dependencies_wait_for_health() -> None:
    services = compose_services()
    for name, spec in services.items():
        for target, condition in spec.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{target} has no healthcheck"
    for service in SERVICE_NAMES:
        deps = services[service]["depends_on"]
        if service not in STATELESS_SERVICES:
            assert deps["kafka"] == {"condition": "service_healthy"}
            assert deps["mongo"] == {"condition": "service_healthy"}
        assert services[service]["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py"]
    assert services["memory"]["depends_on"]["qdrant"] == {"condition": "service_healthy"}
    gateway_deps = services["gateway"]["depends_on"]
    for other in SERVICE_NAMES:
        if other != "gateway":
            assert gateway_deps[other] == {"condition": "service_healthy"}


def test_compose_keeps_data_in_declared_named_volumes() -> None:
    declared = set(compose().get("volumes", {}))
    used = set()
    for spec in compose_services().values():
        for mount in spec.get("volumes", []):
            source = mount.split(":")[0]
            if not source.startswith((".", "/")):
                used.add(source)
            else:
                assert (ROOT / source).exists(), source
    assert used == declared
    for store, path in [("kafka", "/var/lib/kafka/data"), ("mongo", "/data/db")]:
        assert any(m.split(":")[1] == path for m in compose_services()[store]["volumes"])
    assert compose_services()["kafka"]["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"


# --------------------------------------------------------------------------------------------
# Kubernetes: kustomizations reference exactly the files that exist


OPERATOR_GENERATED = {(OVERLAYS / "dev" / "signing-keys.json").resolve()}
"""Git-ignored files the operator creates before applying (a private key is never committed)."""


def kustomize_paths(directory: Path) -> set[Path]:
    data = kustomization(directory)
    paths = {directory / entry for entry in data.get("resources", [])}
    for generator in [*data.get("configMapGenerator", []), *data.get("secretGenerator", [])]:
        paths.update(directory / entry for entry in generator.get("envs", []))
        paths.update(directory / entry for entry in generator.get("files", []))
    paths.update(directory / patch["path"] for patch in data.get("patches", []) if "path" in patch)
    return {Path(p).resolve() for p in paths}


@pytest.mark.parametrize(
    "directory",
    [
        BASE,
        INFRA,
        K8S / "backup",
        OVERLAYS / "dev",
        OVERLAYS / "prod",
        K8S / "components" / "ingress",
    ],
    ids=lambda p: str(p.relative_to(K8S)),
)
def test_kustomization_lists_every_file_and_every_listed_file_exists(directory: Path) -> None:
    listed = kustomize_paths(directory)
    for path in listed - OPERATOR_GENERATED:
        assert path.exists(), f"{path} is listed but missing"
        if path.is_dir():
            assert (path / "kustomization.yaml").is_file(), path
    present = {
        p.resolve()
        for p in directory.rglob("*")
        if p.is_file() and p.name != "kustomization.yaml" and p.name not in HELM_VALUES
    }
    assert present - listed == set(), "files not referenced by the kustomization"


def test_helm_values_stay_out_of_kustomize() -> None:
    for name in HELM_VALUES:
        assert (INFRA / name).is_file()
        assert name not in kustomization(INFRA).get("resources", [])


def test_overlays_build_on_base_and_infra() -> None:
    # Production backs itself up and is monitored; a development cluster holds nothing worth
    # keeping.
    wanted = {
        "dev": {"../../base", "../../infra"},
        "prod": {"../../base", "../../infra", "../../backup", "../../monitoring"},
    }
    for overlay, resources in wanted.items():
        data = kustomization(OVERLAYS / overlay)
        assert data["namespace"] == "muninn"
        assert set(data["resources"]) == resources
    assert kustomization(BASE)["namespace"] == "muninn"
    assert kustomization(INFRA)["namespace"] == "muninn"
    assert kustomization(K8S / "backup")["namespace"] == "muninn"
    (namespace,) = base_objects("Namespace").values()
    assert namespace["metadata"]["name"] == "muninn"


# --------------------------------------------------------------------------------------------
# Kubernetes: the services


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_service_has_a_deployment_a_service_and_a_disruption_budget(service: str) -> None:
    docs = {doc["kind"]: doc for doc in load_all(BASE / f"{service}.yaml")}
    assert set(docs) == {"Deployment", "Service", "PodDisruptionBudget"}
    deployment, svc, pdb = docs["Deployment"], docs["Service"], docs["PodDisruptionBudget"]
    for doc in docs.values():
        assert doc["metadata"]["name"] == service
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    c = container(deployment)
    ports = {p["name"]: p for p in svc["spec"]["ports"]}
    assert set(ports) == {"http", "metrics"}
    assert ports["http"]["port"] == DEFAULT_PORTS[service]
    assert port_number(c, ports["http"]["targetPort"]) == DEFAULT_PORTS[service]
    # The metrics listener's default (muninn_shared.metrics.metrics_address): port + 1000.
    assert port_number(c, ports["metrics"]["targetPort"]) == DEFAULT_PORTS[service] + 1000


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_deployment_probes_healthz_and_readyz_on_its_port(service: str) -> None:
    deployment = base_objects("Deployment")[service]
    c = container(deployment)
    assert [p["containerPort"] for p in c["ports"]] == [
        DEFAULT_PORTS[service],
        DEFAULT_PORTS[service] + 1000,
    ]
    liveness = c["livenessProbe"]["httpGet"]
    readiness = c["readinessProbe"]["httpGet"]
    startup = c["startupProbe"]["httpGet"]
    assert liveness["path"] == "/healthz"
    assert readiness["path"] == "/readyz"
    assert startup["path"] == "/healthz"
    for probe in (liveness, readiness, startup):
        assert port_number(c, probe["port"]) == DEFAULT_PORTS[service]
    assert c["image"].split(":")[0] == f"muninn-{service}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_deployment_is_locked_down_and_bounded(service: str) -> None:
    deployment = base_objects("Deployment")[service]
    pod = deployment["spec"]["template"]["spec"]
    c = container(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    (tmp,) = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
    (volume,) = [v for v in pod["volumes"] if v["name"] == tmp["name"]]
    assert "emptyDir" in volume
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(c["resources"][bound])


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_deployment_takes_config_secrets_and_a_per_pod_instance_id(service: str) -> None:
    deployment = base_objects("Deployment")[service]
    c = container(deployment)
    sources = c["envFrom"]
    assert {"configMapRef": {"name": "muninn-config"}} in sources
    assert {"secretRef": {"name": "muninn-secrets"}} in sources
    env = deployment_env(deployment)
    assert env["MUNINN_PORT"]["value"] == str(DEFAULT_PORTS[service])
    assert env["MUNINN_INSTANCE_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    if service in STATELESS_SERVICES:
        assert "MUNINN_MONGO_URI" not in env, "no database credentials where no data is kept"
    else:
        mongo = env["MUNINN_MONGO_URI"]["valueFrom"]["secretKeyRef"]
        users = infra_object("MongoDBCommunity")["spec"]["users"]
        (user,) = [u for u in users if u["name"] == f"muninn-{service}"]
        assert mongo == {
            "name": user["connectionStringSecretName"],
            "key": "connectionString.standard",
        }
    if service == "memory":
        values = load_one(INFRA / "qdrant-values.yaml")
        url = urlsplit(env["MUNINN_QDRANT_URL"]["value"])
        assert (url.hostname, url.port) == (values["fullnameOverride"], 6333)
        assert values["apiKey"] is True
        key = env["MUNINN_QDRANT_API_KEY"]["valueFrom"]["secretKeyRef"]
        assert key == {"name": f"{values['fullnameOverride']}-apikey", "key": "api-key"}
    else:
        assert "MUNINN_QDRANT_URL" not in env


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_k8s_environment_is_real_settings(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    production_settings_from(service, k8s_env(service), monkeypatch)


@pytest.mark.parametrize("platform", ["compose", "k8s"])
@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_service_has_the_kafka_credentials_it_starts_with(
    service: str, platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every service connects to Kafka at start-up, the gateway too (its revocation feed).

    kafka_security raises when SASL has no user: the process would exit before serving.
    """
    env = compose_env(service) if platform == "compose" else k8s_env(service)
    settings = build_settings(settings_class(service), env, monkeypatch)
    if service == "gateway":
        assert settings.revocation_feed_enabled, "by default the gateway reads the revocations"
    ca_files = []

    def tls_context(settings: ServiceSettings) -> ssl.SSLContext:
        ca_files.append(settings.kafka_ssl_ca_file)  # the mount is checked in test_kafka_users
        return ssl.create_default_context()

    monkeypatch.setattr(kafka_auth, "_tls_context", tls_context)
    client = kafka_auth.kafka_security(settings)
    assert isinstance(client, SASLScram512)
    assert client.use_ssl
    assert ca_files
    assert ca_files[0] is not None
    expected = service if platform == "compose" else f"muninn-{service}"
    assert client.username == expected
    assert client.password, "the user's password"


def test_overlay_config_and_secrets_are_real_settings() -> None:
    shared = env_names(ServiceSettings)
    dev = kustomization(OVERLAYS / "dev")
    for generator in dev.get("configMapGenerator", []):
        assert generator["behavior"] == "merge"
        for literal in generator["literals"]:
            assert literal.partition("=")[0] in shared, literal
    (secrets,) = [g for g in dev["secretGenerator"] if g["name"] == "muninn-secrets"]
    for literal in secrets["literals"]:
        assert literal.partition("=")[0] in shared, literal
    # The dev cluster's signing keys are generated on the operator's machine, never committed.
    (keys,) = [g for g in dev["secretGenerator"] if g["name"] == SIGNING_KEYS_SECRET]
    assert keys["files"] == ["signing-keys.json"]
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "deploy/k8s/overlays/dev/signing-keys.json" in ignored


def test_only_identity_holds_the_signing_keys() -> None:
    for name, deployment in base_objects("Deployment").items():
        env = deployment_env(deployment)
        assert "MUNINN_JWT_SECRET" not in env, name
        if name == "identity":
            ref = env["MUNINN_SIGNING_KEYS"]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": SIGNING_KEYS_SECRET, "key": "signing-keys.json"}
        else:
            assert "MUNINN_SIGNING_KEYS" not in env, name
            assert SIGNING_KEYS_SECRET not in str(deployment), name


def test_k8s_config_points_at_the_services_and_the_infrastructure() -> None:
    env = config_map_env()
    services = base_objects("Service")
    for other in SERVICE_NAMES:
        name = f"MUNINN_{other.upper()}_URL"
        if name not in env_names(ServiceSettings):
            assert name not in env
            continue
        url = urlsplit(env[name])
        assert url.hostname in services, name
        assert (
            url.port == services[url.hostname]["spec"]["ports"][0]["port"] == DEFAULT_PORTS[other]
        )

    kafka = infra_object("Kafka")
    # One listener, and it is SCRAM over TLS: no plaintext way in.
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True
    assert listener["authentication"] == {"type": "scram-sha-512"}
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    host, _, port = env["MUNINN_KAFKA_BOOTSTRAP"].partition(":")
    assert (host, int(port)) == (f"{kafka['metadata']['name']}-kafka-bootstrap", listener["port"])
    assert env["MUNINN_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["MUNINN_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["MUNINN_KAFKA_CREATE_TOPICS"] == "false", "users may not create topics"

    collector = infra_object("OpenTelemetryCollector")
    http = collector["spec"]["config"]["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    otel = urlsplit(env["MUNINN_OTEL_ENDPOINT"])
    assert otel.hostname == f"{collector['metadata']['name']}-collector"
    assert otel.port == int(http.split(":")[1])
    assert otel.path == "/v1/traces"
    assert env["MUNINN_OTEL_EXPORTER"] == "otlp"


def test_autoscalers_ingress_and_network_policies_target_real_objects() -> None:
    deployments = base_objects("Deployment")
    hpas = base_objects("HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {
        "gateway",
        "conversation",
    }
    for hpa in hpas.values():
        target = deployments[hpa["spec"]["scaleTargetRef"]["name"]]
        assert "replicas" not in target["spec"], "the autoscaler owns the replica count"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    (route,) = base_objects("HTTPRoute").values()
    backends = [backend for rule in route["spec"]["rules"] for backend in rule["backendRefs"]]
    gateway_port = base_objects("Service")["gateway"]["spec"]["ports"][0]
    assert gateway_port["name"] == "http"
    assert backends == [{"name": "gateway", "port": gateway_port["port"]}]
    policies = base_objects("NetworkPolicy")
    assert policies
    for policy in policies.values():
        selected = [
            d
            for d in deployments.values()
            if selects(policy["spec"]["podSelector"], d["spec"]["template"]["metadata"]["labels"])
        ]
        assert selected, f"{policy['metadata']['name']} selects no Deployment"
        for rule in policy["spec"].get("ingress", []):
            for port in rule["ports"]:
                for d in selected:
                    port_number(container(d), port["port"])


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a label selector (matchLabels, and matchExpressions with In) picks these labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def test_every_deployment_may_reach_the_kafka_listener() -> None:
    """Every service, the gateway included, signs in to Kafka: no policy may cut it off.

    Strimzi's policy for the listener admits its networkPolicyPeers, and the services' egress
    policies must, together, leave the listener's port open for every service.
    """
    (listener,) = infra_object("Kafka")["spec"]["kafka"]["listeners"]
    peers = listener.get("networkPolicyPeers")
    policies = base_objects("NetworkPolicy").values()
    egress_ports: dict[str, list[int | str | None]] = {}
    for name, deployment in base_objects("Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if peers is not None:
            assert any(
                peer.get("podSelector", {}).get("matchLabels", {}).items() <= labels.items()
                for peer in peers
            ), f"{name} is not a peer of the Kafka listener"
        for policy in policies:
            if not selects(policy["spec"]["podSelector"], labels):
                continue
            if "Egress" in policy["spec"].get("policyTypes", []):
                egress_ports.setdefault(name, []).extend(
                    port.get("port")
                    for rule in policy["spec"].get("egress", [])
                    for port in rule.get("ports", [{}])
                )
    for name, ports in egress_ports.items():
        assert None in ports or listener["port"] in ports, f"egress cuts {name} off Kafka"


def test_prod_overlay_spreads_every_service() -> None:
    data = kustomization(OVERLAYS / "prod")
    patched = {}
    for entry in data["patches"]:
        if "path" in entry:
            doc = load_one(OVERLAYS / "prod" / entry["path"])
            patched[doc["metadata"]["name"]] = doc
    assert set(patched) == set(SERVICE_NAMES)
    for name, doc in patched.items():
        pod = doc["spec"]["template"]["spec"]
        assert pod["affinity"]["podAntiAffinity"], name
        if name in {"gateway", "conversation"}:
            assert "replicas" not in doc["spec"]
        else:
            assert doc["spec"]["replicas"] >= 2


def test_dev_overlay_runs_one_replica_of_each_service() -> None:
    data = kustomization(OVERLAYS / "dev")
    counts = {r["name"]: r["count"] for r in data["replicas"]}
    autoscaled = {"gateway", "conversation"}
    assert counts == dict.fromkeys(set(SERVICE_NAMES) - autoscaled, 1)


# --------------------------------------------------------------------------------------------
# Kubernetes: infrastructure


def topic_documents() -> list[dict[str, Any]]:
    return [doc for doc in load_all(INFRA / "kafka-topics.yaml") if doc["kind"] == "KafkaTopic"]


def generator_module() -> ModuleType:
    return load_script(K8S / "generate_topics.py", "muninn_generate_topics")


def test_kafka_topics_are_exactly_the_catalogue_and_its_dead_letters() -> None:
    names = [doc["spec"]["topicName"] for doc in topic_documents()]
    assert sorted(names) == sorted(all_topics())
    assert len(names) == len(set(names))


def test_committed_kafka_topics_are_the_generators_output() -> None:
    assert (INFRA / "kafka-topics.yaml").read_text() == generator_module().render(), (
        "regenerate: .venv/bin/python deploy/k8s/generate_topics.py > deploy/k8s/infra/kafka-topics.yaml"
    )


def test_kafka_topics_fit_the_cluster() -> None:
    kafka = infra_object("Kafka")
    pool = infra_object("KafkaNodePool")
    cluster = kafka["metadata"]["name"]
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    assert {"controller", "broker"} <= set(pool["spec"]["roles"]), "KRaft without ZooKeeper"
    assert "zookeeper" not in kafka["spec"]
    partitions = inspect.signature(ensure_topics).parameters["partitions"].default
    for doc in topic_documents():
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == cluster
        assert doc["metadata"]["name"] == doc["spec"]["topicName"]
        spec = doc["spec"]
        assert spec["partitions"] == partitions
        assert spec["config"]["min.insync.replicas"] < spec["replicas"] <= pool["spec"]["replicas"]


def test_no_kafka_topic_keeps_messages_longer_than_a_week() -> None:
    week_ms = 7 * 24 * 60 * 60 * 1000
    for doc in topic_documents():
        assert 0 < doc["spec"]["config"]["retention.ms"] <= week_ms, doc["metadata"]["name"]


def test_mongodb_is_a_three_member_replica_set() -> None:
    mongo = infra_object("MongoDBCommunity")
    assert mongo["spec"]["type"] == "ReplicaSet"
    assert mongo["spec"]["members"] == 3
    assert str(mongo["spec"]["version"]).startswith("7.")


def test_both_collectors_run_the_same_pipelines() -> None:
    compose_config = load_one(COLLECTOR_CONFIG)
    k8s_config = infra_object("OpenTelemetryCollector")["spec"]["config"]
    assert k8s_config == compose_config
    pipelines = compose_config["service"]["pipelines"]
    assert pipelines["traces"]["receivers"] == ["otlp"]
    assert "batch" in pipelines["traces"]["processors"]
    assert "debug" in pipelines["traces"]["exporters"]
    assert set(compose_config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}


# --------------------------------------------------------------------------------------------
# Kubernetes: real builds, when a kustomize binary is around


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def built(directory: Path) -> list[dict[str, Any]]:
    command = kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    result = subprocess.run(
        [*command, str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def test_built_dev_overlay_is_small_and_self_contained(tmp_path: Path) -> None:
    # A copy, with the signing keys an operator generates before applying the overlay.
    shutil.copytree(K8S, tmp_path / "k8s")
    SigningKeyRing.generate().save(tmp_path / "k8s" / "overlays" / "dev" / "signing-keys.json")
    docs = built(tmp_path / "k8s" / "overlays" / "dev")
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
        assert doc["metadata"].get("namespace", "muninn") == "muninn"
    secrets = set(by_kind["Secret"])
    config_maps = set(by_kind["ConfigMap"])
    for name, deployment in by_kind["Deployment"].items():
        assert deployment["spec"].get("replicas", 1) == 1, name
        c = container(deployment)
        for source in c["envFrom"]:
            if "secretRef" in source:
                assert source["secretRef"]["name"] in secrets
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in config_maps
    for hpa in by_kind["HorizontalPodAutoscaler"].values():
        assert hpa["spec"]["minReplicas"] == 1
    assert by_kind["KafkaNodePool"]["dual-role"]["spec"]["replicas"] == 1
    assert by_kind["MongoDBCommunity"]["muninn-mongodb"]["spec"]["members"] == 1
    password = by_kind["MongoDBCommunity"]["muninn-mongodb"]["spec"]["users"][0]
    assert password["passwordSecretRef"]["name"] in secrets
    for topic in by_kind["KafkaTopic"].values():
        assert topic["spec"]["replicas"] == 1
        assert topic["spec"]["config"]["min.insync.replicas"] == 1
    (config,) = by_kind["ConfigMap"].values()
    assert config["data"]["MUNINN_ENVIRONMENT"] == "dev"


def test_built_prod_overlay_spreads_replicas() -> None:
    docs = built(OVERLAYS / "prod")
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert {d["metadata"]["name"] for d in deployments} == set(SERVICE_NAMES)
    for deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        assert pod["affinity"]["podAntiAffinity"]
        assert pod["topologySpreadConstraints"]
        # The patch kept the base's container (a strategic merge, not a replacement).
        assert container(deployment)["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert not [d for d in docs if d["kind"] == "Secret"], "production Secrets are not committed"
    topics = {d["spec"]["topicName"] for d in docs if d["kind"] == "KafkaTopic"}
    assert topics == set(all_topics())


def test_built_base_and_infra() -> None:
    base = built(BASE)
    assert {d["kind"] for d in base} >= {
        "Namespace",
        "ConfigMap",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "HTTPRoute",
        "NetworkPolicy",
    }
    infra = built(INFRA)
    assert {d["kind"] for d in infra} == {
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "KafkaUser",
        "MongoDBCommunity",
        "OpenTelemetryCollector",
        "NetworkPolicy",
    }
