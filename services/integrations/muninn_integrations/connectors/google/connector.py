"""One Google account as one connection: the products the user granted (Calendar, Contacts,
Gmail) synced in turn through one cursor, and the calendar written back.

Cursor: ``{"p": "google", "c": {product: its own cursor}, "todo": [products left in this
pass]}``; a pass walks the products in ``PRODUCT_ORDER``, each to its last page.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
from muninn_shared.outbound import OutboundGuard, guarded_client

from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.connectors.calendar_writer import StoredEvent
from muninn_integrations.connectors.google.api import GoogleApi, SaveTokens, TokenHolder
from muninn_integrations.connectors.google.calendar import GoogleCalendar
from muninn_integrations.connectors.google.config import GoogleConfig, Product, granted_products
from muninn_integrations.connectors.google.cursor import decode_cursor, encode_cursor
from muninn_integrations.connectors.google.gmail import GoogleMail
from muninn_integrations.connectors.google.oauth import GoogleOAuth, GoogleTokens
from muninn_integrations.connectors.google.people import GoogleContacts
from muninn_integrations.connectors.imap import ImapOptions
from muninn_integrations.connectors.port import (
    Collection,
    CredentialsRejectedError,
    SourceRejectedError,
    SyncPage,
)

PRODUCT = "google"


class _Part(Protocol):
    async def check(self) -> list[Collection]: ...

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[Any]: ...


class GoogleConnector:
    provider = "google"  # the calendar write-back seam (connectors.calendar_writer)

    def __init__(
        self,
        config: GoogleConfig,
        tokens: GoogleTokens,
        *,
        guard: OutboundGuard | None = None,
        http: httpx.AsyncClient | None = None,
        save: SaveTokens | None = None,
        imap_options: ImapOptions | None = None,
    ) -> None:
        if http is None:
            if guard is None:
                raise ValueError("a Google connector needs the outbound guard or an HTTP client")
            http = guarded_client(guard, timeout=config.timeout)
        self._http = http
        self.oauth = GoogleOAuth(config, http)
        self.holder = TokenHolder(tokens, self.oauth, save)
        api = GoogleApi(http, self.holder)
        self.products = granted_products(tokens.scopes)
        self.calendar = GoogleCalendar(api, config.calendar_api)
        self.mail = GoogleMail(api, config.gmail_api, imap_options)
        self.contacts = GoogleContacts(api, config.people_api)

    def __repr__(self) -> str:
        return f"GoogleConnector(products={[p.value for p in self.products]})"

    def _parts(self) -> dict[str, _Part]:
        parts: dict[Product, _Part] = {
            Product.CALENDAR: self.calendar,
            Product.CONTACTS: self.contacts,
            Product.MAIL: self.mail,
        }
        return {product.value: parts[product] for product in self.products}

    async def check(self) -> list[Collection]:
        parts = self._parts()
        if not parts:
            raise CredentialsRejectedError(
                "Google granted none of the permissions Muninn asks for; connect again and "
                "allow calendar, contacts or mail access."
            )
        found: list[Collection] = []
        for part in parts.values():
            found += await part.check()
        return found

    async def account(self) -> str | None:
        """The Google account's address, from whichever granted product tells it."""
        if Product.CALENDAR in self.products:
            address = await self.calendar.account()
            if address:
                return address
        if Product.MAIL in self.products:
            address = await self.mail.account()
            if address:
                return address
        if Product.CONTACTS in self.products:
            me = await self.contacts.me()
            for entry in me.get("emailAddresses", []) or []:
                if isinstance(entry, dict) and entry.get("value"):
                    return str(entry["value"])
        return None

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[Any]:
        parts = self._parts()
        state = decode_cursor(cursor, PRODUCT) or {}
        cursors: dict[str, str] = dict(state.get("c") or {})
        todo = [p for p in state.get("todo") or [] if p in parts] or list(parts)
        if not todo:
            return SyncPage(changes=[], cursor=encode_cursor({"c": cursors, "todo": []}, PRODUCT))
        product = todo[0]
        page = await parts[product].changes(cursors.get(product), page_size=page_size)
        cursors[product] = page.cursor
        if not page.more:
            todo = todo[1:]
        return SyncPage(
            changes=page.changes,
            cursor=encode_cursor({"c": cursors, "todo": todo}, PRODUCT),
            more=page.more or bool(todo),
        )

    # -- calendar write-back ---------------------------------------------------------------

    def _calendar(self) -> GoogleCalendar:
        if Product.CALENDAR not in self.products:
            raise SourceRejectedError("This calendar is read-only.")
        return self.calendar

    async def create_event(self, collection_id: str, event: CalendarEvent) -> StoredEvent:
        return await self._calendar().create_event(collection_id, event)

    async def update_event(self, href: str, event: CalendarEvent, *, etag: str) -> StoredEvent:
        return await self._calendar().update_event(href, event, etag=etag)

    async def delete_event(self, href: str, *, etag: str) -> None:
        await self._calendar().delete_event(href, etag=etag)

    async def get_event(self, href: str) -> StoredEvent:
        return await self._calendar().get_event(href)

    async def revoke(self) -> None:
        """Revoke the grant at Google (the refresh token, which takes its access tokens)."""
        tokens = self.holder.tokens
        await self.oauth.revoke(tokens.refresh_token or tokens.access_token)

    async def aclose(self) -> None:
        await self._http.aclose()
