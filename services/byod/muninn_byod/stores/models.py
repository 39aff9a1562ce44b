"""A user's own data store: what they send to register it, and what they are shown of it.

The connection string and the Qdrant API key go to the vault; what is here never carries a
credential or a full URI, only host names.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class StoreStatus(StrEnum):
    """The life of a registered store. Registration leaves it ``provisioning``; the schema
    deploy, the data copy and the routing switch move it on; ``degraded`` is an active store
    its health check cannot reach."""

    PROVISIONING = "provisioning"
    MIGRATING = "migrating"
    COPYING = "copying"
    ACTIVE = "active"
    DEGRADED = "degraded"
    DISCONNECTING = "disconnecting"


# Nothing of the user's data has been copied to the store yet: forgetting it loses nothing.
FORGETTABLE = frozenset({StoreStatus.PROVISIONING})
# The statuses the health check watches and moves between.
HEALTH_CHECKED = frozenset({StoreStatus.ACTIVE, StoreStatus.DEGRADED})
# The user's data lives in the store: it may be moved back to the hosted databases.
MOVABLE_BACK = frozenset({StoreStatus.ACTIVE, StoreStatus.DEGRADED})
# The statuses a schema migration starts from (``migrating`` while it runs, then back).
MIGRATABLE = frozenset({StoreStatus.ACTIVE, StoreStatus.DEGRADED, StoreStatus.PROVISIONING})


class Topology(StrEnum):
    REPLICA_SET = "replica_set"
    SHARDED = "sharded"


MongoUri = Annotated[SecretStr, Field(min_length=12, max_length=4096)]


class StoreRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mongo_uri: MongoUri = Field(
        description="mongodb:// or mongodb+srv:// connection string of an account limited to "
        "its own database; stored encrypted, never shown again"
    )
    database: Annotated[str, Field(min_length=1, max_length=63)] | None = Field(
        default=None, description="The database to use; default: the one in the URI's path"
    )
    qdrant_url: Annotated[str, Field(min_length=8, max_length=2048)] | None = Field(
        default=None, description="https://… of the user's own Qdrant, if any"
    )
    qdrant_api_key: Annotated[SecretStr, Field(min_length=1, max_length=512)] | None = Field(
        default=None, description="That Qdrant's API key; stored encrypted"
    )


class StoreError(BaseModel):
    code: str
    message: str
    at: datetime


class HealthCheck(BaseModel):
    at: datetime
    ok: bool
    latency_ms: float | None = None


class DataSizes(BaseModel):
    """What the store's database holds, as its server reported it (bytes)."""

    objects: int
    data_bytes: int
    storage_bytes: int
    index_bytes: int
    measured_at: datetime


class MigrationState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MigrationProgress(BaseModel):
    """The store's latest content-schema migration: where it is while it runs, then how it
    ended."""

    state: MigrationState
    from_version: int
    to_version: int
    version: int | None = Field(
        default=None, description="The version whose steps are running; null before the first"
    )
    step: str | None = Field(default=None, description="The step running, in words")
    documents_done: int = Field(default=0, description="Documents the step rewrote so far")
    batches: int = Field(default=0, description="Batches of the step so far")
    attempts: int = Field(default=0, description="Failed attempts since the last success")
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    next_attempt_at: datetime | None = Field(
        default=None, description="When a failed migration is tried again"
    )


class Store(BaseModel):
    id: str
    status: StoreStatus
    database: str
    hosts: list[str] = Field(description="Host names (and ports) only, never a credential")
    srv_host: str | None = Field(default=None, description="The SRV name, for mongodb+srv")
    tls: bool
    authenticated: bool
    server_version: str
    topology: Topology
    qdrant_host: str | None = None
    schema_version: int | None = Field(
        default=None, description="null until the schema is deployed"
    )
    schema_deployed_at: datetime | None = Field(
        default=None, description="When the content schema was deployed; null until then"
    )
    provision_attempts: int = Field(
        default=0, description="Failed schema deploys since the last success"
    )
    next_attempt_at: datetime | None = Field(
        default=None, description="When the schema deploy is next tried, while it is pending"
    )
    migration: MigrationProgress | None = Field(
        default=None, description="The latest schema migration; null if none ran"
    )
    data_sizes: DataSizes | None = Field(default=None, description="null until measured")
    last_health_check: HealthCheck | None = None
    error: StoreError | None = Field(default=None, description="The latest problem, if any")
    notes: list[str] = Field(
        default_factory=list, description="What was accepted and why (a development server)"
    )
    created_at: datetime
    updated_at: datetime
