"""The migration pass's decisions, with the store records and the user's servers replaced:
how many stores run at once, the status each goes back to, and what a failure records."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from muninn_byod.migrations.models import MigrationPlan, MigrationPolicy
from muninn_byod.migrations.service import MigrationService
from muninn_byod.stores.checks import HostPort
from muninn_byod.stores.models import Store, StoreStatus, Topology
from muninn_byod.stores.probe import ProbeTarget
from muninn_byod.stores.provision import RetryPolicy
from muninn_shared.content_schema import (
    MigrationReport,
    Outcome,
    Progress,
    SchemaTooNewError,
)
from muninn_shared.content_schema.migrations import StepReport, VersionReport


def store(store_id: str) -> Store:
    now = datetime.now(UTC)
    return Store(
        id=store_id,
        status=StoreStatus.MIGRATING,
        database="notes",
        hosts=["127.0.0.1:27017"],
        tls=False,
        authenticated=True,
        server_version="8.0.0",
        topology=Topology.REPLICA_SET,
        schema_version=1,
        created_at=now,
        updated_at=now,
    )


@dataclass
class FakeStores:
    """Claims hand out the waiting stores in turn; what is recorded is kept."""

    waiting: list[tuple[str, StoreStatus]]
    finished: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    async def claim_migration(
        self, target: int, now: datetime, lease_until: datetime, claim: str
    ) -> tuple[str, Store, StoreStatus] | None:
        assert lease_until > now
        if not self.waiting:
            return None
        store_id, prior = self.waiting.pop(0)
        return f"user-{store_id}", store(store_id), prior

    async def open_targets(self, user_id: str, found: Store) -> list[ProbeTarget]:
        return [ProbeTarget(address=HostPort("127.0.0.1", 27017), tls=False, database="notes")]

    async def record_migration_progress(
        self, user_id: str, store_id: str, claim: str, progress: dict[str, Any]
    ) -> bool:
        self.progress.setdefault(store_id, []).append(progress)
        return True

    async def finish_migration(
        self,
        user_id: str,
        store_id: str,
        claim: str,
        changes: dict[str, Any],
        notes: list[str] | None = None,
    ) -> bool:
        self.finished[store_id] = changes
        return True


def service(stores: FakeStores, concurrency: int, outcomes: dict[str, Any]) -> MigrationService:
    counter = {"running": 0, "most": 0}

    class Migrator:
        async def migrate(
            self, target: ProbeTarget, plan: MigrationPlan, **options: Any
        ) -> MigrationReport:
            counter["running"] += 1
            counter["most"] = max(counter["most"], counter["running"])
            try:
                outcome = outcomes.get(options["owner"])
                await asyncio.sleep(0.01)
                await options["on_progress"](Progress(2, 0, 1, "rename a to b", 10, 1))
                if isinstance(outcome, Exception):
                    raise outcome
                return MigrationReport(
                    database="notes",
                    outcome=outcome or Outcome.MIGRATED,
                    from_version=1,
                    version=1 if outcome is Outcome.BUSY else 2,
                    target=2,
                    versions=[
                        VersionReport(2, "v2", [StepReport(2, "rename a to b", "cards", 10, 1)])
                    ],
                )
            finally:
                counter["running"] -= 1

    migrations = MigrationService(
        stores=stores,  # type: ignore[arg-type]
        migrator=Migrator(),
        policy=MigrationPolicy(
            concurrency=concurrency,
            batch=100,
            documents_per_batch=10,
            timeout=30,
            command_timeout=5,
            lease_seconds=60,
            retry=RetryPolicy(first=timedelta(minutes=5), longest=timedelta(hours=6)),
        ),
        plan=MigrationPlan(target=2),
    )
    migrations.counter = counter  # type: ignore[attr-defined]
    return migrations


@pytest.mark.parametrize("concurrency", [1, 2, 3])
async def test_at_most_the_concurrency_run_at_once_and_each_goes_back_to_its_status(
    concurrency: int,
) -> None:
    statuses = [StoreStatus.ACTIVE, StoreStatus.DEGRADED, StoreStatus.PROVISIONING] * 2
    stores = FakeStores([(f"s{n}", status) for n, status in enumerate(statuses)])
    migrations = service(stores, concurrency, {})
    assert await migrations.migrate_due() == 6
    assert migrations.counter["most"] == concurrency  # type: ignore[attr-defined]
    for n, status in enumerate(statuses):
        finished = stores.finished[f"s{n}"]
        assert finished["status"] == status.value
        assert finished["schema_version"] == 2
        assert finished["migration.state"] == "done"
        assert stores.progress[f"s{n}"][0]["documents_done"] == 10


async def test_a_failure_or_a_busy_database_is_recorded_and_tried_again_later() -> None:
    stores = FakeStores([("s1", StoreStatus.ACTIVE), ("s2", StoreStatus.DEGRADED)])
    # The owner in the user's database is the claim; map outcomes by store after the claim.
    outcomes: dict[str, Any] = {}
    migrations = service(stores, 1, outcomes)

    original = stores.claim_migration

    async def claim(
        target: int, now: datetime, lease_until: datetime, claim: str
    ) -> tuple[str, Store, StoreStatus] | None:
        claimed = await original(target, now, lease_until, claim)
        if claimed is not None:
            outcomes[f"muninn-byod:{claim}"] = (
                SchemaTooNewError("notes", 5, 2) if claimed[1].id == "s1" else Outcome.BUSY
            )
        return claimed

    stores.claim_migration = claim  # type: ignore[method-assign]
    started = datetime.now(UTC)
    assert await migrations.migrate_due() == 2
    too_new, busy = stores.finished["s1"], stores.finished["s2"]
    assert too_new["status"] == "active"
    assert too_new["error"]["code"] == "schema-too-new"
    assert busy["status"] == "degraded"
    assert busy["error"]["code"] == "schema-migration-busy"
    for finished in (too_new, busy):
        assert "schema_version" not in finished  # still at its previous version
        assert finished["migration.state"] == "failed"
        assert finished["migration.attempts"] == 1
        assert finished["migration.next_attempt_at"] >= started + timedelta(minutes=5)
