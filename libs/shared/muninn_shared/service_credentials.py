"""Service-to-service credentials: one secret per service, only its hash at the receiver.

A calling service sends its name and its own secret (``MUNINN_SERVICE_CREDENTIAL``); identity
keeps the SHA-256 of each service's secret (``MUNINN_SERVICE_CREDENTIAL_HASHES``) and an
allow-list of who may call what. A leaked secret speaks for one service only, and rotating it
means a new secret for that service and its new hash at identity (both hashes may be listed
during the change). The secrets are 256 random bits, so a fast hash is enough.

``python -m muninn_shared.service_credentials memory conversation`` prints a fresh secret per
service and identity's hashes of them as JSON; with ``--env``, as lines of a Compose ``.env``
file (``MUNINN_SERVICE_CREDENTIAL_<SERVICE>`` and ``MUNINN_SERVICE_CREDENTIAL_HASHES``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sys
from collections.abc import Iterable, Mapping

SERVICE_HEADER = "x-muninn-service"
CREDENTIAL_HEADER = "x-muninn-service-credential"


def generate_credential() -> str:
    return secrets.token_urlsafe(32)


def credential_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def credential_matches(secret: str, hashes: Iterable[str]) -> bool:
    """Whether ``secret`` hashes to one of ``hashes``; every comparison is constant-time."""
    presented = credential_hash(secret)
    matched = False
    for expected in hashes:
        matched |= hmac.compare_digest(presented, expected)
    return matched


def generate_for(services: Iterable[str]) -> dict[str, str]:
    """A fresh secret for each of ``services``."""
    return {service: generate_credential() for service in services}


def hashes_of(credentials: Mapping[str, str]) -> dict[str, list[str]]:
    """What identity is configured with for ``credentials``: each service's accepted hashes."""
    return {service: [credential_hash(secret)] for service, secret in credentials.items()}


def env_lines(credentials: Mapping[str, str]) -> list[str]:
    """``credentials`` and their hashes as lines of an environment file."""
    lines = [
        f"MUNINN_SERVICE_CREDENTIAL_{service.upper()}={secret}"
        for service, secret in credentials.items()
    ]
    hashes = json.dumps(hashes_of(credentials), separators=(",", ":"))
    return [*lines, f"MUNINN_SERVICE_CREDENTIAL_HASHES='{hashes}'"]


def main(argv: list[str]) -> int:
    as_env = "--env" in argv
    services = [arg for arg in argv if arg != "--env"]
    if not services:
        print("usage: python -m muninn_shared.service_credentials [--env] SERVICE [SERVICE …]")
        return 2
    credentials = generate_for(services)
    if as_env:
        print("\n".join(env_lines(credentials)))
    else:
        print(json.dumps({"credentials": credentials, "hashes": hashes_of(credentials)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
