"""Operator commands for the credentials vault.

    python -m muninn_integrations.vault new-key   # prints 'id:key' to put first in MUNINN_ENCRYPTION_KEYS
    python -m muninn_integrations.vault rewrap    # wraps every data key under the first key

Rotation: put a new key first in ``MUNINN_ENCRYPTION_KEYS`` (old keys after it), restart the
service, run ``rewrap`` with the same settings, then remove the old keys.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys

from muninn_shared.storage.mongo import create_mongo_client

from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.vault.keyring import KeyRingRefusedError, new_encoded_key
from muninn_integrations.vault.service import Vault
from muninn_integrations.vault.store import VaultStore
from muninn_integrations.vault.wiring import key_ring


async def rewrap(settings: IntegrationsSettings) -> int:
    client = create_mongo_client(settings.mongo_uri)
    try:
        vault = Vault(VaultStore(client[settings.mongo_database]), key_ring(settings))
        return await vault.rewrap()
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m muninn_integrations.vault")
    parser.add_argument("command", choices=["new-key", "rewrap"])
    args = parser.parse_args(argv)
    if args.command == "new-key":
        print(f"k{secrets.token_hex(4)}:{new_encoded_key()}")
        return 0
    try:
        count = asyncio.run(rewrap(IntegrationsSettings()))
    except KeyRingRefusedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"re-wrapped {count} data keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
