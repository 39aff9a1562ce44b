"""Incremental sync of DAV collections, one bounded page at a time.

Per collection: list what changed (``sync-collection`` since the saved token, or, on a server
without it, every ETag compared with the ones delivered), then fetch a page of those hrefs
with one ``calendar-multiget`` / ``addressbook-multiget``. How a pass spanning pages stays
exact is explained in ``cursor.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from muninn_shared.logging import get_logger

from muninn_integrations.connectors.dav.client import DavClient, encode_path
from muninn_integrations.connectors.dav.cursor import CollectionCursor
from muninn_integrations.connectors.dav.discovery import DavCollection
from muninn_integrations.connectors.dav.multistatus import (
    CALDAV,
    DAV,
    etag_query_body,
    multiget_body,
    parse_multistatus,
    sync_collection_body,
)
from muninn_integrations.connectors.port import Change, CursorExpiredError, RecordKind

RecordT = TypeVar("RecordT")

MAX_ETAG_ITEMS = 20_000
log = get_logger(__name__)


@dataclass(frozen=True)
class Entry:
    href: str
    etag: str | None
    removed: bool = False


@dataclass(frozen=True)
class CollectionPage(Generic[RecordT]):
    changes: list[Change[RecordT]]
    state: CollectionCursor
    done: bool


class DavSync(Generic[RecordT]):
    def __init__(
        self,
        client: DavClient,
        *,
        namespace: str,
        kind: RecordKind,
        parse: Callable[[str], RecordT | None],
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._kind = kind
        self._parse = parse
        self._data_tag = "calendar-data" if namespace == CALDAV else "address-data"
        # The listing of a pass under way, kept so its later pages need no new REPORT:
        # collection path → ((token, pass token), entries).
        self._listings: dict[str, tuple[tuple[str | None, str], list[Entry]]] = {}

    async def collection_page(
        self, collection: DavCollection, state: CollectionCursor, budget: int
    ) -> CollectionPage[RecordT]:
        if collection.supports_sync_collection:
            if state.etags is not None:
                raise CursorExpiredError("The server changed how it syncs; syncing in full.")
            return await self._token_page(collection, state, budget)
        if state.token is not None or state.pass_token is not None:
            raise CursorExpiredError("The server no longer offers sync tokens; syncing in full.")
        return await self._etag_page(collection, state, budget)

    async def _token_page(
        self, collection: DavCollection, state: CollectionCursor, budget: int
    ) -> CollectionPage[RecordT]:
        entries, pass_token = await self._token_listing(collection, state)
        pending = [entry for entry in entries if state.after is None or entry.href > state.after]
        batch = pending[:budget]
        changes = await self._fetch(collection, batch)
        if len(pending) <= budget:
            self._listings.pop(collection.path, None)
            return CollectionPage(changes, CollectionCursor(token=pass_token), done=True)
        following = CollectionCursor(token=state.token, pass_token=pass_token, after=batch[-1].href)
        return CollectionPage(changes, following, done=False)

    async def _token_listing(
        self, collection: DavCollection, state: CollectionCursor
    ) -> tuple[list[Entry], str]:
        if state.pass_token is not None:
            cached = self._listings.get(collection.path)
            if cached is not None and cached[0] == (state.token, state.pass_token):
                return cached[1], state.pass_token
        reply = await self._client.request(
            "REPORT", collection.path, body=sync_collection_body(state.token), depth="0"
        )
        listing = parse_multistatus(reply.body)
        if listing.sync_token is None:
            raise CursorExpiredError("The server answered a sync without a new token.")
        entries = sorted(
            (
                Entry(response.href, response.text(DAV, "getetag"), removed=response.status == 404)
                for response in listing.responses
                if _is_member(collection.path, response.href)
                # A full pass has nothing to delete (some servers list past members).
                and not (state.token is None and response.status == 404)
            ),
            key=lambda entry: entry.href,
        )
        # A pass keeps the token of its first listing (see cursor.py).
        pass_token = state.pass_token or listing.sync_token
        self._listings[collection.path] = ((state.token, pass_token), entries)
        return entries, pass_token

    async def _etag_page(
        self, collection: DavCollection, state: CollectionCursor, budget: int
    ) -> CollectionPage[RecordT]:
        delivered = dict(state.etags or {})
        current = await self._etag_listing(collection)
        pending = sorted(
            [Entry(href, etag) for href, etag in current.items() if delivered.get(href) != etag]
            + [Entry(href, None, removed=True) for href in delivered if href not in current],
            key=lambda entry: entry.href,
        )
        batch = pending[:budget]
        changes = await self._fetch(collection, batch)
        fetched = {change.external_id: change for change in changes}
        for entry in batch:
            change = fetched.get(entry.href)
            if entry.removed or (change is not None and change.deleted):
                delivered.pop(entry.href, None)
            else:
                # A skipped (malformed) item is marked delivered too, or every page would
                # list it again and the pass would never end.
                etag = change.etag if change is not None and change.etag else entry.etag
                delivered[entry.href] = etag or ""
        return CollectionPage(
            changes, CollectionCursor(etags=delivered), done=len(pending) <= budget
        )

    async def _etag_listing(self, collection: DavCollection) -> dict[str, str]:
        reply = await self._client.request(
            "REPORT", collection.path, body=etag_query_body(self._namespace), depth="1"
        )
        found: dict[str, str] = {}
        for response in parse_multistatus(reply.body).responses:
            if len(found) >= MAX_ETAG_ITEMS:
                log.warning("dav_collection_truncated", collection=collection.path)
                break
            etag = response.text(DAV, "getetag")
            if etag is not None and _is_member(collection.path, response.href):
                found[response.href] = etag
        return found

    async def _fetch(self, collection: DavCollection, batch: list[Entry]) -> list[Change[RecordT]]:
        changes: list[Change[RecordT]] = []
        wanted = [entry.href for entry in batch if not entry.removed]
        fetched: dict[str, Change[RecordT] | None] = {}
        if wanted:
            body = multiget_body(self._namespace, [encode_path(href) for href in wanted])
            reply = await self._client.request("REPORT", collection.path, body=body, depth="1")
            for response in parse_multistatus(reply.body).responses:
                if response.href in fetched or not _is_member(collection.path, response.href):
                    continue
                if response.status == 404:
                    fetched[response.href] = self._deletion(collection, response.href)
                    continue
                data = response.text(self._namespace, self._data_tag)
                fetched[response.href] = self._record(
                    collection, response.href, data, response.text(DAV, "getetag")
                )
        skipped = 0
        for entry in batch:
            if entry.removed:
                changes.append(self._deletion(collection, entry.href))
                continue
            change = fetched.get(entry.href)
            if change is None:
                skipped += 1
            else:
                changes.append(change)
        if skipped:
            log.warning("dav_items_skipped", collection=collection.path, count=skipped)
        return changes

    def _record(
        self, collection: DavCollection, href: str, data: str | None, etag: str | None
    ) -> Change[RecordT] | None:
        if data is None:
            return None
        try:
            record = self._parse(data)
        except ValueError as exc:
            log.warning("dav_item_malformed", href=href, error=str(exc)[:200])
            return None
        if record is None:
            return None
        return Change(self._kind, href, collection.path, record, etag)

    def _deletion(self, collection: DavCollection, href: str) -> Change[RecordT]:
        return Change(self._kind, href, collection.path, None)


def _is_member(collection_path: str, href: str) -> bool:
    return href.startswith(collection_path) and href != collection_path and not href.endswith("/")
