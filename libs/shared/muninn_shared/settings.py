"""Typed settings read from ``MUNINN_*`` environment variables.

Every service subclasses :class:`ServiceSettings`; the fields here are the ones the shared
runtime needs (stores, broker, auth, logging, telemetry) so one variable means the same thing
in every process.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from muninn_shared.vault.keyring import KeyRing, key_ring_from

SERVICE_NAMES = (
    "gateway",
    "identity",
    "conversation",
    "memory",
    "scheduler",
    "integrations",
    "byod",
)
CONTENT_SERVICES = ("identity", "conversation", "memory", "scheduler", "integrations", "byod")
KEY_READING_SERVICES = tuple(name for name in CONTENT_SERVICES if name != "identity")
"""Services that fetch users' event keys from identity, each with its own credential."""

DEFAULT_PORTS: dict[str, int] = {
    "gateway": 8080,
    "identity": 8081,
    "conversation": 8082,
    "memory": 8083,
    "scheduler": 8084,
    "integrations": 8085,
    "byod": 8086,
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MUNINN_", extra="ignore", env_file=None)

    service_name: str = "muninn"
    environment: Literal["dev", "test", "prod"] = "dev"
    instance_id: str = Field(
        default="0",
        description="Stable per replica (a StatefulSet ordinal or pod name); Kafka static membership.",
    )
    host: str = "127.0.0.1"
    port: int = 8080

    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_client_prefix: str = "muninn"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        description="SASL_SSL in Compose and Kubernetes (SCRAM over TLS, one user per service).",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA that signed the brokers' certificates; unset = the "
        "system's trust store.",
    )
    kafka_create_topics: bool = Field(
        default=True,
        description="Create missing topics at start-up; off where the platform provisions them "
        "and a service's Kafka user may not create topics.",
    )
    kafka_group_prefix: str = Field(
        default="",
        max_length=60,
        description="Prepended to consumer group ids: isolates stacks (or test apps) sharing a broker.",
    )
    mongo_uri: str = "mongodb://127.0.0.1:27027/?directConnection=true"
    mongo_database_prefix: str = "muninn_"
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_path: Path | None = None
    qdrant_shard_number: int = Field(
        default=1,
        ge=1,
        description="Shards of each collection memory creates on the Qdrant server "
        "(MUNINN_QDRANT_URL); set once, at creation. Embedded Qdrant Edge ignores it.",
    )
    qdrant_replication_factor: int = Field(
        default=1,
        ge=1,
        description="Copies of each shard across the Qdrant cluster's nodes (at most its size).",
    )
    qdrant_write_consistency_factor: int = Field(
        default=1,
        ge=1,
        description="Replicas that must acknowledge a write; at most the replication factor.",
    )

    jwt_issuer: str = "muninn"
    jwt_audience: str = "muninn"
    access_token_ttl_seconds: int = Field(default=900, ge=30)

    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str | None = None
    metrics_enabled: bool = Field(
        default=True,
        description="Serve Prometheus metrics on their own port (GET /metrics there).",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the metrics listener; default the service's port + 1000 "
        "(gateway 9080, identity 9081, …). Never the API's port: the gateway's is public.",
    )
    metrics_host: str | None = Field(
        default=None, description="Address the metrics listener binds; default MUNINN_HOST."
    )
    metrics_interval_seconds: float = Field(
        default=15.0,
        gt=0,
        description="How often backlogs, lag and ages are recomputed, and metrics pushed over "
        "OTLP when MUNINN_OTEL_EXPORTER=otlp.",
    )

    outbox_poll_interval_seconds: float = Field(default=0.5, gt=0)
    event_max_bytes: int = Field(
        default=256 * 1024,
        ge=16 * 1024,
        le=900 * 1024,
        description="Largest event (its JSON as published) the outbox accepts; longer text is "
        "cut. Well under the broker's 1 MB message limit, leaving room for dead-letter wrapping.",
    )
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_base_seconds: float = Field(default=0.2, ge=0)
    consumer_outage_backoff_max_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Longest pause between retries while MongoDB or Kafka is unreachable.",
    )
    dead_letter_max_bytes: int = Field(
        default=900_000,
        ge=10_000,
        description="Largest dead-letter record; keep it under the broker's message size.",
    )
    processed_events_retention_days: int = Field(
        default=14,
        ge=1,
        description="How long an applied-event marker is kept: longer than the topics' "
        "retention (7 days), so no redelivery of an event outlives its marker.",
    )
    kafka_fetch_max_wait_ms: int = Field(
        default=100,
        ge=10,
        le=5000,
        description="Longest a fetch waits for data; also the idle re-fetch interval.",
    )
    kafka_pace_empty_fetches: bool = Field(
        default=False,
        description="Development broker only (make run and the test fixtures set it): wait "
        "out fetch_max_wait_ms client-side after an empty fetch the broker answered at once. "
        "Patches a private aiokafka method, so production processes never turn it on.",
    )

    event_sealing: bool = Field(
        default=True,
        description="Seal events' personal fields under per-user keys that identity holds and "
        "erasure destroys. Always on in prod; off only for tests that run a service without "
        "identity.",
    )
    service_credential: SecretStr | None = Field(
        default=None,
        description="This service's own secret for identity's internal endpoints (one per "
        "service; identity keeps its hash). Required in prod by every content service but identity.",
    )
    event_key_cache_seconds: float = Field(
        default=300.0,
        ge=0,
        description="How long a user's event key is kept in memory; an erasure drops it at once.",
    )

    identity_url: str = "http://127.0.0.1:8081"
    conversation_url: str = "http://127.0.0.1:8082"
    memory_url: str = "http://127.0.0.1:8083"
    scheduler_url: str = "http://127.0.0.1:8084"
    integrations_url: str = "http://127.0.0.1:8085"
    byod_url: str = "http://127.0.0.1:8086"
    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The gateway's address as clients reach it (https off loopback). The "
        "gateway and identity read it: the OAuth issuer, and the MCP resource (<url>/mcp) "
        "that MCP clients' tokens are bound to.",
    )
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)

    # Access-token verification: identity's public keys only (identity alone signs).
    jwks_url: str | None = Field(
        default=None,
        description="Where the public signing keys are read (http(s):// or file://); "
        "default <identity_url>/.well-known/jwks.json.",
    )
    byod_route_keys: SecretStr | None = Field(
        default=None,
        description="The key ring byod seals users' own-database connections under and every "
        "content service opens them with ('id:key,…', 32 random bytes each, base64url; the "
        "same value for byod and the content services). Default, on loopback outside prod: "
        "one generated into .muninn/data/byod-route-keys.",
    )
    byod_route_refresh_seconds: float = Field(
        default=2.0, gt=0, description="How often every replica rereads the users' routes."
    )
    byod_store_timeout_ms: int = Field(
        default=3000,
        ge=100,
        le=60000,
        description="How long an operation waits to reach a user's own database before the "
        "user gets a 503.",
    )
    byod_outage_retry_seconds: float = Field(
        default=5.0,
        gt=0,
        description="After a user's own database failed, their requests fail at once for this "
        "long before it is tried again.",
    )
    jwks_refresh_seconds: float = Field(
        default=300.0, gt=0, description="Cached keys are refreshed in the background this often."
    )
    jwks_min_refetch_seconds: float = Field(
        default=10.0,
        ge=0,
        description="At most one refetch per interval for tokens with an unknown key id.",
    )

    @model_validator(mode="after")
    def _qdrant_writes_fit_the_replicas(self) -> ServiceSettings:
        if self.qdrant_write_consistency_factor > self.qdrant_replication_factor:
            raise ValueError(
                "MUNINN_QDRANT_WRITE_CONSISTENCY_FACTOR cannot exceed "
                "MUNINN_QDRANT_REPLICATION_FACTOR: a write would wait for replicas that do not exist"
            )
        return self

    @model_validator(mode="after")
    def _sealing_in_prod(self) -> ServiceSettings:
        if self.environment != "prod":
            return self
        if not self.event_sealing:
            raise ValueError("MUNINN_EVENT_SEALING cannot be off in prod")
        if self.service_name in KEY_READING_SERVICES and self.service_credential is None:
            raise ValueError(
                f"MUNINN_SERVICE_CREDENTIAL is required in prod: {self.service_name} fetches "
                "event keys from identity"
            )
        return self

    def byod_route_key_ring(self) -> KeyRing | None:
        """The configured ring; a generated development one where that is allowed; else None
        (a BYOD user's store then cannot be opened here: their requests get 503s)."""
        configured = self.byod_route_keys
        if configured is None and not self.allows_development_secrets():
            return None
        return key_ring_from(
            configured.get_secret_value() if configured is not None else None,
            development_file=Path(".muninn/data/byod-route-keys"),
            development_allowed=True,
        )

    def allows_development_secrets(self) -> bool:
        """A secret generated into the working directory serves only a non-production process
        nobody else can reach (bound to loopback); anywhere else the operator must supply one."""
        return self.environment != "prod" and is_loopback(self.host)

    @property
    def mongo_database(self) -> str:
        return f"{self.mongo_database_prefix}{self.service_name}"

    def service_url(self, service: str) -> str:
        url: str = getattr(self, f"{service}_url")
        return url.rstrip("/")

    @property
    def jwks_location(self) -> str:
        return self.jwks_url or f"{self.service_url('identity')}/.well-known/jwks.json"
