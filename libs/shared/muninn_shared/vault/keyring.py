"""The key-encryption keys: a ring with ids, so keys rotate without re-encrypting every secret.

``MUNINN_ENCRYPTION_KEYS`` lists ``id:key`` pairs separated by commas, each key 32 random
bytes in base64url. The first key wraps new data keys; every key in the ring unwraps. To
rotate: put a new key first, keep the old ones after it, restart, run
``python -m muninn_shared.vault rewrap --service <name>``, then drop the old keys.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
DEVELOPMENT_KEY_ID = "dev-1"


class KeyRingRefusedError(RuntimeError):
    """The configured keys cannot be used; the message never contains key material."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]
    primary: str

    def __post_init__(self) -> None:
        if self.primary not in self.keys:
            raise KeyRingRefusedError("the primary key is not in the ring")

    def key(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)

    def __repr__(self) -> str:
        return f"KeyRing(primary={self.primary!r}, ids={sorted(self.keys)!r})"


def new_encoded_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def parse_key_ring(text: str, *, setting: str = "MUNINN_ENCRYPTION_KEYS") -> KeyRing:
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for position, entry in enumerate(part.strip() for part in text.split(",")):
        if not entry:
            continue
        key_id, separator, encoded = entry.partition(":")
        if not separator or not _KEY_ID.fullmatch(key_id):
            raise KeyRingRefusedError(
                f"{setting}: entry {position + 1} is not 'id:key' with an id of letters, "
                "digits, '-' or '_' (at most 32)"
            )
        if key_id in keys:
            raise KeyRingRefusedError(f"{setting}: key id {key_id!r} appears twice")
        keys[key_id] = _decode(encoded, key_id, setting)
        order.append(key_id)
    if not order:
        raise KeyRingRefusedError(f"{setting} holds no key")
    return KeyRing(keys=keys, primary=order[0])


def _decode(encoded: str, key_id: str, setting: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
    except (binascii.Error, ValueError):
        raise KeyRingRefusedError(f"{setting}: key {key_id!r} is not base64url") from None
    if len(key) != KEY_BYTES:
        raise KeyRingRefusedError(f"{setting}: key {key_id!r} must be {KEY_BYTES} bytes")
    return key


def development_key_ring(path: Path) -> KeyRing:
    """The ring in ``path``, generated there (readable by its owner only) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: processes starting together (a shared ring)
        # all read one whole ring, whichever of them made it.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(f"{DEVELOPMENT_KEY_ID}:{new_encoded_key()}")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return parse_key_ring(path.read_text(encoding="utf-8"), setting=str(path))


def key_ring_from(
    configured: str | None, *, development_file: Path, development_allowed: bool
) -> KeyRing:
    """The operator's ring, or a generated development ring where one is allowed."""
    if configured is not None:
        return parse_key_ring(configured)
    if not development_allowed:
        raise KeyRingRefusedError(
            "MUNINN_ENCRYPTION_KEYS is required in prod and off loopback ('id:key' pairs, "
            "each key 32 random bytes in base64url); make one with: "
            "python -m muninn_shared.vault new-key"
        )
    return development_key_ring(development_file)
