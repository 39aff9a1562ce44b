"""Announcing where a user's content lives: ``byod.routing.changed``, through the outbox.

The route's version and its event commit together, so services apply changes in the order
byod made them. An own placement carries the store's connection sealed under the route key
ring the content services share (``MUNINN_BYOD_ROUTE_KEYS``), opened from the vault here.
"""

from __future__ import annotations

from muninn_shared.events import new_event
from muninn_shared.events.payloads import ByodRoutingChanged
from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import Outbox
from muninn_shared.storage.routes import OwnDatabase, seal_connection
from muninn_shared.vault.keyring import KeyRing
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_byod.routes.models import Placement, Route
from muninn_byod.routes.store import RouteStore

log = get_logger(__name__)


class RoutingService:
    def __init__(
        self,
        client: AsyncMongoClient[dict[str, object]],
        routes: RouteStore,
        outbox: Outbox,
        ring: KeyRing,
    ) -> None:
        self._client = client
        self._routes = routes
        self._outbox = outbox
        self._ring = ring

    async def announce(
        self, user_id: str, own: OwnDatabase | None, *, writes_paused: bool = False
    ) -> Route:
        """Route ``user_id`` to ``own`` (their database) or, if None, to the main stores."""
        placement = Placement.OWN if own is not None else Placement.HOSTED

        async def write(session: AsyncClientSession) -> Route:
            route = await self._routes.advance(
                user_id,
                placement,
                own.store_id if own is not None else None,
                writes_paused,
                session,
            )
            change = ByodRoutingChanged(
                user_id=user_id,
                version=route.version,
                placement=placement.value,
                store_id=route.store_id,
                connection=seal_connection(self._ring, user_id, own) if own is not None else None,
                writes_paused=writes_paused,
            )
            event = new_event("byod.routing.changed", source="byod", subject=user_id, data=change)
            await self._outbox.put(event, session)
            return route

        route: Route = await in_transaction(self._client, write)  # type: ignore[arg-type]
        log.info(
            "byod route announced",
            user_id=user_id,
            version=route.version,
            placement=placement.value,
            store_id=route.store_id,
            writes_paused=writes_paused,
        )
        return route

    async def current(self, user_id: str) -> Route | None:
        return await self._routes.current(user_id)
