"""Where each user's content lives: the main MongoDB, or a database the user owns (BYOD).

The byod service decides and announces it (``byod.routing.changed``); every content service
keeps the latest route of each BYOD user in its own ``byod_routes`` collection on the main
store, written by its consumer of those events, and every replica reads that collection
into a :class:`RouteTable` at start and again every ``refresh_seconds``. So a change reaches
every replica within seconds even though one replica of each service consumes the event,
and a replica that starts while byod is down still knows which users are not on main.

A route names the user's store and carries its connection sealed under the route key ring
(``MUNINN_BYOD_ROUTE_KEYS``) that byod and the content services share: neither the event
nor a service's copy of it holds a credential in the clear. A route whose connection does
not open here (no or another key) is not silently served from main: its user's requests and
events fail as an unavailable store until the key is configured.

An unreachable user store is remembered for ``outage_retry_seconds``: meanwhile its user's
requests fail at once instead of each waiting out the server-selection timeout.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_shared.events.payloads import ByodRoutingChanged, SealedConnection
from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.vault.envelope import SealBrokenError, open_sealed, seal
from muninn_shared.vault.keyring import KeyRing

log = get_logger(__name__)

ROUTES = "byod_routes"


@dataclass(frozen=True)
class OwnDatabase:
    """A user's own store, as the services connect to it."""

    store_id: str
    mongo_uri: str = field(repr=False)
    database: str
    qdrant_url: str | None = None
    qdrant_api_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class UserRoute:
    """A BYOD user's route. ``own`` is None when the store's connection does not open here;
    ``store_id`` is None once the user is back on the main store."""

    user_id: str
    version: int
    store_id: str | None
    own: OwnDatabase | None
    writes_paused: bool = False

    @property
    def hosted(self) -> bool:
        return self.store_id is None


class StoreUnavailableError(Exception):
    """A user's own store cannot be used now; only that user's requests and events wait."""

    def __init__(self, store_id: str, since: datetime, reason: str) -> None:
        super().__init__(f"store {store_id} unavailable since {since.isoformat()}: {reason}")
        self.store_id = store_id
        self.since = since
        self.reason = reason


class WritesPausedError(Exception):
    """The user's content is being switched between stores; writes resume within seconds."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"writes of {user_id} pause while their store is switched")
        self.user_id = user_id


def _context(user_id: str, store_id: str) -> bytes:
    return f"muninn-byod-route\x00{user_id}\x00{store_id}".encode()


def seal_connection(ring: KeyRing, user_id: str, own: OwnDatabase) -> SealedConnection:
    plain = json.dumps(
        {
            "mongo_uri": own.mongo_uri,
            "database": own.database,
            "qdrant_url": own.qdrant_url,
            "qdrant_api_key": own.qdrant_api_key,
        }
    ).encode()
    sealed = seal(ring.keys[ring.primary], plain, _context(user_id, own.store_id))
    return SealedConnection(
        key_id=ring.primary, sealed=base64.urlsafe_b64encode(sealed).decode("ascii")
    )


def open_connection(
    ring: KeyRing | None, user_id: str, store_id: str, connection: SealedConnection
) -> OwnDatabase | None:
    """The connection, or None when this ring cannot open it (logged)."""
    key = ring.key(connection.key_id) if ring is not None else None
    if key is None:
        log.error("byod route sealed by an unknown key", user_id=user_id, key_id=connection.key_id)
        return None
    try:
        plain = open_sealed(
            key, base64.urlsafe_b64decode(connection.sealed), _context(user_id, store_id)
        )
        values = json.loads(plain)
        return OwnDatabase(
            store_id=store_id,
            mongo_uri=str(values["mongo_uri"]),
            database=str(values["database"]),
            qdrant_url=values.get("qdrant_url"),
            qdrant_api_key=values.get("qdrant_api_key"),
        )
    except (SealBrokenError, binascii.Error, ValueError, KeyError, TypeError):
        log.error("byod route connection does not open", user_id=user_id, store_id=store_id)
        return None


def route_row(change: ByodRoutingChanged) -> dict[str, Any]:
    return {
        "_id": change.user_id,
        "user_id": change.user_id,
        "version": change.version,
        "store_id": change.store_id if change.placement == "own" else None,
        "connection": change.connection.model_dump() if change.connection else None,
        "writes_paused": change.writes_paused,
        "updated_at": datetime.now(UTC),
    }


class RouteTable:
    """This replica's view of every BYOD user's route, and its clients to their stores."""

    def __init__(
        self,
        main_db: AsyncDatabase[dict[str, Any]],
        ring: KeyRing | None,
        *,
        refresh_seconds: float = 2.0,
        timeout_ms: int = 3000,
        outage_retry_seconds: float = 5.0,
    ) -> None:
        self._main = main_db
        self._ring = ring
        self._refresh = refresh_seconds
        self._timeout_ms = timeout_ms
        self._outage_retry = outage_retry_seconds
        self._routes: dict[str, UserRoute] = {}
        self._clients: dict[tuple[str, str], AsyncMongoClient[dict[str, Any]]] = {}
        self._down: dict[str, tuple[datetime, float, str]] = {}
        self.loaded = False

    async def ensure_indexes(self) -> None:
        """The routes are keyed by user; nothing else is looked up."""

    def route_of(self, user_id: str | None) -> UserRoute | None:
        """The user's route if it is not plainly the main store."""
        if not user_id:
            return None
        route = self._routes.get(user_id)
        if route is None or (route.hosted and not route.writes_paused):
            return None
        return route

    def apart(self, user_id: str, other_id: str) -> bool:
        """Whether the two users' content lives in different databases (one of them keeps
        theirs in a database of their own): what one shares, the other could not find."""
        mine, theirs = self.route_of(user_id), self.route_of(other_id)
        return (mine.store_id if mine else None) != (theirs.store_id if theirs else None)

    def own_routes(self) -> list[UserRoute]:
        return [r for r in self._routes.values() if not r.hosted]

    async def apply(self, change: ByodRoutingChanged, session: AsyncClientSession) -> bool:
        """Record ``change`` unless a newer one is recorded; True if it was."""
        row = route_row(change)
        result = await self._main[ROUTES].update_one(
            {"_id": change.user_id, "version": {"$lt": change.version}},
            {"$set": row},
            session=session,
        )
        if result.matched_count:
            return True
        if await self._main[ROUTES].find_one({"_id": change.user_id}, session=session) is None:
            await self._main[ROUTES].insert_one(row, session=session)
            return True
        return False

    async def forget(self, user_id: str, session: AsyncClientSession | None = None) -> None:
        """Drop an erased user's route (and its sealed connection) from this service."""
        await self._main[ROUTES].delete_one({"_id": user_id}, session=session)
        self._routes.pop(user_id, None)

    async def load(self) -> None:
        """Read every route from this service's main database."""
        routes: dict[str, UserRoute] = {}
        async for row in self._main[ROUTES].find({}):
            route = self._route_from(row)
            routes[route.user_id] = route
        self._routes = routes
        self.loaded = True

    def _route_from(self, row: Mapping[str, Any]) -> UserRoute:
        user_id = str(row["_id"])
        known = self._routes.get(user_id)
        if known is not None and known.version == row.get("version"):
            return known
        store_id = row.get("store_id")
        own = None
        if store_id and row.get("connection"):
            sealed = SealedConnection.model_validate(row["connection"])
            own = open_connection(self._ring, user_id, str(store_id), sealed)
        return UserRoute(
            user_id=user_id,
            version=int(row.get("version", 0)),
            store_id=str(store_id) if store_id else None,
            own=own,
            writes_paused=bool(row.get("writes_paused")),
        )

    async def run(self) -> None:
        """Reload the routes every ``refresh_seconds`` (a background loop)."""
        while True:
            await asyncio.sleep(self._refresh)
            try:
                await self.load()
            except Exception as exc:  # keep the last view through a main-store hiccup
                log.warning("byod routes not reloaded", error=repr(exc))

    def client_for(self, own: OwnDatabase) -> AsyncMongoClient[dict[str, Any]]:
        key = (own.store_id, own.mongo_uri)
        client = self._clients.get(key)
        if client is None:
            client = create_mongo_client(own.mongo_uri, timeout_ms=self._timeout_ms)
            self._clients[key] = client
        return client

    def check_reachable(self, route: UserRoute) -> OwnDatabase:
        """The route's store, unless it is known to be down or cannot be opened here."""
        assert route.store_id is not None
        down = self._down.get(route.store_id)
        if down is not None:
            since, marked_at, reason = down
            if asyncio.get_running_loop().time() - marked_at < self._outage_retry:
                raise StoreUnavailableError(route.store_id, since, reason)
        if route.own is None:
            raise StoreUnavailableError(
                route.store_id, datetime.now(UTC), "its connection does not open on this service"
            )
        return route.own

    def mark_down(self, store_id: str, reason: str) -> datetime:
        """Remember that ``store_id`` failed; its users fail fast for a while. Since when."""
        known = self._down.get(store_id)
        since = known[0] if known is not None else datetime.now(UTC)
        if known is None:
            log.warning("user store unreachable", store_id=store_id, reason=reason[:300])
        self._down[store_id] = (since, asyncio.get_running_loop().time(), reason[:300])
        return since

    def mark_up(self, store_id: str) -> None:
        if self._down.pop(store_id, None) is not None:
            log.info("user store reachable again", store_id=store_id)

    def down_since(self, store_id: str) -> datetime | None:
        known = self._down.get(store_id)
        return known[0] if known is not None else None

    async def close(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()
