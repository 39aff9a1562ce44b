"""Idempotent consumers: an event's effects are applied once, however often it is delivered.

The applied-event marker and the handler's own writes commit in one transaction, so a crash
either leaves both or neither. Markers expire (a TTL index) once no delivery of their event can
still come: the retention must outlast the topics' retention and any redelivery after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from muninn_shared.storage.indexes import ensure_index
from muninn_shared.storage.mongo import run_transaction

PROCESSED = "processed_events"

Work = Callable[[AsyncClientSession], Awaitable[None]]


class ProcessedEvents:
    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        *,
        retention: timedelta = timedelta(days=14),
    ) -> None:
        self._client = client
        self._db = db
        self._retention = retention

    async def ensure_indexes(self) -> None:
        await ensure_index(
            self._db[PROCESSED],
            "applied_at",
            expireAfterSeconds=int(self._retention.total_seconds()),
        )

    async def already_applied(self, consumer: str, event_id: str) -> bool:
        return await self._db[PROCESSED].find_one({"_id": f"{consumer}:{event_id}"}) is not None

    async def apply_once(self, consumer: str, event_id: str, work: Work) -> bool:
        """Run ``work`` unless this consumer already applied ``event_id``. True if it ran now.

        The marker holds no user id, so erasing a user leaves nothing personal behind.
        """
        marker = {
            "_id": f"{consumer}:{event_id}",
            "consumer": consumer,
            "event_id": event_id,
            "applied_at": datetime.now(UTC),
        }

        async def txn(session: AsyncClientSession) -> bool:
            try:
                await self._db[PROCESSED].insert_one(marker, session=session)
            except DuplicateKeyError:
                return False
            await work(session)
            return True

        if await self.already_applied(consumer, event_id):
            return False
        async with self._client.start_session() as session:
            try:
                ran: bool = await run_transaction(session, txn)
            except DuplicateKeyError:
                return False
            return ran
