"""Composition root of the integrations service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from fastapi import FastAPI
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app

from muninn_integrations.connections.router import router as connections_router
from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.connections.store import ConnectionStore
from muninn_integrations.connectors.catalogue import default_registry
from muninn_integrations.connectors.registry import ConnectorRegistry
from muninn_integrations.contacts.router import router as contacts_router
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.contacts.sink import ContactSink
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.deps import IntegrationsServices
from muninn_integrations.mail.router import router as mail_router
from muninn_integrations.mail.service import MailService
from muninn_integrations.mail.sink import MailSink
from muninn_integrations.mail.store import MailStore
from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.sync.sinks import RecordSink
from muninn_integrations.vault.service import Vault
from muninn_integrations.vault.store import VaultStore
from muninn_integrations.vault.wiring import key_ring


def create_app(
    settings: IntegrationsSettings | None = None, registry: ConnectorRegistry | None = None
) -> FastAPI:
    """``registry`` replaces the protocol adapters this instance offers (tests)."""
    settings = settings or IntegrationsSettings()
    # Refuses to start without key-encryption keys where a development ring is not allowed.
    ring = key_ring(settings)
    runtime = ServiceRuntime(settings)
    vault_store = VaultStore(runtime.db)
    connection_store = ConnectionStore(runtime.db)
    vault = Vault(vault_store, ring)
    contact_store = ContactStore(runtime.db)
    mail_store = MailStore(runtime.db)
    contact_sink = ContactSink(contact_store)
    mail_sink = MailSink(mail_store)
    sinks: list[RecordSink] = [contact_sink, mail_sink]
    services = IntegrationsServices(
        connections=ConnectionService(
            client=runtime.mongo,
            store=connection_store,
            vault=vault,
            registry=registry
            if registry is not None
            else default_registry(
                settings.outbound_guard(),
                imap_allow_plaintext=settings.imap_allow_plaintext,
                timeout=settings.connector_timeout_seconds,
            ),
            check_timeout=settings.connect_check_timeout_seconds,
            purges=[sink.purge_connection for sink in sinks],
        ),
        contacts=ContactService(client=runtime.mongo, store=contact_store),
        mail=MailService(mail_store),
    )
    # Erasure removes every document carrying the user's id, the vault's sealed secrets and
    # wrapped data keys included, so nothing synced for the user can be opened again.
    install_erasure_consumer(runtime)

    async def ensure_indexes() -> None:
        for store in (vault_store, connection_store, contact_store, mail_store):
            await store.ensure_indexes()

    return build_service_app(
        runtime,
        title="Muninn integrations",
        description="Calendar, mail and contacts connections, sync jobs, interactions.",
        routers=[connections_router, contacts_router, mail_router],
        on_startup=[ensure_indexes],
        state={"services": services, "sinks": sinks},
    )
