"""Each service reaches identity's event keys with its own credential; identity holds hashes.

Compose takes each credential from its own variable, Kubernetes from its own Secret, and the
generator prints those Secrets with matching hashes. Only identity sees the hashes and the
key-encryption key.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from types import ModuleType
from typing import Any

import pytest
import yaml
from muninn_shared.content_schema import ContentService
from muninn_shared.service_credentials import credential_matches, env_lines
from muninn_shared.settings import KEY_READING_SERVICES, SERVICE_NAMES

from tests.deploy.scripts import load_script
from tests.deploy.test_manifests import (
    COMPOSE_FILE,
    DEPLOY,
    K8S,
    ROOT,
    SECRET_VALUES,
    base_objects,
    compose_env,
    compose_services,
    deployment_env,
    k8s_env,
    production_settings_from,
)

IDENTITY_ONLY = ("MUNINN_EVENT_KEY_ENCRYPTION_KEY", "MUNINN_SERVICE_CREDENTIAL_HASHES")
# byod seals users' own-database connections under MUNINN_BYOD_ROUTE_KEYS; the services whose
# users' content may live there open them with the same ring. Written out, not derived.
ROUTE_KEYS = "MUNINN_BYOD_ROUTE_KEYS"
ROUTE_KEY_HOLDERS = ("byod", "conversation", "memory", "scheduler", "integrations")
COMPOSE_ROUTE_KEYS = "${MUNINN_BYOD_ROUTE_KEYS:?set MUNINN_BYOD_ROUTE_KEYS (see .env.example)}"


@cache
def generator() -> ModuleType:
    return load_script(
        K8S / "generate_service_credentials.py", "muninn_generate_service_credentials"
    )


def secret_ref(env: dict[str, dict[str, Any]], name: str) -> dict[str, str]:
    ref: dict[str, str] = env[name]["valueFrom"]["secretKeyRef"]
    return ref


@pytest.mark.parametrize("service", KEY_READING_SERVICES)
def test_compose_gives_each_service_its_own_credential(service: str) -> None:
    env = compose_services()[service]["environment"]
    expected = f"MUNINN_SERVICE_CREDENTIAL_{service.upper()}"
    assert str(env["MUNINN_SERVICE_CREDENTIAL"]).startswith(f"${{{expected}:?")


def test_compose_gives_the_hashes_and_the_key_encryption_key_to_identity_alone() -> None:
    services = compose_services()
    for name in IDENTITY_ONLY:
        assert str(services["identity"]["environment"][name]).startswith(f"${{{name}:?")
    for service in SERVICE_NAMES:
        env = services[service]["environment"]
        if service != "identity":
            assert not set(IDENTITY_ONLY) & set(env), service
        if service not in KEY_READING_SERVICES:
            assert "MUNINN_SERVICE_CREDENTIAL" not in env, service


@pytest.mark.parametrize("service", KEY_READING_SERVICES)
def test_each_deployment_takes_its_own_credential_secret(service: str) -> None:
    env = deployment_env(base_objects("Deployment")[service])
    ref = secret_ref(env, "MUNINN_SERVICE_CREDENTIAL")
    assert ref == {"name": generator().credential_secret(service), "key": "credential"}


def test_only_identity_holds_the_hashes_and_the_key_encryption_key() -> None:
    module = generator()
    for name, deployment in base_objects("Deployment").items():
        env = deployment_env(deployment)
        if name == "identity":
            assert secret_ref(env, "MUNINN_SERVICE_CREDENTIAL_HASHES") == {
                "name": module.HASHES_SECRET,
                "key": "hashes.json",
            }
            assert secret_ref(env, "MUNINN_EVENT_KEY_ENCRYPTION_KEY") == {
                "name": module.KEY_ENCRYPTION_KEY_SECRET,
                "key": "key",
            }
        else:
            assert module.HASHES_SECRET not in str(deployment), name
            assert module.KEY_ENCRYPTION_KEY_SECRET not in str(deployment), name
        for other in KEY_READING_SERVICES:
            if other != name:
                assert module.credential_secret(other) not in str(deployment), name


def test_the_generated_secrets_hold_matching_hashes_and_fresh_secrets() -> None:
    module = generator()
    first = {
        d["metadata"]["name"]: d["stringData"] for d in module.secrets(key_encryption_key=True)
    }
    hashes = json.loads(first[module.HASHES_SECRET]["hashes.json"])
    assert set(hashes) == set(KEY_READING_SERVICES)
    for service in KEY_READING_SERVICES:
        credential = first[module.credential_secret(service)]["credential"]
        assert credential_matches(credential, hashes[service])
        others = [h for s, accepted in hashes.items() if s != service for h in accepted]
        assert not credential_matches(credential, others)
    assert len(base64.urlsafe_b64decode(first[module.KEY_ENCRYPTION_KEY_SECRET]["key"])) == 32
    rotated = {d["metadata"]["name"]: d for d in module.secrets(key_encryption_key=False)}
    assert module.KEY_ENCRYPTION_KEY_SECRET not in rotated, "a rotation keeps the stored keys"
    assert (
        rotated[module.credential_secret("memory")]["stringData"]
        != first[module.credential_secret("memory")]
    )
    assert all(yaml.safe_load(yaml.safe_dump(d)) == d for d in rotated.values())


def test_the_compose_env_lines_name_each_credential_and_their_hashes() -> None:
    lines = env_lines({"memory": "s1", "byod": "s2"})
    assert lines[:2] == ["MUNINN_SERVICE_CREDENTIAL_MEMORY=s1", "MUNINN_SERVICE_CREDENTIAL_BYOD=s2"]
    hashes = json.loads(lines[2].removeprefix("MUNINN_SERVICE_CREDENTIAL_HASHES=").strip("'"))
    assert credential_matches("s1", hashes["memory"])


def test_each_vault_service_alone_holds_its_own_key_ring() -> None:
    module = generator()
    rings = module.VAULT_KEYS_SECRETS
    assert len(set(rings.values())) == len(rings)
    for name, deployment in base_objects("Deployment").items():
        env = deployment_env(deployment)
        if name in rings:
            assert secret_ref(env, "MUNINN_ENCRYPTION_KEYS") == {"name": rings[name], "key": "keys"}
        for holder, ring in rings.items():
            if holder != name:
                assert ring not in str(deployment), name
    services = compose_services()
    assert str(services["integrations"]["environment"]["MUNINN_ENCRYPTION_KEYS"]).startswith(
        "${MUNINN_ENCRYPTION_KEYS:?"
    )
    assert str(services["byod"]["environment"]["MUNINN_ENCRYPTION_KEYS"]).startswith(
        "${MUNINN_BYOD_ENCRYPTION_KEYS:?"
    )
    for name, service in services.items():
        if name not in rings:
            assert "MUNINN_ENCRYPTION_KEYS" not in service.get("environment", {}), name


def test_the_first_install_prints_a_vault_key_ring_the_service_accepts() -> None:
    from muninn_shared.vault.keyring import parse_key_ring

    module = generator()
    documents = {d["metadata"]["name"]: d for d in module.secrets(key_encryption_key=True)}
    rings = [
        parse_key_ring(documents[name]["stringData"]["keys"])
        for name in module.VAULT_KEYS_SECRETS.values()
    ]
    assert all(ring.primary == "k1" for ring in rings)
    assert rings[0].keys != rings[1].keys
    rotated = {d["metadata"]["name"] for d in module.secrets(key_encryption_key=False)}
    assert not rotated & set(module.VAULT_KEYS_SECRETS.values())


def test_the_route_key_holders_are_byod_and_every_content_service() -> None:
    assert set(ROUTE_KEY_HOLDERS) == {"byod", *(s.value for s in ContentService)}
    assert set(ROUTE_KEY_HOLDERS) < set(SERVICE_NAMES)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_byod_and_the_content_services_take_the_one_route_key_secret(service: str) -> None:
    module = generator()
    deployment = base_objects("Deployment")[service]
    env = deployment_env(deployment)
    if service in ROUTE_KEY_HOLDERS:
        assert secret_ref(env, ROUTE_KEYS) == {"name": module.ROUTE_KEYS_SECRET, "key": "keys"}
    else:
        assert ROUTE_KEYS not in env, service
        assert module.ROUTE_KEYS_SECRET not in str(deployment), service


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_gives_byod_and_the_content_services_the_one_route_key_ring(
    service: str,
) -> None:
    env = compose_services()[service]["environment"]
    if service in ROUTE_KEY_HOLDERS:
        assert env[ROUTE_KEYS] == COMPOSE_ROUTE_KEYS
        with pytest.raises(LookupError, match=ROUTE_KEYS):
            compose_env(service, env={k: v for k, v in SECRET_VALUES.items() if k != ROUTE_KEYS})
    else:
        assert ROUTE_KEYS not in env, service


def test_the_compose_and_kubernetes_set_ups_make_the_route_key_ring() -> None:
    # .env.example names the ring and how to make it; deploy/README.md's one-liner too.
    line = "MUNINN_BYOD_ROUTE_KEYS=k1:$(openssl rand -base64 32 | tr '+/' '-_')"
    example = (COMPOSE_FILE.parent / ".env.example").read_text()
    assert "MUNINN_BYOD_ROUTE_KEYS=\n" in example
    assert "k1:$(openssl rand -base64 32 | tr '+/' '-_')" in example
    readme = (DEPLOY / "README.md").read_text()
    assert line in readme
    assert generator().ROUTE_KEYS_SECRET in readme
    assert generator().ROUTE_KEYS_SECRET in (K8S / "base" / "kustomization.yaml").read_text()
    assert f"| `{ROUTE_KEYS}` |" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("platform", ["compose", "k8s"])
@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_in_prod_the_route_key_ring_opens_only_where_it_is_given(
    service: str, platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """byod refuses to start without the ring in prod; a content service would answer 503 to
    every BYOD user. Identity and the gateway never see users' databases."""
    from muninn_shared.vault.keyring import parse_key_ring

    env = compose_env(service) if platform == "compose" else k8s_env(service)
    settings = production_settings_from(service, env, monkeypatch)
    ring = settings.byod_route_key_ring()
    if service in ROUTE_KEY_HOLDERS:
        assert ring is not None
        assert ring.keys == parse_key_ring(SECRET_VALUES[ROUTE_KEYS]).keys
    else:
        assert ring is None


def test_the_first_install_alone_prints_the_route_key_ring() -> None:
    from muninn_shared.vault.keyring import parse_key_ring

    module = generator()
    documents = module.secrets(key_encryption_key=True)
    named = [d for d in documents if d["metadata"]["name"] == module.ROUTE_KEYS_SECRET]
    assert len(named) == 1
    ring = parse_key_ring(named[0]["stringData"]["keys"])
    assert ring.primary == "k1"
    vault_keys = [
        parse_key_ring(d["stringData"]["keys"]).keys["k1"]
        for d in documents
        if d["metadata"]["name"] in module.VAULT_KEYS_SECRETS.values()
    ]
    assert ring.keys["k1"] not in vault_keys, "a ring of its own, not a vault's"
    again = {d["metadata"]["name"]: d for d in module.secrets(key_encryption_key=True)}
    assert again[module.ROUTE_KEYS_SECRET]["stringData"] != named[0]["stringData"]
    rotated = {d["metadata"]["name"] for d in module.secrets(key_encryption_key=False)}
    assert module.ROUTE_KEYS_SECRET not in rotated, "rotating credentials keeps the routes open"


def test_an_existing_cluster_gets_the_route_key_ring_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from muninn_shared.vault.keyring import parse_key_ring

    module = generator()
    assert module.main(["--byod-route-keys"]) == 0
    (document,) = list(yaml.safe_load_all(capsys.readouterr().out))
    assert document["kind"] == "Secret"
    assert document["metadata"]["name"] == module.ROUTE_KEYS_SECRET
    assert parse_key_ring(document["stringData"]["keys"]).primary == "k1"
    with pytest.raises(SystemExit):
        module.main(["--byod-route-keys", "--key-encryption-key"])
    capsys.readouterr()
    assert module.main([]) == 0
    assert module.ROUTE_KEYS_SECRET not in capsys.readouterr().out
