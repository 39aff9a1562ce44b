"""The vault's settings, mixed into the settings of every service that keeps users' secrets.

Each service runs in its own process with its own environment, so each reads the same
variable names (``MUNINN_ENCRYPTION_KEYS``) and holds a ring of its own: a service can open
only the secrets it sealed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from muninn_shared.settings import ServiceSettings
from muninn_shared.vault.keyring import KeyRing, key_ring_from


class VaultSettings(ServiceSettings):
    encryption_keys: SecretStr | None = Field(
        default=None,
        description="Key-encryption keys as 'id:key,id:key' (32 random bytes each, base64url); "
        "the first wraps new data keys, all unwrap. Required in prod and off loopback.",
    )
    dev_encryption_keys_file: Path | None = Field(
        default=None,
        description="Where a development key ring is generated when none is configured "
        "(default .muninn/data/<service>-encryption-keys); used only while the service is "
        "bound to loopback.",
    )

    def development_encryption_keys_file(self) -> Path:
        configured = self.dev_encryption_keys_file
        if configured is not None:
            return configured
        return Path(f".muninn/data/{self.service_name}-encryption-keys")

    def vault_key_ring(self) -> KeyRing:
        """The operator's ring; a generated development ring where one is allowed; otherwise
        ``KeyRingRefusedError``."""
        configured = self.encryption_keys
        return key_ring_from(
            configured.get_secret_value() if configured is not None else None,
            development_file=self.development_encryption_keys_file(),
            development_allowed=self.allows_development_secrets(),
        )
