"""Taking every registered database to the content schema this Muninn knows, in the background.

A periodic pass looks for stores whose recorded ``schema_version`` is below the plan's
target and whose status is active, degraded or provisioning. Each is claimed (``migrating``,
leased on the store record so other replicas leave it alone, its status kept to go back to)
only when one of ``concurrency`` slots is free, and migrated with
:func:`~muninn_shared.content_schema.migrate` over a guarded direct connection, like the
schema deploy. Every batch's progress is written on the store record (``migration``), shown
to its owner. Afterwards the store goes back to the status it had — at the new version, or
at its previous one with the error recorded and the next attempt pushed back (doubled per
failure). A run that stopped is resumed by the next one from the cursor saved in the user's
database. A store a replica left ``migrating`` when it died is claimed again once its lease
ran out.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from muninn_shared.content_schema import (
    MigrationLeaseLostError,
    MigrationReport,
    Outcome,
    Progress,
)
from muninn_shared.content_schema.migrations import ProgressCallback
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError

from muninn_byod.migrations.migrator import SchemaMigrator
from muninn_byod.migrations.models import (
    MigrationPlan,
    MigrationPolicy,
    MigrationPreview,
    preview_of,
)
from muninn_byod.stores.models import MigrationState, Store, StoreStatus
from muninn_byod.stores.probe import ProbeFailedError
from muninn_byod.stores.provision import NOT_PRIMARY, failure_of, retry_after
from muninn_byod.stores.service import StoreService

log = get_logger(__name__)

# A preview answers a request: counted within this, or refused as unreachable.
PREVIEW_SECONDS = 30.0


class MigrationClaimLostError(RuntimeError):
    """The store record is no longer this attempt's (erased, or taken over): stop."""


class MigrationService:
    def __init__(
        self,
        *,
        stores: StoreService,
        migrator: SchemaMigrator,
        policy: MigrationPolicy,
        plan: MigrationPlan | None = None,
    ) -> None:
        self._stores = stores
        self._migrator = migrator
        self._policy = policy
        self._plan = plan or MigrationPlan()

    @property
    def plan(self) -> MigrationPlan:
        return self._plan

    async def preview(self, user_id: str) -> MigrationPreview:
        """What migrating the user's store would change, counted on it now; nothing written."""
        found = await self._stores.current(user_id)
        if found.schema_version is None:
            raise ProblemError(
                409,
                "The data store's schema is not deployed yet: there is nothing to migrate.",
                code="store-not-provisioned",
            )
        bound = min(self._policy.command_timeout, PREVIEW_SECONDS)
        try:
            async with asyncio.timeout(PREVIEW_SECONDS):
                report = await self._run(
                    user_id, found, dry_run=True, on_progress=None, timeout=bound
                )
        except Exception as exc:
            code, message = _failure(exc)
            if code == "schema-migration-failed":
                raise
            raise ProblemError(503, message, code=code) from None
        return preview_of(report)

    async def migrate_due(self) -> int:
        """Migrate the stores below the target version (up to a batch), at most
        ``concurrency`` at once; how many were attempted."""
        slots = asyncio.Semaphore(self._policy.concurrency)
        attempted = 0
        async with asyncio.TaskGroup() as group:
            while attempted < self._policy.batch:
                # Claimed only once a slot is free: a waiting store is not held from others.
                await slots.acquire()
                claim = uuid.uuid4().hex
                try:
                    now = datetime.now(UTC)
                    claimed = await self._stores.claim_migration(
                        self._plan.target, now, now + self._policy.store_lease, claim
                    )
                except Exception:  # the main database failing: the next pass tries again
                    log.exception("byod migration claim failed")
                    claimed = None
                if claimed is None:
                    slots.release()
                    break
                attempted += 1
                user_id, found, prior = claimed
                group.create_task(self._attempt(user_id, found, prior, claim, slots))
        return attempted

    async def _attempt(
        self,
        user_id: str,
        found: Store,
        prior: StoreStatus,
        claim: str,
        slots: asyncio.Semaphore,
    ) -> None:
        try:
            await self.migrate_store(user_id, found, prior, claim)
        except Exception:  # one store's failure must not hold up the others'
            log.exception("byod store migration failed", user_id=user_id, store_id=found.id)
        finally:
            slots.release()

    async def migrate_store(
        self, user_id: str, found: Store, prior: StoreStatus, claim: str
    ) -> None:
        """One migration attempt on a store claimed under ``claim``; its outcome recorded and
        the store back to ``prior``."""
        bound = log.bind(user_id=user_id, store_id=found.id)
        attempts = found.migration.attempts if found.migration is not None else 0
        try:
            async with asyncio.timeout(self._policy.timeout):
                report = await self._migrate(user_id, found, claim)
        except MigrationClaimLostError:
            bound.info("byod store migration stopped: the store is no longer claimed")
            return
        except Exception as exc:
            code, message = _failure(exc)
            if code == "schema-migration-failed":
                bound.exception("byod store migration failed unexpectedly")
            await self._failed(user_id, found, prior, claim, attempts + 1, code, message)
            bound.warning("byod schema migration failed", code=code, attempts=attempts + 1)
            return
        if report.outcome is Outcome.BUSY:
            await self._failed(
                user_id,
                found,
                prior,
                claim,
                attempts + 1,
                "schema-migration-busy",
                "Another migration of this database is running; tried again later.",
            )
            return
        now = datetime.now(UTC)
        rewritten = sum(s.documents for v in report.versions for s in v.steps)
        await self._stores.finish_migration(
            user_id,
            found.id,
            claim,
            {
                "status": prior.value,
                "schema_version": report.version,
                "error": None,
                "migration.state": MigrationState.DONE.value,
                "migration.attempts": 0,
                "migration.finished_at": now,
                "migration.updated_at": now,
                "migration.next_attempt_at": None,
                "updated_at": now,
            },
            notes=[
                f"Content schema migrated from version {report.from_version} to "
                f"{report.version}: {rewritten} documents rewritten."
            ],
        )
        bound.info(
            "byod schema migrated",
            from_version=report.from_version,
            version=report.version,
            documents=rewritten,
        )

    async def _failed(
        self,
        user_id: str,
        found: Store,
        prior: StoreStatus,
        claim: str,
        failures: int,
        code: str,
        message: str,
    ) -> None:
        now = datetime.now(UTC)
        await self._stores.finish_migration(
            user_id,
            found.id,
            claim,
            {
                "status": prior.value,
                "error": {"code": code, "message": message, "at": now},
                "migration.state": MigrationState.FAILED.value,
                "migration.attempts": failures,
                "migration.finished_at": now,
                "migration.updated_at": now,
                "migration.next_attempt_at": now + retry_after(failures, self._policy.retry),
                "updated_at": now,
            },
        )

    async def _migrate(self, user_id: str, found: Store, claim: str) -> MigrationReport:
        async def progress(p: Progress) -> None:
            kept = await self._stores.record_migration_progress(
                user_id,
                found.id,
                claim,
                {
                    "version": p.version,
                    "step": p.description,
                    "documents_done": p.documents,
                    "batches": p.batches,
                    "updated_at": datetime.now(UTC),
                },
            )
            if not kept:
                raise MigrationClaimLostError(found.id)

        return await self._run(user_id, found, owner=f"muninn-byod:{claim}", on_progress=progress)

    async def _run(
        self,
        user_id: str,
        found: Store,
        *,
        owner: str = "muninn-byod:preview",
        dry_run: bool = False,
        on_progress: ProgressCallback | None,
        timeout: float | None = None,
    ) -> MigrationReport:
        targets = await self._stores.open_targets(user_id, found)
        failure: ProbeFailedError | None = None
        for target in targets:
            try:
                return await self._migrator.migrate(
                    target,
                    self._plan,
                    owner=owner,
                    timeout=timeout or self._policy.command_timeout,
                    deadline=PREVIEW_SECONDS if dry_run else self._policy.timeout,
                    batch_size=self._policy.documents_per_batch,
                    lease_seconds=self._policy.lease_seconds,
                    on_progress=on_progress,
                    dry_run=dry_run,
                )
            except ProbeFailedError as exc:
                failure = exc
                # Another seed may be up, or be the primary; any other refusal is the store's.
                if exc.code not in ("store-unreachable", NOT_PRIMARY):
                    break
        assert failure is not None  # there is always at least one seed
        raise failure


def _failure(exc: Exception) -> tuple[str, str]:
    """The code and message a failed attempt is recorded with (safe to show the owner)."""
    known = failure_of(exc)
    if known is not None:
        return known
    if isinstance(exc, TimeoutError):
        return "store-unreachable", "The schema migration did not finish in time; it resumes."
    if isinstance(exc, MigrationLeaseLostError):
        return "schema-migration-busy", "Another migration of this database took over."
    return (
        "schema-migration-failed",
        "The schema migration failed; the database stays at its previous version and the "
        "migration resumes where it stopped.",
    )
