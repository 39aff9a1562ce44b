"""The vault's key ring, from the service's settings."""

from __future__ import annotations

from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.vault.keyring import KeyRing, key_ring_from


def key_ring(settings: IntegrationsSettings) -> KeyRing:
    configured = settings.encryption_keys
    return key_ring_from(
        configured.get_secret_value() if configured is not None else None,
        development_file=settings.dev_encryption_keys_file,
        development_allowed=settings.allows_development_secrets(),
    )
