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
every stored event key, and the vaults' key rings (key ``keys``: ``id:key``),
``muninn-integrations-encryption-keys`` (every connection's data key) and
``muninn-byod-encryption-keys`` (every registered database's data key): generate them once,
keep a copy, and never apply new ones over them (stored keys, retained events and users'
secrets would become unreadable). A vault's ring rotates by adding a key in front
(``python -m muninn_shared.vault new-key``) and running
``python -m muninn_shared.vault rewrap --service <name>`` in that service's pod.
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
from muninn_shared.settings import KEY_READING_SERVICES

NAMESPACE = "muninn"
HASHES_SECRET = "muninn-identity-service-credential-hashes"
KEY_ENCRYPTION_KEY_SECRET = "muninn-identity-event-key-encryption-key"
# Each service that keeps users' secrets has a vault ring of its own.
VAULT_KEYS_SECRETS = {
    "integrations": "muninn-integrations-encryption-keys",
    "byod": "muninn-byod-encryption-keys",
}


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
        for vault_secret in VAULT_KEYS_SECRETS.values():
            vault_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
            documents.append(secret(vault_secret, {"keys": f"k1:{vault_key}"}))
    return documents


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--key-encryption-key",
        action="store_true",
        help="also print identity's key-encryption key and the vaults' key rings (first install only)",
    )
    args = parser.parse_args(argv)
    sys.stdout.write(yaml.safe_dump_all(secrets(key_encryption_key=args.key_encryption_key)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
