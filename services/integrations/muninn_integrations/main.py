"""Composition root of the integrations service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from fastapi import FastAPI
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app

from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.vault.service import Vault
from muninn_integrations.vault.store import VaultStore
from muninn_integrations.vault.wiring import key_ring


def create_app(settings: IntegrationsSettings | None = None) -> FastAPI:
    settings = settings or IntegrationsSettings()
    # Refuses to start without key-encryption keys where a development ring is not allowed.
    ring = key_ring(settings)
    runtime = ServiceRuntime(settings)
    vault_store = VaultStore(runtime.db)
    vault = Vault(vault_store, ring)
    # Erasure removes every document carrying the user's id, the vault's sealed secrets and
    # wrapped data keys included, so nothing synced for the user can be opened again.
    install_erasure_consumer(runtime)
    return build_service_app(
        runtime,
        title="Muninn integrations",
        description="Calendar, mail and contacts connections, sync jobs, interactions.",
        routers=[],
        on_startup=[vault_store.ensure_indexes],
        state={"vault": vault},
    )
