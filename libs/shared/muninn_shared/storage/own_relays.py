"""A content service's placements, and the outbox relays of its users' own databases.

For a BYOD user, a state change and its event commit together in their own database (its
``<service>_outbox``), so that outbox is drained by a relay of its own: one per routed store,
started when the store's route appears and kept until its outbox is empty after the route
is gone. Among replicas, the usual lease (in that database) keeps one publisher per store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_shared.content_schema import SCHEMAS, ContentService
from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import ByodRoutingChanged
from muninn_shared.logging import get_logger
from muninn_shared.messaging.consumer import EventConsumers
from muninn_shared.settings import ServiceSettings
from muninn_shared.storage.outbox import OutboxRelay
from muninn_shared.storage.routed import Placements
from muninn_shared.storage.routes import RouteTable, UserRoute

log = get_logger(__name__)

Database = AsyncDatabase[dict[str, Any]]


def install_route_consumer(consumers: EventConsumers, routes: RouteTable) -> None:
    """Record every ``byod.routing.changed`` in this service's routes (on main; one replica of
    the service applies it), which every replica rereads within ``byod_route_refresh_seconds``."""

    @consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="byod-routes", on_main=True)
    async def record_route(event: EventEnvelope, session: AsyncClientSession) -> None:
        change = ByodRoutingChanged.model_validate(event.data)
        if change.user_id != event.subject:
            raise ValueError("a route must be about the event's subject")
        if (change.placement == "own") != (change.connection is not None and bool(change.store_id)):
            raise ValueError("an own placement carries its store and connection, hosted neither")
        await routes.apply(change, session)


def placements_for(
    settings: ServiceSettings, client: AsyncMongoClient[dict[str, Any]], main_db: Database
) -> tuple[RouteTable | None, Placements | None]:
    """The route table and placements of a content service; (None, None) for any other."""
    if settings.service_name not in {service.value for service in ContentService}:
        return None, None
    schema = SCHEMAS[ContentService(settings.service_name)]
    routes = RouteTable(
        main_db,
        settings.byod_route_key_ring(),
        refresh_seconds=settings.byod_route_refresh_seconds,
        timeout_ms=settings.byod_store_timeout_ms,
        outage_retry_seconds=settings.byod_outage_retry_seconds,
    )
    placements = Placements(
        client,
        main_db,
        routes,
        own_names={spec.name: spec.stored_as for spec in schema.collections},
        main_only=frozenset(kept.name for kept in schema.main_only),
    )
    return routes, placements


class OutboxFigures(NamedTuple):
    waiting: int
    oldest: datetime | None
    dead_letters: int


class OwnStoreRelays:
    def __init__(
        self,
        routes: RouteTable,
        placements: Placements,
        relay_over: Callable[[Database], OutboxRelay],
        *,
        interval: float,
    ) -> None:
        self._routes = routes
        self._placements = placements
        self._relay_over = relay_over
        self._interval = interval
        self._running: dict[str, tuple[UserRoute, OutboxRelay, asyncio.Task[None]]] = {}

    @property
    def stores(self) -> list[str]:
        return sorted(self._running)

    async def backlogs(self) -> list[OutboxFigures]:
        """Each relayed store's outbox figures; a store that does not answer is left out (its
        user's requests and byod's health check already say it is down)."""
        figures: list[OutboxFigures] = []
        for store_id, (_, relay, _) in list(self._running.items()):
            try:
                waiting, oldest = await relay.outbox.backlog()
                figures.append(
                    OutboxFigures(waiting, oldest, await relay.outbox.dead_letter_count())
                )
            except Exception as exc:
                log.debug("own outbox figures not read", store_id=store_id, error=repr(exc))
        return figures

    async def run(self) -> None:
        try:
            while True:
                await self._align()
                await asyncio.sleep(self._interval)
        finally:
            for _, relay, task in self._running.values():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                await relay.release_lease()
            self._running.clear()

    async def _align(self) -> None:
        wanted = {r.store_id: r for r in self._routes.own_routes() if r.own is not None}
        for store_id, route in wanted.items():
            if store_id not in self._running:
                assert store_id is not None
                relay = self._relay_over(self._placements.database_of(route))
                task = asyncio.create_task(relay.run(), name=f"own-outbox-relay:{store_id}")
                self._running[store_id] = (route, relay, task)
        for store_id in [s for s in self._running if s not in wanted]:
            route, relay, task = self._running[store_id]
            if await self._drained(route):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                await relay.release_lease()
                del self._running[store_id]

    async def _drained(self, route: UserRoute) -> bool:
        """Whether the store's outbox is empty; an unreachable store is tried again later."""
        try:
            db = self._placements.database_of(route)
            return await db["outbox"].find_one({"published_at": None}) is None
        except Exception:
            return False
