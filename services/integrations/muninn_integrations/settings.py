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

    # Push: realtime connections whose server can tell of changes (IMAP IDLE).
    sync_watch_max_connections: int = Field(
        default=100,
        ge=0,
        description="Realtime connections one replica keeps a push wait open for (one server "
        "connection each); 0 turns push off and realtime connections are polled.",
    )
    sync_watch_wait_seconds: float = Field(
        default=600.0, gt=0, le=1740, description="One push wait (IMAP IDLE is renewed in it)."
    )
    sync_watch_scan_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often watches are renewed and new realtime connections picked up.",
    )
    sync_watch_rest_seconds: float = Field(
        default=3600.0, gt=0, description="A server found unable to push is tried again after it."
    )
