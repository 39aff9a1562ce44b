"""Settings of the byod service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from ipaddress import ip_network

from muninn_shared.outbound import OutboundSettings
from muninn_shared.settings import DEFAULT_PORTS
from muninn_shared.vault.settings import VaultSettings
from pydantic import Field, IPvAnyNetwork

LOOPBACK_NETWORKS: list[IPvAnyNetwork] = [ip_network("127.0.0.0/8"), ip_network("::1/128")]


class ByodSettings(OutboundSettings, VaultSettings):
    """The vault fields (``MUNINN_ENCRYPTION_KEYS``) hold byod's own ring: it seals the
    credentials of users' databases, which no other service can open."""

    service_name: str = "byod"
    port: int = DEFAULT_PORTS["byod"]

    byod_check_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=30,
        description="Registering a database: how long its server may take to be found, to "
        "accept a connection and to answer each command.",
    )
    byod_register_deadline_seconds: float = Field(
        default=30.0,
        gt=0,
        le=110,
        description="Registering a database: every check together (the connection string's "
        "SRV name, each address, each server tried, Qdrant) finishes within this.",
    )
    byod_plaintext_cidrs: list[IPvAnyNetwork] = Field(
        default_factory=lambda: list(LOOPBACK_NETWORKS),
        description="Networks where a user's database (or Qdrant) may be reached without TLS "
        "(JSON list of CIDRs); everywhere else TLS is required.",
    )
    byod_unauthenticated_cidrs: list[IPvAnyNetwork] = Field(
        default_factory=lambda: list(LOOPBACK_NETWORKS),
        description="Development networks where a database that asks for no credentials is "
        "accepted (JSON list of CIDRs); everywhere else an authenticated account is required.",
    )
    byod_background_start_delay_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Wait this long after start-up (or one interval, if shorter) before the "
        "first health, provisioning, move and migration pass, so a (re)starting replica serves "
        "requests first and stores waiting for it are not left for a whole interval.",
    )
    byod_health_interval_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often each active or degraded store is pinged.",
    )
    byod_health_timeout_seconds: float = Field(
        default=5.0, gt=0, le=30, description="How long one store's ping may take."
    )
    byod_health_batch: int = Field(
        default=100, ge=1, le=10_000, description="Stores one replica pings in one pass at most."
    )
    byod_provision_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How often stores waiting for their schema are looked for.",
    )
    byod_provision_timeout_seconds: float = Field(
        default=120.0,
        gt=0,
        le=900,
        description="How long deploying the schema on one store may take in all (each command "
        "to its server is bounded by the health-check timeout).",
    )
    byod_provision_batch: int = Field(
        default=20, ge=1, le=1_000, description="Stores one replica provisions in one pass at most."
    )
    byod_provision_retry_seconds: float = Field(
        default=60.0,
        gt=0,
        description="The wait after a store's first failed deploy; doubled per further failure.",
    )
    byod_provision_retry_max_seconds: float = Field(
        default=3600.0, gt=0, description="The longest wait between two deploy attempts."
    )
    byod_move_interval_seconds: float = Field(
        default=10.0, gt=0, description="How often moves due to start or resume are looked for."
    )
    byod_switch_settle_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Writes stay paused this long before the final catch-up of a move: more "
        "than the content services' MUNINN_BYOD_ROUTE_REFRESH_SECONDS plus a request in flight.",
    )
    byod_hosted_grace_hours: float = Field(
        default=168.0,
        ge=0,
        description="How long the hosted copy is kept after a user's data moved to their "
        "database (moving back meanwhile reuses it).",
    )
    byod_move_timeout_seconds: float = Field(
        default=3600.0, gt=0, le=86400, description="One attempt at a move, at the most."
    )
    byod_move_batch_size: int = Field(
        default=1000, ge=10, le=10_000, description="Documents per copy batch."
    )
    byod_move_retry_seconds: float = Field(
        default=30.0, gt=0, description="The wait after a failed move attempt; doubled each time."
    )
    byod_move_retry_max_seconds: float = Field(
        default=3600.0, gt=0, description="The longest wait between two move attempts."
    )
    byod_move_max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Attempts before a move is given up (the user stays where they were).",
    )
    byod_migration_interval_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often stores below this Muninn's content schema version are looked "
        "for, to be migrated in the background.",
    )
    byod_migration_concurrency: int = Field(
        default=4, ge=1, le=64, description="Stores one replica migrates at once."
    )
    byod_migration_batch: int = Field(
        default=50, ge=1, le=10_000, description="Stores one replica migrates in one pass at most."
    )
    byod_migration_documents_per_batch: int = Field(
        default=500,
        ge=1,
        le=10_000,
        description="Documents a migration step rewrites per batch (its cursor is saved after "
        "each).",
    )
    byod_migration_timeout_seconds: float = Field(
        default=1800.0,
        gt=0,
        le=86_400,
        description="How long one store's migration may take in all; one that takes longer "
        "stops and resumes from its cursor on the next attempt.",
    )
    byod_migration_command_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="How long one command of a migration may take on the user's server (a "
        "batch's rewrite, building a new version's index on a full collection).",
    )
    byod_migration_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        le=3600,
        description="The lease a migration holds in the user's database, renewed after every "
        "batch: how soon another runner may take over from one that died.",
    )
    byod_migration_retry_seconds: float = Field(
        default=300.0,
        gt=0,
        description="The wait after a store's first failed migration; doubled per further failure.",
    )
    byod_migration_retry_max_seconds: float = Field(
        default=21_600.0, gt=0, description="The longest wait between two migration attempts."
    )
