"""Operator commands for a service's credentials vault.

    python -m muninn_shared.vault new-key                    # prints 'id:key' to put first in MUNINN_ENCRYPTION_KEYS
    python -m muninn_shared.vault rewrap --service integrations   # wraps every data key under the first key

Every service that keeps users' secrets (integrations, byod) has a ring of its own. Rotation:
put a new key first in that service's ``MUNINN_ENCRYPTION_KEYS`` (old keys after it), restart
the service, run ``rewrap --service <name>`` with the same settings (in the service's image or
pod), then remove the old keys.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys

from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.vault.keyring import KeyRingRefusedError, new_encoded_key
from muninn_shared.vault.service import Vault
from muninn_shared.vault.settings import VaultSettings
from muninn_shared.vault.store import VaultStore

VAULT_SERVICES = ("integrations", "byod")


async def rewrap(settings: VaultSettings) -> int:
    client = create_mongo_client(settings.mongo_uri)
    try:
        vault = Vault(VaultStore(client[settings.mongo_database]), settings.vault_key_ring())
        return await vault.rewrap()
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m muninn_shared.vault")
    parser.add_argument("command", choices=["new-key", "rewrap"])
    parser.add_argument(
        "--service",
        choices=VAULT_SERVICES,
        help="rewrap: whose vault (its database and its MUNINN_ENCRYPTION_KEYS)",
    )
    args = parser.parse_args(argv)
    if args.command == "new-key":
        print(f"k{secrets.token_hex(4)}:{new_encoded_key()}")
        return 0
    if args.service is None:
        parser.error("rewrap needs --service")
    try:
        count = asyncio.run(rewrap(VaultSettings(service_name=args.service)))
    except KeyRingRefusedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"re-wrapped {count} data keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
