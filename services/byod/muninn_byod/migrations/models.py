"""What byod migrates every registered database to, and how hard it may push."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from muninn_shared.content_schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SCHEMAS,
    Migration,
    ServiceSchema,
)

from muninn_byod.stores.provision import RetryPolicy


@dataclass(frozen=True)
class MigrationPlan:
    """The version every store is taken to, with the steps and specs that define it: the
    package's (tests declare their own next version)."""

    target: int = SCHEMA_VERSION
    migrations: Sequence[Migration] = MIGRATIONS
    schemas: Sequence[ServiceSchema] = field(default_factory=lambda: tuple(SCHEMAS.values()))


@dataclass(frozen=True)
class MigrationPolicy:
    concurrency: int
    """Stores migrated at once by one replica."""
    batch: int
    """Stores one replica migrates in one pass at most."""
    documents_per_batch: int
    timeout: float
    """One store's whole migration (each command bounded by ``command_timeout``)."""
    command_timeout: float
    lease_seconds: float
    """The lease in the user's database: renewed after every batch."""
    retry: RetryPolicy

    @property
    def store_lease(self) -> timedelta:
        """How long a claimed store keeps other replicas away: the attempt's bound and a
        margin, so a replica that died mid-migration frees it soon after."""
        return timedelta(seconds=self.timeout * 2)
