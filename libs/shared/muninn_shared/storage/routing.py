"""The one seam through which content services get a user's database.

Today every user lives on the main store. The BYOD service will register users' own
databases; this router is where that decision is made, so no feature code changes then.

It stays in the shared library because every content service reaches its users' data through
it at run time: ``ServiceRuntime.stores`` builds one, the shared privacy export and erasure
(``muninn_shared.privacy``) read and erase through it, and memory's stores take it. A BYOD
router replaces :class:`MainStoreRouter` there for all services at once.
"""

from __future__ import annotations

from typing import Any, Protocol

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


class StoreRouter(Protocol):
    async def database_for(self, user_id: str) -> AsyncDatabase[dict[str, Any]]: ...

    def client_for_database(
        self, db: AsyncDatabase[dict[str, Any]]
    ) -> AsyncMongoClient[dict[str, Any]]: ...


class MainStoreRouter:
    """Routes every user to the service's database on the main MongoDB."""

    def __init__(self, client: AsyncMongoClient[dict[str, Any]], database: str) -> None:
        self._client = client
        self._db = client[database]

    async def database_for(self, user_id: str) -> AsyncDatabase[dict[str, Any]]:
        return self._db

    def client_for_database(
        self, db: AsyncDatabase[dict[str, Any]]
    ) -> AsyncMongoClient[dict[str, Any]]:
        return self._client
