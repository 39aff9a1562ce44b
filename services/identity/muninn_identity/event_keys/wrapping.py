"""Which key-encryption key wraps the stored event keys, and when identity refuses to start."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from muninn_shared.events.sealing import KEY_BYTES

from muninn_identity.settings import IdentitySettings


class WrappingKeyRefusedError(RuntimeError):
    """No usable key-encryption key for this setting."""


def load_wrapping_key(settings: IdentitySettings) -> bytes:
    """The operator's key (``MUNINN_EVENT_KEY_ENCRYPTION_KEY``), or a development one.

    A development key sits unencrypted in the working directory beside the data it protects;
    like the development signing ring it serves only a loopback-bound, non-production identity.
    """
    if settings.event_key_encryption_key is not None:
        return decode_wrapping_key(settings.event_key_encryption_key.get_secret_value())
    if not settings.allows_development_secrets():
        raise WrappingKeyRefusedError(
            "MUNINN_EVENT_KEY_ENCRYPTION_KEY is required in prod and off loopback (32 random "
            "bytes, base64url: python -c 'import base64,os; "
            "print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
        )
    return development_wrapping_key(settings.dev_event_key_encryption_key_file)


def decode_wrapping_key(encoded: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(encoded.strip())
    except (binascii.Error, ValueError):
        raise WrappingKeyRefusedError("MUNINN_EVENT_KEY_ENCRYPTION_KEY is not base64") from None
    if len(key) != KEY_BYTES:
        raise WrappingKeyRefusedError("MUNINN_EVENT_KEY_ENCRYPTION_KEY must be 32 bytes")
    return key


def development_wrapping_key(path: Path) -> bytes:
    """The key in ``path``, generated there (readable by its owner only) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode())
    return decode_wrapping_key(path.read_text(encoding="utf-8"))
