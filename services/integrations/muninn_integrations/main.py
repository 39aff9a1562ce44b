"""Composition root of the integrations service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from fastapi import FastAPI
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app

from muninn_integrations.calendar.router import router as calendar_router
from muninn_integrations.calendar.service import (
    CalendarService,
    OpenCalendar,
    ReadOnlyCalendarError,
)
from muninn_integrations.calendar.sink import CalendarEventSink
from muninn_integrations.calendar.store import CalendarEventStore
from muninn_integrations.connections.router import router as connections_router
from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.connections.store import ConnectionStore
from muninn_integrations.connectors.catalogue import default_registry
from muninn_integrations.connectors.dav.caldav import CalDavConnector
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint
from muninn_integrations.deps import IntegrationsServices
from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.sync.sinks import RecordSink
from muninn_integrations.vault.service import Vault
from muninn_integrations.vault.store import VaultStore
from muninn_integrations.vault.wiring import key_ring


def create_app(
    settings: IntegrationsSettings | None = None,
    registry: ConnectorRegistry | None = None,
    open_calendar: OpenCalendar | None = None,
) -> FastAPI:
    """``registry`` replaces the protocol adapters this instance offers (tests);
    ``open_calendar`` how calendar write-back reaches a connection's server (tests)."""
    settings = settings or IntegrationsSettings()
    # Refuses to start without key-encryption keys where a development ring is not allowed.
    ring = key_ring(settings)
    runtime = ServiceRuntime(settings)
    vault_store = VaultStore(runtime.db)
    connection_store = ConnectionStore(runtime.db)
    calendar_store = CalendarEventStore(runtime.db)
    vault = Vault(vault_store, ring)
    registry = (
        registry
        if registry is not None
        else default_registry(
            settings.outbound_guard(),
            imap_allow_plaintext=settings.imap_allow_plaintext,
            timeout=settings.connector_timeout_seconds,
        )
    )
    calendar_sink = CalendarEventSink(calendar_store)
    sinks: list[RecordSink] = [calendar_sink]

    async def open_connection_calendar(user_id: str, connection_id: str) -> CalDavConnector:
        """A CalDAV connector for one of the user's connections, with its stored secret."""
        connection = await services.connections.get(user_id, connection_id)  # 404 if not theirs
        info = registry.info(connection.provider)
        if info is None or not info.writable:  # an ICS feed
            raise ReadOnlyCalendarError(connection.provider.value)
        secret = await vault.get(user_id, connection_id)
        endpoint = Endpoint(connection.provider, connection.server_url, connection.username, secret)
        connector = registry.open(endpoint)
        if not isinstance(connector, CalDavConnector):
            await connector.aclose()
            raise ReadOnlyCalendarError(connection.provider.value)
        return connector

    services = IntegrationsServices(
        connections=ConnectionService(
            client=runtime.mongo,
            store=connection_store,
            vault=vault,
            registry=registry,
            check_timeout=settings.connect_check_timeout_seconds,
            purges=[sink.purge_connection for sink in sinks],
        ),
        calendar=CalendarService(
            store=calendar_store,
            open_calendar=open_calendar or open_connection_calendar,
            write_timeout=settings.connector_timeout_seconds * 2,
        ),
    )
    # Erasure removes every document carrying the user's id, the vault's sealed secrets and
    # wrapped data keys included, so nothing synced for the user can be opened again.
    install_erasure_consumer(runtime)

    async def ensure_indexes() -> None:
        for store in (vault_store, connection_store, calendar_store):
            await store.ensure_indexes()

    return build_service_app(
        runtime,
        title="Muninn integrations",
        description="Calendar, mail and contacts connections, sync jobs, interactions.",
        routers=[connections_router, calendar_router],
        on_startup=[ensure_indexes],
        state={"services": services, "sinks": sinks},
    )
