"""What a move reports: progress to persist and resume from, fingerprints, reconciliations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class MoveDirection(StrEnum):
    TO_OWN = "to_own"
    """From the hosted databases (one per service, on the main MongoDB) to the user's own."""
    TO_HOSTED = "to_hosted"
    """From the user's own database back to the hosted ones."""


class MoveProgress(BaseModel):
    """How far the copy of one collection got: enough to resume it after a crash."""

    collection: str
    """The collection's name in the user's database (unique across services)."""
    copied: int = 0
    cursor: Any = None
    """The ``_id`` of the last document copied; the copy resumes after it."""
    done: bool = False


class Fingerprint(BaseModel):
    """A slice of a collection in two numbers, equal on two servers when the slices are."""

    model_config = ConfigDict(frozen=True)

    count: int
    checksum: str
    """The sum of the documents' hashes modulo 2**128, in hex: independent of their order."""


class CollectionCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    collection: str
    source: Fingerprint
    target: Fingerprint
    equal: bool


class ReconcileReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    upserted: int = 0
    """Documents missing from the target or differing there, written from the source."""
    deleted: int = 0
    """Documents the target held that the source no longer does."""


class MovePhase(StrEnum):
    COPYING = "copying"
    """Copying while the user keeps reading and writing where they are."""
    SWITCHING = "switching"
    """Writes paused: the writes made during the copy are caught up, checked, then routed."""
    DONE = "done"
    FAILED = "failed"
    """Given up (the checks differed too often, or the store is gone); the user stays where
    they were, with writes resumed."""


class MoveStatus(BaseModel):
    """A move as its owner sees it: where it goes, how far it got, what was checked."""

    direction: MoveDirection
    phase: MovePhase
    store_id: str
    progress: list[MoveProgress]
    checks: list[CollectionCheck] = []
    attempts: int = 0
    error: str | None = None
    started_at: datetime
    updated_at: datetime
    switched_at: datetime | None = None
    hosted_copy_deleted_at: datetime | None = None
    hosted_copy_delete_after: datetime | None = None
