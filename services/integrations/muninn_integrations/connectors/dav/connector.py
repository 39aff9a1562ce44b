"""The DAV adapter of the connector port, shared by CalDAV and CardDAV."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar, Generic, TypeVar

import httpx
from muninn_shared.outbound import OutboundGuard, guarded_client

from muninn_integrations.connectors.dav.client import DavClient, DavCredentials
from muninn_integrations.connectors.dav.cursor import (
    CollectionCursor,
    decode_cursor,
    encode_cursor,
)
from muninn_integrations.connectors.dav.discovery import DavCollection, discover_collections
from muninn_integrations.connectors.dav.sync import DavSync
from muninn_integrations.connectors.port import Change, Collection, RecordKind, SyncPage

RecordT = TypeVar("RecordT")
DEFAULT_TIMEOUT = 30.0


class DavConnector(Generic[RecordT]):
    """Collections are discovered once per connector and kept: a connector lives for one
    sync run, and a collection created meanwhile is found by the next run.

    A protocol (CalDAV, CardDAV) says its XML namespace, the kind of record it syncs, and
    how a resource's text becomes a record."""

    namespace: ClassVar[str]
    kind: ClassVar[RecordKind]

    @abstractmethod
    def parse(self, text: str) -> RecordT | None:
        """The record a resource holds; None when it holds none this adapter reads."""

    def __init__(
        self,
        base_url: str,
        credentials: DavCredentials,
        *,
        guard: OutboundGuard | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if http is None:
            if guard is None:
                raise ValueError("a DAV connector needs the outbound guard or an HTTP client")
            http = guarded_client(guard, timeout=timeout)
        self._http = http
        self._client = DavClient(http, base_url, credentials)
        self._sync = DavSync(
            self._client, namespace=self.namespace, kind=self.kind, parse=self.parse
        )
        self._collections: list[DavCollection] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._client!r})"

    @property
    def client(self) -> DavClient:
        return self._client

    async def collections(self, *, refresh: bool = False) -> list[DavCollection]:
        if self._collections is None or refresh:
            self._collections = await discover_collections(self._client, self.namespace)
        return self._collections

    async def check(self) -> list[Collection]:
        return [
            Collection(
                id=collection.path,
                name=collection.name,
                kind=self.kind,
                read_only=collection.read_only,
                extras={"color": collection.color} if collection.color else {},
            )
            for collection in await self.collections(refresh=True)
        ]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[RecordT]:
        """Collections in path order; a page draws from as many as its size allows. A
        collection gone from the server is dropped from the cursor (its records are the
        store's to remove by ``collection_id``)."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        saved = decode_cursor(cursor)
        collections = await self.collections()
        states = {c.path: saved.get(c.path, CollectionCursor()) for c in collections}
        changes: list[Change[RecordT]] = []
        more = False
        for collection in collections:
            budget = page_size - len(changes)
            if budget <= 0:
                more = True
                break
            page = await self._sync.collection_page(collection, states[collection.path], budget)
            states[collection.path] = page.state
            changes.extend(page.changes)
            if not page.done:
                more = True
                break
        return SyncPage(changes=changes, cursor=encode_cursor(states), more=more)

    async def aclose(self) -> None:
        await self._http.aclose()
