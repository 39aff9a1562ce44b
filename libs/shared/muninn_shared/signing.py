"""Signing keys of access tokens: an Ed25519 key ring and the issuer that signs with it.

Only identity loads a key ring in production; every other process verifies with the public
half, published as a JWKS (:mod:`muninn_shared.auth`). The ring lives here rather than in
identity because tests and benchmarks of every service mint tokens the same way.

A ring file is JSON, written with mode 0600::

    {"signing_kid": "<kid>", "development": false,
     "keys": [{"kid": "<kid>", "created_at": "<iso time>", "private_key": "<PKCS#8 PEM>"}]}

Every key is published; only ``signing_kid`` signs. A key's ``kid`` is its RFC 7638
thumbprint, so it cannot be mistyped or reused for another key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
ALL_SCOPES = ("read", "write", "admin")
"""What a signed-in user holds over their own account (an API key or MCP client holds fewer)."""
OPERATOR_SCOPE = "operator"
"""Running this Muninn for everyone (all users, the index): never implied by ``admin``, held
only by the sessions of the accounts identity's ``MUNINN_OPERATOR_EMAILS`` lists."""


class KeyRingError(ValueError):
    """A ring file that cannot be used as it is."""


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}


def thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace."""
    canonical = json.dumps(public_jwk(public_key), sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def kid(self) -> str:
        return thumbprint(self.private_key.public_key())

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    def jwk(self) -> dict[str, str]:
        return {
            **public_jwk(self.private_key.public_key()),
            "kid": self.kid,
            "use": "sig",
            "alg": ALGORITHM,
        }

    def pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")


class SigningKeyRing:
    """The signing key plus every key still published so its tokens verify until they expire."""

    def __init__(
        self, keys: Sequence[SigningKey], signing_kid: str, *, development: bool = False
    ) -> None:
        by_kid = {key.kid: key for key in keys}
        if len(by_kid) != len(keys):
            raise KeyRingError("the key ring holds the same key twice")
        if signing_kid not in by_kid:
            raise KeyRingError(f"the signing key {signing_kid!r} is not in the key ring")
        self.keys = list(keys)
        self.signing = by_kid[signing_kid]
        self.development = development

    @classmethod
    def generate(cls, *, development: bool = False) -> SigningKeyRing:
        key = SigningKey.generate()
        return cls([key], key.kid, development=development)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self.keys]}

    def with_key(self, key: SigningKey) -> SigningKeyRing:
        return SigningKeyRing([*self.keys, key], self.signing.kid, development=self.development)

    def promoted(self, kid: str) -> SigningKeyRing:
        return SigningKeyRing(self.keys, kid, development=self.development)

    def without(self, kid: str) -> SigningKeyRing:
        if kid == self.signing.kid:
            raise KeyRingError("the signing key cannot be retired; promote another key first")
        remaining = [key for key in self.keys if key.kid != kid]
        if len(remaining) == len(self.keys):
            raise KeyRingError(f"no key {kid!r} in the key ring")
        return SigningKeyRing(remaining, self.signing.kid, development=self.development)

    def to_json(self) -> str:
        return json.dumps(
            {
                "signing_kid": self.signing.kid,
                "development": self.development,
                "keys": [
                    {
                        "kid": key.kid,
                        "created_at": key.created_at.isoformat(),
                        "private_key": key.pem(),
                    }
                    for key in self.keys
                ],
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> SigningKeyRing:
        try:
            document = json.loads(text)
            keys = []
            for entry in document["keys"]:
                private_key = serialization.load_pem_private_key(
                    entry["private_key"].encode("ascii"), password=None
                )
                if not isinstance(private_key, Ed25519PrivateKey):
                    raise KeyRingError("every signing key must be an Ed25519 private key")
                key = SigningKey(private_key, datetime.fromisoformat(entry["created_at"]))
                if entry.get("kid", key.kid) != key.kid:
                    raise KeyRingError(f"key {entry['kid']!r} does not match its private key")
                keys.append(key)
            return cls(keys, document["signing_kid"], development=bool(document["development"]))
        except KeyRingError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyRingError(f"unreadable signing key ring: {exc!r}") from None

    @classmethod
    def load(cls, path: Path) -> SigningKeyRing:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyRingError(f"cannot read the signing key ring {path}: {exc}") from None
        return cls.from_json(text)

    def save(self, path: Path) -> None:
        """Write atomically, readable by the owner only."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(self.to_json())
        os.replace(partial, path)


def development_key_ring(path: Path) -> SigningKeyRing:
    """The development ring at ``path``, generated on first use."""
    if path.exists():
        return SigningKeyRing.load(path)
    ring = SigningKeyRing.generate(development=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(ring.to_json())
    try:
        # link, not replace: a ring another process generated first is kept, never overwritten
        os.link(partial, path)
    except FileExistsError:
        return SigningKeyRing.load(path)
    finally:
        partial.unlink()
    return ring


class TokenIssuer:
    def __init__(
        self, ring: SigningKeyRing, *, issuer: str, audience: str, ttl_seconds: int
    ) -> None:
        self.ring = ring
        self._issuer = issuer
        self._audience = audience
        self.ttl_seconds = ttl_seconds

    def issue(
        self,
        user_id: str,
        *,
        scopes: frozenset[str] | tuple[str, ...] = ALL_SCOPES,
        session_id: str | None = None,
        api_key_id: str | None = None,
        ttl_seconds: int | None = None,
        issued_at: int | None = None,
    ) -> str:
        now = int(time.time()) if issued_at is None else issued_at
        claims: dict[str, Any] = {
            "sub": user_id,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "nbf": now,
            "exp": now + (ttl_seconds or self.ttl_seconds),
            "jti": uuid.uuid4().hex,
            "typ": "access",
            "scope": " ".join(sorted(scopes)),
        }
        if session_id:
            claims["sid"] = session_id
        if api_key_id:
            claims["akid"] = api_key_id
        signing = self.ring.signing
        return jwt.encode(
            claims, signing.private_key, algorithm=ALGORITHM, headers={"kid": signing.kid}
        )
