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
    MigrationReport,
    ServiceSchema,
)
from pydantic import BaseModel, Field

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


class StepPreview(BaseModel):
    description: str
    collection: str
    documents: int = Field(description="Documents the step would rewrite now")


class VersionPreview(BaseModel):
    version: int
    description: str
    steps: list[StepPreview]
    schema_changes: list[str] = Field(description="Collections and indexes it would create")


class MigrationPreview(BaseModel):
    """What migrating the store's database would change, counted now (a dry run: nothing
    was written)."""

    schema_version: int | None = Field(description="The version the database records")
    target: int = Field(description="The version this Muninn migrates stores to")
    versions: list[VersionPreview] = Field(description="Each pending version; empty if none")


def preview_of(report: MigrationReport) -> MigrationPreview:
    return MigrationPreview(
        schema_version=report.from_version,
        target=report.target,
        versions=[
            VersionPreview(
                version=v.version,
                description=v.description,
                steps=[
                    StepPreview(
                        description=s.description, collection=s.collection, documents=s.documents
                    )
                    for s in v.steps
                ],
                schema_changes=v.schema_changes,
            )
            for v in report.versions
        ],
    )
