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

    # Sync jobs.
    sync_workers_enabled: bool = Field(
        default=True, description="Run sync jobs in this replica (off: it only serves the API)."
    )
    sync_schedule_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often due connections are looked for."
    )
    sync_poll_seconds: float = Field(default=5.0, gt=0, description="Idle wait between job claims.")
    sync_page_size: int = Field(default=200, ge=1, le=2000)
    sync_lease_seconds: float = Field(
        default=120.0, gt=0, description="A job whose replica stopped is taken over after this."
    )
    sync_max_attempts: int = Field(
        default=6, ge=1, description="Tries of a job while its source is unavailable."
    )
    sync_retry_base_seconds: float = Field(
        default=30.0, gt=0, description="First back-off while a source is unavailable; doubles."
    )
