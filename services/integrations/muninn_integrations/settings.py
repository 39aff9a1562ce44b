"""Settings of the integrations service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from pathlib import Path

from muninn_shared.outbound import OutboundSettings
from muninn_shared.settings import DEFAULT_PORTS
from pydantic import Field, SecretStr


class IntegrationsSettings(OutboundSettings):
    service_name: str = "integrations"
    port: int = DEFAULT_PORTS["integrations"]

    # The credentials vault: connection secrets sealed under per-connection data keys.
    encryption_keys: SecretStr | None = Field(
        default=None,
        description="Key-encryption keys as 'id:key,id:key' (32 random bytes each, base64url); "
        "the first wraps new data keys, all unwrap. Required in prod and off loopback.",
    )
    dev_encryption_keys_file: Path = Field(
        default=Path(".muninn/data/integrations-encryption-keys"),
        description="Where a development key ring is generated when none is configured; used "
        "only while the service is bound to loopback.",
    )

    connect_check_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=120,
        description="How long connecting (or re-checking) an account may wait for its server.",
    )
    connector_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=300,
        description="Each network call to a calendar, contacts or mail server.",
    )
    imap_allow_plaintext: bool = Field(
        default=False,
        description="Allow imap:// (no TLS) mail servers; for a server on a trusted LAN only.",
    )
