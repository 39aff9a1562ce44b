"""Composition root of the integrations service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from muninn_shared.background import BackgroundTasks
from muninn_shared.model_calls import outbox_recorder
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.problems import ProblemError
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app
from muninn_shared.storage.routed import across_stores
from muninn_shared.vault.service import Vault
from muninn_shared.vault.store import VaultStore
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.context import RequestOriginMiddleware
from muninn_integrations.audit.service import AuditLog
from muninn_integrations.briefings.llm import create_writer
from muninn_integrations.briefings.router import router as briefings_router
from muninn_integrations.briefings.service import BriefingPolicy, BriefingService
from muninn_integrations.briefings.sources import BriefingSources, ServiceSources
from muninn_integrations.briefings.store import BriefingStore
from muninn_integrations.calendar.models import CalendarEvent
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
from muninn_integrations.connectors.calendar_writer import CalendarWriter
from muninn_integrations.connectors.catalogue import default_registry
from muninn_integrations.connectors.registry import ConnectorRegistry
from muninn_integrations.contacts.merging import ContactMerger
from muninn_integrations.contacts.router import router as contacts_router
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.contacts.sink import ContactSink
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.deps import IntegrationsServices
from muninn_integrations.graph.router import relationships_router
from muninn_integrations.graph.router import router as people_router
from muninn_integrations.graph.service import GraphPolicy, GraphService
from muninn_integrations.graph.store import LinkStore
from muninn_integrations.interactions.relationships import RelationshipService
from muninn_integrations.interactions.router import router as interactions_router
from muninn_integrations.interactions.service import InteractionLog, InteractionService
from muninn_integrations.interactions.store import InteractionStore
from muninn_integrations.interests.router import router as interests_router
from muninn_integrations.interests.scoring import InterestPolicy
from muninn_integrations.interests.service import InterestService
from muninn_integrations.interests.store import InterestStore
from muninn_integrations.mail.router import router as mail_router
from muninn_integrations.mail.service import MailService
from muninn_integrations.mail.sink import MailSink
from muninn_integrations.mail.store import MailStore
from muninn_integrations.mentions.handlers import register_handlers as register_mention_handlers
from muninn_integrations.mentions.service import MentionService
from muninn_integrations.oauth.router import router as oauth_router
from muninn_integrations.oauth.service import OAuthService
from muninn_integrations.oauth.store import OAuthStateStore
from muninn_integrations.profiles.service import ProfileService
from muninn_integrations.settings import IntegrationsSettings
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.catchup import CatchUp
from muninn_integrations.sync.router import router as sync_router
from muninn_integrations.sync.service import Follower, SyncService, connection_scope
from muninn_integrations.sync.sinks import RecordSink, SyncScope
from muninn_integrations.sync.store import SyncStore
from muninn_integrations.watch.service import SyncWatcher, WatchPolicy
from muninn_integrations.watch.store import WatchStore


@dataclass(frozen=True, kw_only=True)
class IntegrationsGraph:
    """The integrations service's objects, wired; ``start`` and ``stop`` run in the app's
    lifespan around the background loops."""

    services: IntegrationsServices
    relationships: RelationshipService
    sinks: list[RecordSink]
    background: BackgroundTasks
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


def build_integrations(
    settings: IntegrationsSettings,
    runtime: ServiceRuntime,
    registry: ConnectorRegistry | None = None,
    open_calendar: OpenCalendar | None = None,
    briefing_sources: BriefingSources | None = None,
) -> IntegrationsGraph:
    """Stores, services, consumers and background loops of integrations on ``runtime``;
    nothing runs until ``start`` (or the loops of ``background``).

    ``registry`` replaces the protocol adapters this instance offers (tests);
    ``open_calendar`` how calendar write-back reaches a connection's server (tests);
    ``briefing_sources`` where briefings read interactions and interests (tests)."""
    # Refuses to start without key-encryption keys where a development ring is not allowed.
    ring = settings.vault_key_ring()
    google = settings.google_config()  # refuses a client id without its secret and redirect
    db = runtime.db
    if registry is None:
        registry = default_registry(
            settings.outbound_guard(),
            imap_allow_plaintext=settings.imap_allow_plaintext,
            timeout=settings.connector_timeout_seconds,
            google=google,
        )

    vault_store = VaultStore(db)
    vault = Vault(vault_store, ring)
    oauth_store = OAuthStateStore(db)
    connection_store = ConnectionStore(db)
    sync_store = SyncStore(db)
    calendar_store = CalendarEventStore(db)
    contact_store = ContactStore(db)
    mail_store = MailStore(db)
    watch_store = WatchStore(db)
    # Entries go to identity's audit log as events, through the outbox.
    audit = AuditLog(runtime.outbox)
    link_store = LinkStore(db)
    interest_store = InterestStore(db)
    interaction_store = InteractionStore(db)
    briefing_store = BriefingStore(db)

    announcer = RecordAnnouncer(runtime.outbox)
    contacts = ContactService(
        client=runtime.mongo, store=contact_store, announcer=announcer, audit=audit
    )
    relationships = RelationshipService(
        client=runtime.mongo,
        store=interaction_store,
        contacts=contacts,
        announcer=announcer,
        tuning=settings.relationship_tuning(),
        routes=runtime.routes,
    )

    async def read_series(
        user_id: str, record_ids: Sequence[str], session: AsyncClientSession
    ) -> dict[str, CalendarEvent]:
        # Bound late: the calendar writes through the connections, which purge interactions.
        return await calendar.series(user_id, record_ids, session)

    interactions = InteractionService(
        client=runtime.mongo,
        store=interaction_store,
        contacts=contacts,
        announcer=announcer,
        relationships=relationships,
        series_policy=settings.series_policy(),
        read_series=read_series,
        audit=audit,
    )
    contacts.when_deleted(interactions.forget_contact)
    calendar_sink = CalendarEventSink(calendar_store)
    mail_sink = MailSink(mail_store)
    sinks: list[RecordSink] = [
        calendar_sink,
        ContactSink(contact_store, deleted=[interactions.forget_contact], audit=audit),
        mail_sink,
    ]

    async def purge_synced(user_id: str, connection_id: str, session: AsyncClientSession) -> int:
        """A disconnect with purge: what the connection synced goes, and every service that
        kept something of a record (memories, reminders, nudges) hears it went."""
        connection = await connection_store.get(user_id, connection_id, session)
        if connection is None:
            return 0
        scope = SyncScope(user_id, connection_id, connection.provider.value, None)
        removed = 0
        for sink in sinks:
            gone = await sink.purge_connection(user_id, connection_id, session)
            await announcer.announce(scope, sink.kind, gone, session)
            removed += len(gone)
        return removed

    async def purge_briefings(user_id: str, connection_id: str, session: AsyncClientSession) -> int:
        # Bound late: briefings read the calendar, whose writes go through the connections.
        return await briefings.purge_connection(user_id, connection_id, session)

    connections = ConnectionService(
        client=runtime.mongo,
        store=connection_store,
        vault=vault,
        registry=registry,
        check_timeout=settings.connect_check_timeout_seconds,
        purges=[
            purge_synced,
            interactions.purge_connection,
            purge_briefings,
        ],
        on_disconnect=[sync_store.forget_connection],
        audit=audit,
    )
    graph = GraphService(
        link_store,
        contacts,
        GraphPolicy(
            half_life_days=settings.graph_recency_half_life_days,
            max_participants=settings.graph_max_participants,
        ),
        audit=audit,
        read_series=read_series,
        series_policy=settings.series_policy(),
    )
    interests = InterestService(
        interest_store,
        contacts,
        InterestPolicy(
            base=settings.interest_base_confidence,
            gain=settings.interest_gain,
            half_life_days=settings.interest_half_life_days,
            floor=settings.interest_floor,
            max_participants=settings.interest_max_participants,
        ),
        audit=audit,
    )

    async def open_connection_calendar(user_id: str, connection_id: str) -> CalendarWriter:
        """A calendar writer (CalDAV, Google) for one of the user's connections, with its
        stored secret."""
        connection, endpoint = await connections.endpoint(user_id, connection_id)  # 404
        info = registry.info(connection.provider)
        if info is None or not info.writable:  # an ICS feed
            raise ReadOnlyCalendarError(connection.provider.value)
        connector = registry.open(endpoint)
        if not isinstance(connector, CalendarWriter):
            await connector.aclose()
            raise ReadOnlyCalendarError(connection.provider.value)
        return connector

    calendar = CalendarService(
        client=runtime.mongo,
        store=calendar_store,
        announcer=announcer,
        open_calendar=open_calendar or open_connection_calendar,
        write_timeout=settings.connector_timeout_seconds * 2,
    )
    briefing_writer = create_writer(
        settings, outbox_recorder("integrations.model_call.recorded", runtime.outbox)
    )
    briefings = BriefingService(
        client=runtime.mongo,
        store=briefing_store,
        contacts=contacts,
        calendar=calendar,
        sources=briefing_sources or ServiceSources(interactions=interactions, interests=interests),
        writer=briefing_writer,
        announcer=announcer,
        owner=f"{settings.service_name}:{settings.instance_id}",
        policy=BriefingPolicy(
            lead=timedelta(minutes=settings.briefing_lead_minutes),
            prepare=timedelta(minutes=settings.briefing_prepare_minutes),
            summary_every=timedelta(seconds=settings.briefing_summary_interval_seconds),
            summary_batch=settings.briefing_summary_batch,
        ),
        routes=runtime.routes,
    )
    derived: list[Follower] = [
        InteractionLog(interactions).follow,
        graph.follow,
        interests.follow,
        briefings.follow,
    ]

    async def scope_of(user_id: str, connection_id: str) -> SyncScope | None:
        try:
            return connection_scope(user_id, await connections.get(user_id, connection_id), None)
        except ProblemError:
            return None

    # Contacts synced after the mail and meetings they are on catch up with them.
    catch_up = CatchUp([calendar_sink, mail_sink], derived, scope_of)
    # And so do contacts made, or given an address, by hand.
    contacts.when_addresses_added(catch_up.involving)
    sync = SyncService(
        client=runtime.mongo,
        store=sync_store,
        connections=connections,
        registry=registry,
        sinks=sinks,
        announcer=announcer,
        followers=[*derived, catch_up.follow],
        owner=f"{settings.service_name}:{settings.instance_id}",
        lease=timedelta(seconds=settings.sync_lease_seconds),
        page_size=settings.sync_page_size,
        max_attempts=settings.sync_max_attempts,
        retry_base_seconds=settings.sync_retry_base_seconds,
        poll_seconds=settings.sync_poll_seconds,
        routes=runtime.routes,
    )

    services = IntegrationsServices(
        connections=connections,
        sync=sync,
        calendar=calendar,
        contacts=contacts,
        mail=MailService(mail_store),
        oauth=OAuthService(
            store=oauth_store,
            vault=vault,
            connections=connections,
            google=google,
            guard=settings.outbound_guard(),
            timeout=settings.connect_check_timeout_seconds,
            state_ttl=timedelta(seconds=settings.google_oauth_state_ttl_seconds),
        ),
        audit=audit,
        graph=graph,
        interests=interests,
        interactions=interactions,
        briefings=briefings,
        profiles=ProfileService(
            contacts=contacts,
            interactions=interactions,
            interests=interests,
            graph=graph,
            briefings=briefings,
        ),
        merges=ContactMerger(
            client=runtime.mongo,
            store=contact_store,
            announcer=announcer,
            repoint=[interactions.repoint, graph.repoint, interests.repoint],
            refreshed=[relationships.refresh],
            audit=audit,
        ),
    )
    register_mention_handlers(
        runtime.consumers,
        MentionService(
            contacts=contacts, announcer=announcer, recorder=interactions, interests=interests
        ),
    )
    # Erasure removes every document carrying the user's id, the vault's sealed secrets and
    # wrapped data keys included, so nothing synced for the user can be opened again.
    install_erasure_consumer(runtime)

    async def ensure_indexes() -> None:
        for store in (
            vault_store,
            oauth_store,
            connection_store,
            sync_store,
            calendar_store,
            contact_store,
            mail_store,
            watch_store,
            link_store,
            interest_store,
            interaction_store,
            briefing_store,
        ):
            await store.ensure_indexes()
        await contacts.backfill()

    async def queue_due_syncs() -> None:
        await sync.queue_due()

    async def sweep_relationships() -> None:
        await across_stores(runtime.routes, graph.sweep)
        await across_stores(runtime.routes, interests.sweep)

    background = BackgroundTasks(settings.service_name)
    background.every(
        "relationships-sweep",
        settings.relationships_sweep_interval_seconds,
        sweep_relationships,
        start_delay=60.0,
    )

    async def keep_relationships_current() -> None:
        # Occurrences of recurring meetings that came within the horizon become interactions
        # (and the links of those who met at one that happened since grow) first, so the
        # day's strengths count them.
        # Seeding is a one-off over series synced before occurrences counted: only main
        # has any. Rolling forward and the day's sweep cover every store.
        await interactions.seed_existing_series(calendar.recurring_after)
        await across_stores(
            runtime.routes, lambda: interactions.roll_forward(followers=[graph.follow])
        )
        await relationships.sweep()

    # Hourly look: recurring meetings due are rolled forward (a bounded batch), and the first
    # replica to claim the day recomputes every contact's strength.
    background.every("relationship-strengths", 3600, keep_relationships_current, start_delay=60)
    if settings.sync_workers_enabled:
        background.add("sync-worker", sync.work_forever)
        background.every("sync-schedule", settings.sync_schedule_interval_seconds, queue_due_syncs)
    if settings.sync_workers_enabled and settings.sync_watch_max_connections > 0:
        watcher = SyncWatcher(
            store=watch_store,
            connections=connections,
            registry=registry,
            sync=sync,
            owner=f"{settings.service_name}:{settings.instance_id}",
            policy=WatchPolicy(
                max_watches=settings.sync_watch_max_connections,
                wait_seconds=settings.sync_watch_wait_seconds,
                scan_seconds=settings.sync_watch_scan_seconds,
                rest_after_unsupported=timedelta(seconds=settings.sync_watch_rest_seconds),
            ),
        )
        background.add("sync-watch", watcher.run_forever)
    if settings.sync_workers_enabled:
        background.every("briefings", settings.briefing_interval_seconds, briefings.write_due)
        background.every(
            "contact-summaries",
            settings.briefing_summary_interval_seconds,
            briefings.refresh_summaries,
        )
    return IntegrationsGraph(
        services=services,
        relationships=relationships,
        sinks=sinks,
        background=background,
        start=ensure_indexes,
        stop=briefing_writer.aclose,
    )


def create_app(
    settings: IntegrationsSettings | None = None,
    registry: ConnectorRegistry | None = None,
    open_calendar: OpenCalendar | None = None,
    briefing_sources: BriefingSources | None = None,
) -> FastAPI:
    """The arguments as :func:`build_integrations` takes them."""
    settings = settings or IntegrationsSettings()
    runtime = ServiceRuntime(settings)
    integrations = build_integrations(settings, runtime, registry, open_calendar, briefing_sources)
    app = build_service_app(
        runtime,
        title="Muninn integrations",
        description="Calendar, mail and contacts connections, sync jobs, interactions.",
        routers=[
            connections_router,
            oauth_router,
            sync_router,
            calendar_router,
            contacts_router,
            interactions_router,
            mail_router,
            people_router,
            relationships_router,
            interests_router,
            briefings_router,
        ],
        background=integrations.background,
        on_startup=[integrations.start],
        on_shutdown=[integrations.stop],
        state={"services": integrations.services, "sinks": integrations.sinks},
    )
    # The audit log records the client address and endpoint of each change made over HTTP.
    app.add_middleware(RequestOriginMiddleware)
    return app
