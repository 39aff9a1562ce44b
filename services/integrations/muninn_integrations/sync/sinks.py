"""Where a sync puts what it fetched: one sink per record kind (calendar, contacts, mail).

The sync service hands each page of changes to the sink for its kind inside one MongoDB
transaction, writes the events the sink returns to the outbox in that same transaction, and
only then saves the connector's cursor. A page replayed after a crash must change nothing
the second time (upserts keyed by user, connection and external id).

A full sync stamps every record it sees with the sync's ``generation`` (the job id); when it
completes, ``sweep`` removes the connection's records of that kind left with an older
generation: they are gone at the source.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.connectors.port import Change, RecordKind


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class Applied:
    """One record that changed in Muninn, for the ``integrations.record.synced`` event.

    ``data`` carries what consumers need (titles, times, people, a short excerpt), never a
    whole mail body; ``record_id`` is Muninn's id of the record, stable across syncs.
    """

    record_id: str
    action: Action
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncScope:
    user_id: str
    connection_id: str
    provider: str
    generation: str | None  # the full sync's job id; None for an incremental sync
    account: str | None = None
    """The connected account's own e-mail address (lower-cased), when it is known: whether
    the user sent an e-mail or received it."""


class RecordSink(Protocol):
    kind: ClassVar[RecordKind]

    async def apply(
        self, scope: SyncScope, changes: Sequence[Change[Any]], session: AsyncClientSession
    ) -> list[Applied]:
        """Upsert or delete each change; the records that really changed (none on a replay)."""
        ...

    async def sweep(self, scope: SyncScope, session: AsyncClientSession) -> list[Applied]:
        """After a full sync: delete the connection's records not stamped with its generation."""
        ...

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> list[Applied]:
        """Remove every record synced through the connection (a disconnect with purge); what
        went, for other services to forget too."""
        ...


class KindSink(ABC):
    """The part every sink does alike: only changes of its own kind, deletions and upserts
    apart, and after a full sync the stale records removed one by one like deletions. A sink
    says how one record is upserted or removed, and which of its records are stale."""

    kind: ClassVar[RecordKind]

    async def apply(
        self, scope: SyncScope, changes: Sequence[Change[Any]], session: AsyncClientSession
    ) -> list[Applied]:
        applied: list[Applied] = []
        for change in changes:
            if change.kind is not self.kind:
                continue
            if change.deleted:
                done = await self.remove(scope, change.external_id, session)
            else:
                done = await self.upsert(scope, change, session)
            if done is not None:
                applied.append(done)
        return applied

    async def sweep(self, scope: SyncScope, session: AsyncClientSession) -> list[Applied]:
        if scope.generation is None:
            return []
        applied: list[Applied] = []
        for external_id in await self.stale(scope, scope.generation, session):
            done = await self.remove(scope, external_id, session)
            if done is not None:
                applied.append(done)
        return applied

    @abstractmethod
    async def upsert(
        self, scope: SyncScope, change: Change[Any], session: AsyncClientSession
    ) -> Applied | None:
        """Store the record; what changed, or None when nothing did (a replay)."""

    @abstractmethod
    async def remove(
        self, scope: SyncScope, external_id: str, session: AsyncClientSession
    ) -> Applied | None:
        """The record is gone at the source; what changed, or None when it was not here."""

    @abstractmethod
    async def stale(
        self, scope: SyncScope, generation: str, session: AsyncClientSession
    ) -> list[str]:
        """External ids of the connection's records this full sync did not see."""

    @abstractmethod
    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> list[Applied]: ...


class SyncedRecordStore(Protocol):
    async def stale(
        self, user_id: str, connection_id: str, generation: str, session: AsyncClientSession
    ) -> list[str]: ...

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> list[str]: ...


Store = TypeVar("Store", bound=SyncedRecordStore)


class StoreSink(KindSink, Generic[Store]):
    """A sink whose records are one store's documents, one per source record (calendar
    events, mail messages): the store finds the stale ones and purges a connection's."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def stale(
        self, scope: SyncScope, generation: str, session: AsyncClientSession
    ) -> list[str]:
        return await self._store.stale(scope.user_id, scope.connection_id, generation, session)

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> list[Applied]:
        gone = await self._store.purge_connection(user_id, connection_id, session)
        return [Applied(record_id, Action.DELETED, {}) for record_id in gone]
