"""Composition root of the byod service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from muninn_shared.background import BackgroundTasks
from muninn_shared.content_schema import ContentService
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app
from muninn_shared.vault.keyring import KeyRingRefusedError
from muninn_shared.vault.service import Vault
from muninn_shared.vault.store import VaultStore

from muninn_byod.deps import ByodServices
from muninn_byod.migrations.migrator import PyMongoSchemaMigrator, SchemaMigrator
from muninn_byod.migrations.models import MigrationPlan, MigrationPolicy
from muninn_byod.migrations.router import router as migrations_router
from muninn_byod.migrations.service import MigrationService
from muninn_byod.moves.router import router as moves_router
from muninn_byod.moves.service import MovePolicy, MoveService, new_owner
from muninn_byod.moves.store import MoveStore
from muninn_byod.routes.service import RoutingService
from muninn_byod.routes.store import RouteStore
from muninn_byod.settings import ByodSettings
from muninn_byod.stores.probe import HttpQdrantProbe, MongoProbe, PyMongoProbe, QdrantProbe
from muninn_byod.stores.provision import PyMongoSchemaDeployer, RetryPolicy, SchemaDeployer
from muninn_byod.stores.router import router as stores_router
from muninn_byod.stores.service import StorePolicy, StoreService
from muninn_byod.stores.store import StoreRecordStore


@dataclass(frozen=True, kw_only=True)
class ByodGraph:
    """The byod service's objects, wired; ``start`` runs in the app's lifespan before the
    background loops."""

    services: ByodServices
    background: BackgroundTasks
    start: Callable[[], Awaitable[None]]


def build_byod(
    settings: ByodSettings,
    runtime: ServiceRuntime,
    mongo_probe: MongoProbe | None = None,
    qdrant_probe: QdrantProbe | None = None,
    deployer: SchemaDeployer | None = None,
    migration_plan: MigrationPlan | None = None,
    migrator: SchemaMigrator | None = None,
) -> ByodGraph:
    """Stores, services, consumers and background loops of byod on ``runtime``.

    ``mongo_probe``, ``qdrant_probe`` and ``deployer`` replace how users' servers are asked
    and provisioned, ``migration_plan`` (a test's own next schema version) and ``migrator``
    what and how they are migrated (tests)."""
    # Refuses to start without key-encryption keys where a development ring is not allowed.
    ring = settings.vault_key_ring()
    guard = settings.outbound_guard()
    vault_store = VaultStore(runtime.db)
    store_records = StoreRecordStore(runtime.db)
    stores = StoreService(
        client=runtime.mongo,
        store=store_records,
        vault=Vault(vault_store, ring),
        guard=guard,
        mongo_probe=mongo_probe or PyMongoProbe(),
        qdrant_probe=qdrant_probe or HttpQdrantProbe(guard),
        policy=StorePolicy(
            check_timeout=settings.byod_check_timeout_seconds,
            register_deadline=settings.byod_register_deadline_seconds,
            plaintext_networks=tuple(settings.byod_plaintext_cidrs),
            unauthenticated_networks=tuple(settings.byod_unauthenticated_cidrs),
            health_interval=timedelta(seconds=settings.byod_health_interval_seconds),
            health_timeout=settings.byod_health_timeout_seconds,
            health_batch=settings.byod_health_batch,
            provision_timeout=settings.byod_provision_timeout_seconds,
            provision_batch=settings.byod_provision_batch,
            provision_retry=RetryPolicy(
                first=timedelta(seconds=settings.byod_provision_retry_seconds),
                longest=timedelta(seconds=settings.byod_provision_retry_max_seconds),
            ),
        ),
        deployer=deployer or PyMongoSchemaDeployer(),
    )
    route_ring = settings.byod_route_key_ring()
    if route_ring is None:
        raise KeyRingRefusedError(
            "MUNINN_BYOD_ROUTE_KEYS is required in prod and off loopback: byod seals users' "
            "database connections under it for the content services (the same value there)"
        )
    routing = RoutingService(runtime.mongo, RouteStore(runtime.db), runtime.outbox, route_ring)
    move_store = MoveStore(runtime.db)
    moves = MoveService(
        moves=move_store,
        stores=stores,
        routing=routing,
        hosted={
            service: runtime.main_mongo[f"{settings.mongo_database_prefix}{service.value}"]
            for service in ContentService
        },
        policy=MovePolicy(
            settle=settings.byod_switch_settle_seconds,
            grace=timedelta(hours=settings.byod_hosted_grace_hours),
            timeout=settings.byod_move_timeout_seconds,
            server_timeout=settings.byod_health_timeout_seconds,
            batch_size=settings.byod_move_batch_size,
            retry=RetryPolicy(
                first=timedelta(seconds=settings.byod_move_retry_seconds),
                longest=timedelta(seconds=settings.byod_move_retry_max_seconds),
            ),
            max_attempts=settings.byod_move_max_attempts,
        ),
        owner=new_owner(settings.service_name, settings.instance_id),
    )
    migrations = MigrationService(
        stores=stores,
        migrator=migrator or PyMongoSchemaMigrator(),
        policy=MigrationPolicy(
            concurrency=settings.byod_migration_concurrency,
            batch=settings.byod_migration_batch,
            documents_per_batch=settings.byod_migration_documents_per_batch,
            timeout=settings.byod_migration_timeout_seconds,
            command_timeout=settings.byod_migration_command_timeout_seconds,
            lease_seconds=settings.byod_migration_lease_seconds,
            retry=RetryPolicy(
                first=timedelta(seconds=settings.byod_migration_retry_seconds),
                longest=timedelta(seconds=settings.byod_migration_retry_max_seconds),
            ),
        ),
        plan=migration_plan,
    )
    # Erasure first empties the user's own database of what Muninn wrote there, then removes
    # every document carrying the user's id: the store record, the vault entry holding its
    # sealed credentials and wrapped data key.
    install_erasure_consumer(runtime, extra_erasers=[stores.erase_own_database])

    async def ensure_indexes() -> None:
        await vault_store.ensure_indexes()
        await store_records.ensure_indexes()
        await move_store.ensure_indexes()

    background = BackgroundTasks(settings.service_name)
    first_pass = settings.byod_background_start_delay_seconds
    background.every(
        "store-health",
        settings.byod_health_interval_seconds,
        stores.check_health_due,
        start_delay=min(first_pass, settings.byod_health_interval_seconds),
    )
    background.every(
        "store-provisioning",
        settings.byod_provision_interval_seconds,
        stores.provision_due,
        start_delay=min(first_pass, settings.byod_provision_interval_seconds),
    )
    background.every(
        "store-moves",
        settings.byod_move_interval_seconds,
        moves.run_due,
        start_delay=min(first_pass, settings.byod_move_interval_seconds),
    )
    background.every(
        "store-migrations",
        settings.byod_migration_interval_seconds,
        migrations.migrate_due,
        start_delay=min(first_pass, settings.byod_migration_interval_seconds),
    )
    return ByodGraph(
        services=ByodServices(stores=stores, moves=moves, migrations=migrations),
        background=background,
        start=ensure_indexes,
    )


def create_app(
    settings: ByodSettings | None = None,
    mongo_probe: MongoProbe | None = None,
    qdrant_probe: QdrantProbe | None = None,
    migration_plan: MigrationPlan | None = None,
) -> FastAPI:
    """The arguments as :func:`build_byod` takes them."""
    settings = settings or ByodSettings()
    runtime = ServiceRuntime(settings)
    byod = build_byod(settings, runtime, mongo_probe, qdrant_probe, migration_plan=migration_plan)
    return build_service_app(
        runtime,
        title="Muninn byod",
        description="Bring-your-own-database registrations, schema provisioning and migrations.",
        routers=[stores_router, moves_router, migrations_router],
        background=byod.background,
        on_startup=[byod.start],
        state={"services": byod.services},
    )
