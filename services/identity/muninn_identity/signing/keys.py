"""Which signing key ring identity uses, and when it must refuse to start."""

from __future__ import annotations

from muninn_shared.signing import SigningKeyRing, TokenIssuer, development_key_ring

from muninn_identity.settings import IdentitySettings


class SigningKeyRefusedError(RuntimeError):
    """Identity would sign with a key that must not be used in this setting."""


def load_key_ring(settings: IdentitySettings) -> SigningKeyRing:
    """The operator's ring (MUNINN_SIGNING_KEYS_FILE or MUNINN_SIGNING_KEYS), or the generated
    development ring.

    A development ring sits unencrypted in a working directory; it may sign only for a
    process nobody else can reach, so a non-loopback bind (or production) refuses it.
    """
    if settings.signing_keys_file is not None and settings.signing_keys is not None:
        raise SigningKeyRefusedError(
            "set MUNINN_SIGNING_KEYS_FILE or MUNINN_SIGNING_KEYS, not both"
        )
    if settings.signing_keys_file is not None:
        ring = SigningKeyRing.load(settings.signing_keys_file)
    elif settings.signing_keys is not None:
        ring = SigningKeyRing.from_json(settings.signing_keys.get_secret_value())
    elif settings.environment == "prod":
        raise SigningKeyRefusedError(
            "MUNINN_SIGNING_KEYS_FILE or MUNINN_SIGNING_KEYS is required when "
            "MUNINN_ENVIRONMENT=prod "
            "(create one with: python -m muninn_identity.signing add --file <path>)"
        )
    else:
        ring = development_key_ring(settings.dev_signing_keys_file)
    if ring.development and not settings.allows_development_secrets():
        raise SigningKeyRefusedError(
            f"refusing to sign with a development key while bound to {settings.host!r} "
            f"(environment {settings.environment}): set MUNINN_SIGNING_KEYS_FILE to a key ring "
            "made with 'python -m muninn_identity.signing add --file <path>', "
            "or bind to loopback"
        )
    return ring


def token_issuer_from(settings: IdentitySettings, ring: SigningKeyRing) -> TokenIssuer:
    return TokenIssuer(
        ring,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
