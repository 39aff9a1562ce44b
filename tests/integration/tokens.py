"""One signing key ring for the test run, so tests mint tokens the way identity does.

Identity processes (in-process or started by the suite) sign with this ring through
``MUNINN_SIGNING_KEYS_FILE``; content services started in-process read its public half from
``MUNINN_JWKS_URL`` (a file), since no identity runs beside them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from muninn_shared.settings import ServiceSettings
from muninn_shared.signing import SigningKeyRing, TokenIssuer

SIGNING_KEYS_ENV = "MUNINN_SIGNING_KEYS_FILE"
JWKS_URL_ENV = "MUNINN_JWKS_URL"
SEALING_ENV = "MUNINN_EVENT_SEALING"


def provision_test_keys(directory: Path) -> dict[str, str]:
    """Write a development ring and its JWKS under ``directory``; the environment to use them."""
    directory.mkdir(parents=True, exist_ok=True)
    ring = SigningKeyRing.generate(development=True)
    ring_path = directory / "signing-keys.json"
    jwks_path = directory / "jwks.json"
    ring.save(ring_path)
    jwks_path.write_text(json.dumps(ring.jwks()), encoding="utf-8")
    return {SIGNING_KEYS_ENV: str(ring_path), JWKS_URL_ENV: jwks_path.as_uri()}


def identity_token_issuer(ttl_seconds: int | None = None) -> TokenIssuer:
    """Signs with the run's ring (as identity does); claims as every service expects them."""
    settings = ServiceSettings()
    return TokenIssuer(
        SigningKeyRing.load(Path(os.environ[SIGNING_KEYS_ENV])),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=ttl_seconds or settings.access_token_ttl_seconds,
    )
