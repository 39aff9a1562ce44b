"""The port to a user's server for migrations: run the content-schema runner on its database."""

from __future__ import annotations

from typing import Protocol

from muninn_shared.content_schema import MigrationReport, migrate
from muninn_shared.content_schema.migrations import ProgressCallback

from muninn_byod.migrations.models import MigrationPlan
from muninn_byod.stores.probe import ProbeFailedError, ProbeTarget, probe_session
from muninn_byod.stores.provision import NOT_PRIMARY


class SchemaMigrator(Protocol):
    async def migrate(
        self,
        target: ProbeTarget,
        plan: MigrationPlan,
        *,
        owner: str,
        timeout: float,
        deadline: float,
        batch_size: int,
        lease_seconds: float,
        on_progress: ProgressCallback | None,
        dry_run: bool = False,
    ) -> MigrationReport:
        """Migrate ``target``'s database to ``plan.target`` (or, ``dry_run``, only count
        what would change); raises :class:`ProbeFailedError` when the server cannot be
        used, and the runner's own errors as they are."""
        ...


class PyMongoSchemaMigrator:
    """Runs over one direct connection to the server the guard passed, which must be the
    writable primary; every command bounded by ``timeout``, the whole by ``deadline``."""

    async def migrate(
        self,
        target: ProbeTarget,
        plan: MigrationPlan,
        *,
        owner: str,
        timeout: float,
        deadline: float,
        batch_size: int,
        lease_seconds: float,
        on_progress: ProgressCallback | None,
        dry_run: bool = False,
    ) -> MigrationReport:
        async with probe_session(target, timeout, deadline) as client:
            hello = await client.admin.command("hello")
            if not hello.get("isWritablePrimary"):
                raise ProbeFailedError(
                    NOT_PRIMARY, "The server is not its replica set's writable primary."
                )
            return await migrate(
                client[target.database],
                owner=owner,
                target=plan.target,
                migrations=plan.migrations,
                schemas=plan.schemas,
                lease_seconds=lease_seconds,
                batch_size=batch_size,
                on_progress=on_progress,
                dry_run=dry_run,
            )
