"""The one seam through which a content service reaches a user's data: routed databases.

A service's stores are built once, on ``runtime.db``; that object is a :class:`RoutedDatabase`
which, at every operation, picks the database of the user being served: the service's
database on the main MongoDB, or — for a BYOD user — their own database, where each
collection has the name the content schema gives it there (``conversation_outbox`` for the
outbox…). Collections the schema keeps on main (tombstones, routes, shared catalogues) stay
on main whoever is served. ``runtime.mongo`` is the matching :class:`RoutedClient`, so a
transaction starts on the client of the store its writes go to, and the outbox row and the
applied-event marker commit beside the content they belong to.

The user being served is a context variable: the request's authentication sets it
(:func:`muninn_shared.auth.current_principal`), the event consumer sets it for the event's
subject, and a background job that walks every store runs once per store under
:func:`serving`. Tasks started meanwhile inherit it, as asyncio copies the context.

While a move switches the user's store (``writes_paused``), writes and transactions raise
:class:`~muninn_shared.storage.routes.WritesPausedError` (a ``503`` with ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure

from muninn_shared.storage.routes import (
    RouteTable,
    StoreUnavailableError,
    UserRoute,
    WritesPausedError,
)

T = TypeVar("T")

_serving: ContextVar[UserRoute | None] = ContextVar("muninn_serving_route", default=None)

# What changes data; reads go on while a move switches the user's store.
WRITE_OPERATIONS = frozenset(
    {
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "bulk_write",
    }
)


def serving_route() -> UserRoute | None:
    """The BYOD route of the user being served, None for the main store."""
    return _serving.get()


def route_for(routes: RouteTable | None, user_id: str) -> UserRoute | None:
    """``user_id``'s route: the one being served if it is theirs (a delivery keeps the route
    it began with, even if the table changes meanwhile), else the table's."""
    served = _serving.get()
    if served is not None and served.user_id == user_id:
        return served
    return routes.route_of(user_id) if routes is not None else None


def serve(route: UserRoute | None) -> None:
    """Serve ``route`` for the rest of this task (a request's dependency sets it once)."""
    _serving.set(route)


@contextmanager
def serving(route: UserRoute | None) -> Iterator[None]:
    token = _serving.set(route)
    try:
        yield
    finally:
        _serving.reset(token)


@contextmanager
def serving_user(routes: RouteTable | None, user_id: str) -> Iterator[None]:
    """Serve ``user_id``'s store for the block: background work done for one user."""
    with serving(routes.route_of(user_id) if routes is not None else None):
        yield


Database = AsyncDatabase[dict[str, Any]]


class Placements:
    """One service's main database and its users' own ones, by the route being served."""

    def __init__(
        self,
        main_client: AsyncMongoClient[dict[str, Any]],
        main_db: Database,
        routes: RouteTable | None,
        *,
        own_names: Mapping[str, str],
        main_only: frozenset[str],
    ) -> None:
        """``own_names``: a collection's name in a user's database by its name on main;
        ``main_only``: the collections that stay on main for every user."""
        self.main_client = main_client
        self.main_db = main_db
        self.routes = routes
        self._own_names = dict(own_names)
        self.main_only = main_only

    def resolve(self, route: UserRoute | None) -> tuple[AsyncMongoClient[dict[str, Any]], Database]:
        if route is None or route.hosted or self.routes is None:
            return self.main_client, self.main_db
        own = self.routes.check_reachable(route)
        client = self.routes.client_for(own)
        return client, client[own.database]

    def collection_name(self, name: str, route: UserRoute | None) -> tuple[bool, str]:
        """Whether ``name`` stays on main for every user, and its name where it is stored."""
        if name in self.main_only:
            return True, name
        if route is None or route.hosted:
            return False, name
        return False, self._own_names.get(name, name)

    def own_collections(self) -> frozenset[str]:
        """This service's collections in a user's own database, as stored there (a user's
        database holds every service's; each service reads and erases only its own)."""
        return frozenset(self._own_names.values())

    @property
    def database(self) -> Database:
        """The database the service's stores are built on (it routes every operation)."""
        return cast(Database, RoutedDatabase(self, pinned=None))

    @property
    def client(self) -> AsyncMongoClient[dict[str, Any]]:
        return cast(AsyncMongoClient[dict[str, Any]], RoutedClient(self, pinned=None))

    def database_of(self, route: UserRoute) -> Database:
        """A database pinned to ``route`` whatever is being served (a relay of that store)."""
        return cast(Database, RoutedDatabase(self, pinned=route))


def _route(pinned: UserRoute | None) -> UserRoute | None:
    return pinned if pinned is not None else _serving.get()


class RoutedDatabase:
    def __init__(self, placements: Placements, *, pinned: UserRoute | None) -> None:
        self._placements = placements
        self._pinned = pinned

    def _target(self) -> Database:
        return self._placements.resolve(_route(self._pinned))[1]

    def pinned_route(self) -> UserRoute | None:
        return self._pinned

    @property
    def client(self) -> RoutedClient:
        """The client of whichever database is served (stores take it once, at start-up)."""
        return RoutedClient(self._placements, pinned=self._pinned)

    def __getitem__(self, name: str) -> RoutedCollection:
        return RoutedCollection(self._placements, name, {}, self._pinned)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "get_collection":
            return self._get_collection
        attribute = getattr(self._target(), name)
        if isinstance(attribute, AsyncCollection):
            return self[name]
        return attribute

    def _get_collection(self, name: str, **options: Any) -> RoutedCollection:
        return RoutedCollection(self._placements, name, options, self._pinned)


class RoutedCollection:
    def __init__(
        self,
        placements: Placements,
        name: str,
        options: Mapping[str, Any],
        pinned: UserRoute | None,
    ) -> None:
        self._placements = placements
        self._name = name
        self._options = dict(options)
        self._pinned = pinned

    def _target(self, operation: str) -> Any:
        route = _route(self._pinned)
        stays_on_main, stored_as = self._placements.collection_name(self._name, route)
        if stays_on_main:
            db = self._placements.main_db
        else:
            if route is not None and route.writes_paused and operation in WRITE_OPERATIONS:
                raise WritesPausedError(route.user_id)
            db = self._placements.resolve(route)[1]
        if self._options:
            return db.get_collection(stored_as, **self._options)
        return db[stored_as]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        attribute = getattr(self._target(name), name)
        route = _route(self._pinned)
        if (
            callable(attribute)
            and self._name in self._placements.main_only
            and route is not None
            and not route.hosted
        ):
            return _outside_foreign_session(attribute, self._placements.main_client)
        return attribute

    def with_options(self, **options: Any) -> RoutedCollection:
        return RoutedCollection(
            self._placements, self._name, {**self._options, **options}, self._pinned
        )

    def __getitem__(self, name: str) -> RoutedCollection:
        return RoutedCollection(
            self._placements, f"{self._name}.{name}", self._options, self._pinned
        )


def _outside_foreign_session(
    operation: Callable[..., Any], main_client: AsyncMongoClient[dict[str, Any]]
) -> Callable[..., Any]:
    """``operation`` on a main-only collection, run outside a session of another deployment.

    A BYOD user's transaction runs on their own database; bookkeeping that stays on main (a
    connection's schedule, a tombstone) cannot join it, as no transaction spans two
    deployments. Such a write commits on its own, just before the user's transaction does:
    each is written to be harmless if the other is then retried."""

    def call(*args: Any, **kwargs: Any) -> Any:
        session = kwargs.get("session")
        if session is not None and session.client is not main_client:
            kwargs.pop("session")
        return operation(*args, **kwargs)

    return call


class RoutedClient:
    def __init__(self, placements: Placements, *, pinned: UserRoute | None) -> None:
        self._placements = placements
        self._pinned = pinned

    def start_session(self, **options: Any) -> Any:
        route = _route(self._pinned)
        if route is not None and route.writes_paused:
            # Transactions are how content changes; they wait for the switch like writes do.
            raise WritesPausedError(route.user_id)
        return self._placements.resolve(route)[0].start_session(**options)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._placements.resolve(_route(self._pinned))[0], name)

    def __getitem__(self, name: str) -> Any:
        return self._placements.resolve(_route(self._pinned))[0][name]


class RoutedStoreRouter:
    """The :class:`~muninn_shared.storage.routing.StoreRouter` over a service's placements:
    a user's database by their id, for stores that take the user explicitly."""

    def __init__(self, placements: Placements) -> None:
        self._placements = placements

    async def database_for(self, user_id: str) -> Database:
        route = route_for(self._placements.routes, user_id)
        if route is None or route.hosted:
            return self._placements.main_db
        return self._placements.database_of(route)

    def client_for_database(self, db: Database) -> AsyncMongoClient[dict[str, Any]]:
        if isinstance(db, RoutedDatabase):
            return cast(
                AsyncMongoClient[dict[str, Any]],
                RoutedClient(self._placements, pinned=db.pinned_route()),
            )
        return self._placements.main_client


async def across_stores(routes: RouteTable | None, step: Callable[[], Awaitable[T]]) -> list[T]:
    """Run a service-wide job's ``step`` on the main database, then on every user's own one.

    A job that scans across users (due timers, sweeps) sees only the database being served,
    so it runs once per store; one unreachable store is logged and skipped, not a stop."""
    results = [await step()]
    if routes is None:
        return results
    for route in routes.own_routes():
        if route.own is None or route.store_id is None:
            continue
        try:
            with serving(route):
                results.append(await step())
        except (StoreUnavailableError, WritesPausedError):
            continue
        except ConnectionFailure as exc:
            routes.mark_down(route.store_id, str(exc))
    return results


async def first_across_stores(
    routes: RouteTable | None, step: Callable[[], Awaitable[T | None]]
) -> tuple[T | None, UserRoute | None]:
    """The first thing ``step`` finds (a job to claim), on main or else on a user's own
    database, with the route it was found under (to serve while working on it)."""
    found = await step()
    if found is not None or routes is None:
        return found, None
    for route in routes.own_routes():
        if route.own is None or route.store_id is None:
            continue
        try:
            with serving(route):
                found = await step()
        except (StoreUnavailableError, WritesPausedError):
            continue
        except ConnectionFailure as exc:
            routes.mark_down(route.store_id, str(exc))
            continue
        if found is not None:
            return found, route
    return None, None
