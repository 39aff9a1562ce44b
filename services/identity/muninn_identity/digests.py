"""How identity stores the secrets it hands out (refresh tokens, API keys)."""

from __future__ import annotations

import hashlib


def secret_digest(secret: str) -> str:
    """SHA-256 of the secret: it is 256-bit random, so no salt or slow hash is needed, and an
    unsalted digest lets the store find the record by it."""
    return hashlib.sha256(secret.encode()).hexdigest()
