"""Print the Secrets that let services fetch users' event keys from identity.

One Secret per service that reads event keys (``muninn-<service>-service-credential``, key
``credential``: a fresh 256-bit secret), and identity's ``muninn-identity-service-credential-
hashes`` (key ``hashes.json``: the SHA-256 of each, the only form identity keeps). Each
Deployment mounts only its own Secret (deploy/k8s/base/*.yaml). Nothing here is committed:

    .venv/bin/python deploy/k8s/generate_service_credentials.py --key-encryption-key \\
        | kubectl apply -n muninn -f -          # first install
    .venv/bin/python deploy/k8s/generate_service_credentials.py \\
        | kubectl apply -n muninn -f -          # rotate every service credential
    kubectl rollout restart -n muninn deployment

``--key-encryption-key`` also prints ``muninn-identity-event-key-encryption-key``, which wraps
every stored event key, the vaults' key rings (key ``keys``: ``id:key``),
``muninn-integrations-encryption-keys`` (every connection's data key) and
``muninn-byod-encryption-keys`` (every registered database's data key), and the route key
ring ``muninn-byod-route-keys`` (key ``keys``) that byod seals users' own-database connections
under and conversation, memory, scheduler and integrations open them with: generate them
once, keep a copy, and never apply new ones over them (stored keys, retained events, users'
secrets and the announced routes would become unreadable). A vault's ring rotates by adding a
key in front (``python -m muninn_shared.vault new-key``) and running
``python -m muninn_shared.vault rewrap --service <name>`` in that service's pod.

``--mongodb-passwords`` prints only ``muninn-mongodb-<service>-password`` (key ``password``) for
each service: the passwords of the per-service MongoDB users in
deploy/k8s/infra/mongodb.yaml, from which the MongoDB operator writes each service's
connection Secret. Apply them before the infrastructure, once; a new password applied later
is picked up by the operator, then ``kubectl rollout restart`` the service.

A cluster installed before the route key ring existed gets it alone, with ``kubectl create``,
which refuses to replace an existing Secret:

    .venv/bin/python deploy/k8s/generate_service_credentials.py --byod-route-keys \
        | kubectl create -n muninn -f -
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections.abc import Mapping
from typing import Any

import yaml
from muninn_shared.service_credentials import generate_for, hashes_of
from muninn_shared.settings import KEY_READING_SERVICES, SERVICE_NAMES

NAMESPACE = "muninn"
HASHES_SECRET = "muninn-identity-service-credential-hashes"
KEY_ENCRYPTION_KEY_SECRET = "muninn-identity-event-key-encryption-key"
# Each service that keeps users' secrets has a vault ring of its own.
VAULT_KEYS_SECRETS = {
    "integrations": "muninn-integrations-encryption-keys",
    "byod": "muninn-byod-encryption-keys",
}
# One ring shared by byod (it seals) and the content services (they open): MUNINN_BYOD_ROUTE_KEYS.
ROUTE_KEYS_SECRET = "muninn-byod-route-keys"


# Every service has a database user; the gateway's serves only its shared rate limits, when an
# overlay turns them on.
DATABASE_SERVICES = SERVICE_NAMES
# The operators' jobs have users of their own: the nightly dump and the pre-rollout schema upgrade.
OPERATOR_DATABASE_USERS = ("backup", "schema")


def mongodb_password_secret(service: str) -> str:
    return f"muninn-mongodb-{service}-password"


def mongodb_passwords() -> list[dict[str, Any]]:
    return [
        secret(mongodb_password_secret(service), {"password": os.urandom(24).hex()})
        for service in (*DATABASE_SERVICES, *OPERATOR_DATABASE_USERS)
    ]


def credential_secret(service: str) -> str:
    return f"muninn-{service}-service-credential"


def secret(name: str, data: Mapping[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/part-of": "muninn"},
        },
        "type": "Opaque",
        "stringData": dict(data),
    }


def key_ring(name: str) -> dict[str, Any]:
    """A Secret holding a fresh one-key ring (key ``keys``: ``k1:<32 random bytes>``)."""
    return secret(name, {"keys": f"k1:{base64.urlsafe_b64encode(os.urandom(32)).decode()}"})


def route_keys_secret() -> dict[str, Any]:
    return key_ring(ROUTE_KEYS_SECRET)


def secrets(*, key_encryption_key: bool) -> list[dict[str, Any]]:
    credentials = generate_for(KEY_READING_SERVICES)
    documents = [
        secret(credential_secret(service), {"credential": value})
        for service, value in credentials.items()
    ]
    documents.append(secret(HASHES_SECRET, {"hashes.json": json.dumps(hashes_of(credentials))}))
    if key_encryption_key:
        encoded = base64.urlsafe_b64encode(os.urandom(32)).decode()
        documents.append(secret(KEY_ENCRYPTION_KEY_SECRET, {"key": encoded}))
        documents.extend(key_ring(name) for name in VAULT_KEYS_SECRETS.values())
        documents.append(route_keys_secret())
    return documents


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--key-encryption-key",
        action="store_true",
        help="also print identity's key-encryption key, the vaults' key rings and the route "
        "key ring (first install only)",
    )
    which.add_argument(
        "--byod-route-keys",
        action="store_true",
        help=f"print only the Secret {ROUTE_KEYS_SECRET} (once, for a cluster installed "
        "before it existed; apply it with kubectl create)",
    )
    which.add_argument(
        "--mongodb-passwords",
        action="store_true",
        help="print only each service's MongoDB user password (infra/mongodb.yaml)",
    )
    args = parser.parse_args(argv)
    if args.byod_route_keys:
        documents = [route_keys_secret()]
    elif args.mongodb_passwords:
        documents = mongodb_passwords()
    else:
        documents = secrets(key_encryption_key=args.key_encryption_key)
    sys.stdout.write(yaml.safe_dump_all(documents))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
