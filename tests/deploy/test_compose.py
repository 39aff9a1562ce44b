"""docker-compose.yml is valid Compose, and every secret it reads is documented in .env.example."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "deploy" / "schemas" / "compose-spec.json"
ENV_EXAMPLE = ROOT / ".env.example"
INTERPOLATED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    Draft7Validator.check_schema(schema)
    errors = sorted(
        Draft7Validator(schema).iter_errors(yaml.safe_load(COMPOSE_FILE.read_text())),
        key=lambda error: list(error.absolute_path),
    )
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def test_the_schema_catches_a_broken_file() -> None:
    """Guards the test above against a schema that accepts anything."""
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    broken = {"services": {"mongo": {"image": "mongo:7.0", "restart": ["always"]}}}
    assert list(Draft7Validator(schema).iter_errors(broken))


def test_every_variable_compose_reads_is_in_the_env_example() -> None:
    example = {
        line.partition("=")[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    used = set(INTERPOLATED.findall(COMPOSE_FILE.read_text()))
    assert used - example == set()
    assert example - used == set()


def test_env_files_stay_out_of_git_and_the_build_context() -> None:
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_mongo_users_are_one_per_service_on_its_own_database() -> None:
    script = (ROOT / "deploy" / "docker" / "mongo-init-users.js").read_text()
    assert 'role: "readWrite", db: `muninn_${name}`' in script
    assert 'service === "byod" ? [service, ...movedByByod] : [service]' in script
    # byod's moves copy the content services' hosted data: exactly those four.
    assert 'movedByByod = ["conversation", "memory", "scheduler", "integrations"]' in script
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    mongo = services["mongo"]
    assert "--keyFile" in mongo["command"]
    assert mongo["environment"]["MONGO_INITDB_ROOT_USERNAME"] == "root"
    assert any("/docker-entrypoint-initdb.d/" in m for m in mongo["volumes"])
    assert "QDRANT__SERVICE__API_KEY" in services["qdrant"]["environment"]
