"""Everything a content service runs besides its features: stores, broker, outbox relay.

A service's ``main.py`` builds one :class:`ServiceRuntime`, registers its feature handlers
on ``runtime.consumers``, and hands it to ``muninn_shared.service.build_service_app``, whose
lifespan starts and stops the infrastructure around the app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from muninn_shared.auth import JwksKeys, KeySource, TokenVerifier, jwks_fetcher
from muninn_shared.background import BackgroundTasks
from muninn_shared.events import EventEnvelope
from muninn_shared.http.health import ReadinessCheck
from muninn_shared.logging import configure_logging, get_logger
from muninn_shared.messaging.auto_create import forbid_topic_auto_creation
from muninn_shared.messaging.broker import create_broker, ensure_topics, publish_event
from muninn_shared.messaging.consumer import EventConsumers
from muninn_shared.messaging.event_keys import (
    EventKeys,
    IdentityUnavailableError,
    KeyFetch,
    http_key_fetcher,
)
from muninn_shared.messaging.security import kafka_security
from muninn_shared.metrics import (
    CONSUMER_LAG,
    GAUGE_VALUES,
    OUTBOX_BACKLOG,
    OUTBOX_DEAD_LETTERS,
    OUTBOX_OLDEST_AGE,
    configure_metrics,
)
from muninn_shared.settings import ServiceSettings
from muninn_shared.storage.idempotency import ProcessedEvents
from muninn_shared.storage.mongo import create_mongo_client, ping
from muninn_shared.storage.outbox import Outbox, OutboxRelay
from muninn_shared.storage.own_relays import (
    OutboxFigures,
    OwnStoreRelays,
    install_route_consumer,
    placements_for,
)
from muninn_shared.storage.parking import ParkedEvents
from muninn_shared.storage.routed import RoutedStoreRouter
from muninn_shared.storage.routing import MainStoreRouter, StoreRouter
from muninn_shared.storage.tombstones import ErasureTombstones
from muninn_shared.telemetry import configure_tracing

log = get_logger(__name__)

StartupHook = Callable[[], Awaitable[None]]

_httpx_instrumented = False


def jwks_keys_from(settings: ServiceSettings, client: httpx.AsyncClient) -> JwksKeys:
    return JwksKeys(
        jwks_fetcher(settings.jwks_location, client),
        refresh_seconds=settings.jwks_refresh_seconds,
        min_refetch_seconds=settings.jwks_min_refetch_seconds,
    )


def token_verifier_from(settings: ServiceSettings, keys: KeySource) -> TokenVerifier:
    return TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def prepare_process(settings: ServiceSettings) -> Any:
    """Logging, tracing and metrics for this process; returns the tracer provider."""
    global _httpx_instrumented
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    configure_metrics(settings)
    provider = configure_tracing(settings)
    if not _httpx_instrumented:
        HTTPXClientInstrumentor().instrument(tracer_provider=provider)
        _httpx_instrumented = True
    return provider


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, *, token_keys: KeySource | None = None) -> None:
        """``token_keys``: where access tokens' public keys come from (identity's JWKS if None)."""
        self.settings = settings
        self.tracer_provider = prepare_process(settings)
        self.main_mongo = create_mongo_client(settings.mongo_uri)
        self.main_db = self.main_mongo[settings.mongo_database]
        self.routes, self.placements = placements_for(settings, self.main_mongo, self.main_db)
        # A content service's stores are built on these: every operation goes to the database
        # of the user being served (see muninn_shared.storage.routed); elsewhere they are main.
        self.mongo: AsyncMongoClient[dict[str, Any]] = (
            self.placements.client if self.placements is not None else self.main_mongo
        )
        self.db: AsyncDatabase[dict[str, Any]] = (
            self.placements.database if self.placements is not None else self.main_db
        )
        self.stores: StoreRouter = (
            RoutedStoreRouter(self.placements)
            if self.placements is not None
            else MainStoreRouter(self.main_mongo, settings.mongo_database)
        )
        self.outbox = Outbox(
            self.db, max_event_bytes=settings.event_max_bytes, sealed=settings.event_sealing
        )
        self.processed = ProcessedEvents(
            self.mongo,
            self.db,
            retention=timedelta(days=settings.processed_events_retention_days),
        )
        self.tombstones = ErasureTombstones(self.main_db)
        # Events about a BYOD user whose database is down wait here (content services only).
        self.parked = ParkedEvents(self.main_db) if self.routes is not None else None
        self._identity_client = httpx.AsyncClient(timeout=httpx.Timeout(5.0), trust_env=False)
        self.event_keys = EventKeys(
            self._identity_key_fetcher(), ttl_seconds=settings.event_key_cache_seconds
        )
        self.kafka_security = kafka_security(settings)
        self.broker = create_broker(
            settings.kafka_bootstrap,
            # One id per replica: broker logs, metrics and quotas then tell the replicas apart.
            client_id="-".join(
                (settings.kafka_client_prefix, settings.service_name, settings.instance_id)
            ),
            tracer_provider=self.tracer_provider,
            security=self.kafka_security,
            create_topics=settings.kafka_create_topics,
        )
        self.consumers = EventConsumers(
            self.broker,
            service=settings.service_name,
            instance_id=settings.instance_id,
            processed=self.processed,
            tombstones=self.tombstones,
            max_attempts=settings.consumer_max_attempts,
            retry_base_seconds=settings.consumer_retry_base_seconds,
            outage_backoff_max_seconds=settings.consumer_outage_backoff_max_seconds,
            dead_letter_max_bytes=settings.dead_letter_max_bytes,
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
            group_prefix=settings.kafka_group_prefix,
            pace_empty_fetches=settings.kafka_pace_empty_fetches,
            keys=self.event_keys,
            routes=self.routes,
            parked=self.parked,
        )
        self.relay = OutboxRelay(
            self.main_db,
            self.outbox,
            self.publish,
            name=settings.service_name,
            poll_interval=settings.outbox_poll_interval_seconds,
            seal=self.event_keys.seal if settings.event_sealing else None,
        )
        self.background = BackgroundTasks(settings.service_name)
        self.background.add("outbox-relay", self.relay.run)
        self.background.every("metrics", settings.metrics_interval_seconds, self.refresh_metrics)
        self.own_relays: OwnStoreRelays | None = None
        if self.routes is not None and self.placements is not None:
            self.own_relays = OwnStoreRelays(
                self.routes,
                self.placements,
                lambda db: self._relay_over(db),
                interval=settings.byod_route_refresh_seconds,
            )
            self.background.add("byod-routes", self.routes.run)
            self.background.add("own-store-relays", self.own_relays.run)
            self.background.every(
                "parked-events",
                settings.byod_outage_retry_seconds,
                self.consumers.replay_parked,
            )
            install_route_consumer(self.consumers, self.routes)
        self._jwks_client = httpx.AsyncClient(timeout=httpx.Timeout(3.0), trust_env=False)
        self.token_verifier = token_verifier_from(
            settings, token_keys or jwks_keys_from(settings, self._jwks_client)
        )
        self._startup_hooks: list[StartupHook] = []
        self._shutdown_hooks: list[StartupHook] = []
        self.started = False

    def _relay_over(self, db: AsyncDatabase[dict[str, Any]]) -> OutboxRelay:
        settings = self.settings
        return OutboxRelay(
            db,
            Outbox(db, max_event_bytes=settings.event_max_bytes, sealed=settings.event_sealing),
            self.publish,
            name=settings.service_name,
            poll_interval=max(settings.outbox_poll_interval_seconds, 0.5),
            seal=self.event_keys.seal if settings.event_sealing else None,
        )

    def _identity_key_fetcher(self) -> KeyFetch:
        credential = self.settings.service_credential
        if credential is None:

            async def unconfigured(user_id: str) -> bytes:
                raise IdentityUnavailableError(
                    f"{self.settings.service_name} has no MUNINN_SERVICE_CREDENTIAL to ask "
                    "identity for event keys"
                )

            return unconfigured
        return http_key_fetcher(
            self._identity_client,
            self.settings.service_url("identity"),
            service=self.settings.service_name,
            credential=credential.get_secret_value(),
        )

    async def refresh_metrics(self) -> None:
        """Recompute the gauges a scrape reads: outbox backlog, its oldest row, dead letters
        and consumer lag (a few indexed counts and the Kafka client's own figures)."""
        waiting, oldest = await self.outbox.backlog()
        figures = [OutboxFigures(waiting, oldest, await self.outbox.dead_letter_count())]
        if self.own_relays is not None:
            # BYOD users' outboxes are in their own databases: theirs count too.
            figures += await self.own_relays.backlogs()
        GAUGE_VALUES.set(OUTBOX_BACKLOG.name, sum(f.waiting for f in figures))
        oldest = min((f.oldest for f in figures if f.oldest is not None), default=None)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        GAUGE_VALUES.set(OUTBOX_OLDEST_AGE.name, max(0.0, age))
        GAUGE_VALUES.set(OUTBOX_DEAD_LETTERS.name, sum(f.dead_letters for f in figures))
        GAUGE_VALUES.replace(CONSUMER_LAG.name, await self.consumers.lag())

    async def publish(self, topic: str, event: EventEnvelope) -> None:
        await publish_event(self.broker, topic, event)

    def on_startup(self, hook: StartupHook) -> None:
        self._startup_hooks.append(hook)

    def on_shutdown(self, hook: StartupHook) -> None:
        self._shutdown_hooks.append(hook)

    @property
    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        async def mongo_ready() -> None:
            await ping(self.main_db)

        async def kafka_ready() -> None:
            if not self.started or not await self.broker.ping(timeout=1.5):
                raise RuntimeError("broker not connected")

        async def consumers_ready() -> None:
            waiting = self.consumers.waiting
            if waiting:
                raise RuntimeError(
                    "; ".join(
                        f"{w.consumer} waits for {w.dependency} since {w.since:%H:%M:%S}"
                        for w in waiting
                    )
                )

        async def outbox_dead_letters() -> str | None:
            # Reported, not failing: the relay carries on past them, and taking the service
            # out of rotation would not bring them back.
            count = await self.outbox.dead_letter_count()
            return f"{count} outbox dead letter{'s' if count != 1 else ''}" if count else None

        return {
            "mongodb": mongo_ready,
            "kafka": kafka_ready,
            "consumers": consumers_ready,
            "outbox": outbox_dead_letters,
        }

    async def start(self, *, attempts: int = 60, delay: float = 1.0) -> None:
        """Connect to MongoDB and Kafka, waiting for them (bounded) if they are still starting."""
        if not self.settings.kafka_create_topics:
            # Before any Kafka client starts: they and their tasks inherit it.
            forbid_topic_auto_creation()
        for attempt in range(1, attempts + 1):
            try:
                await ping(self.main_db)
                if self.routes is not None:
                    await self.routes.load()
                if self.parked is not None:
                    await self.parked.ensure_indexes()
                await self.outbox.ensure_indexes()
                await self.processed.ensure_indexes()
                if self.settings.kafka_create_topics:
                    await ensure_topics(self.settings.kafka_bootstrap, security=self.kafka_security)
                break
            except (PyMongoError, OSError, Exception) as exc:
                if attempt == attempts:
                    raise
                log.warning("dependencies not ready yet", attempt=attempt, error=repr(exc))
                await asyncio.sleep(delay)
        for hook in self._startup_hooks:
            await hook()
        self.consumers.start()
        await self.broker.start()
        await self.background.start()
        self.started = True
        log.info(
            "service started",
            kafka=self.settings.kafka_bootstrap,
            database=self.settings.mongo_database,
        )

    async def stop(self) -> None:
        self.started = False
        self.consumers.stop()
        await self.background.stop()
        await self.relay.release_lease()
        for hook in reversed(self._shutdown_hooks):
            await hook()
        await self.broker.stop()
        if self.routes is not None:
            await self.routes.close()
        await self.main_mongo.close()
        await self._jwks_client.aclose()
        await self._identity_client.aclose()
