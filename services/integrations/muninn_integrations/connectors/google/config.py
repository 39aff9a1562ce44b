"""Where Google's OAuth and API endpoints are, and which scopes each product needs.

Every endpoint is configurable so the tests (and an operator behind a proxy) can point the
adapter at another server; the defaults are Google's documented production endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from muninn_integrations.connectors.port import RecordKind

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
REVOKE_URL = "https://oauth2.googleapis.com/revoke"
CALENDAR_API = "https://www.googleapis.com/calendar/v3"
GMAIL_API = "https://gmail.googleapis.com/gmail/v1"
PEOPLE_API = "https://people.googleapis.com/v1"


class Product(StrEnum):
    CALENDAR = "calendar"
    MAIL = "mail"
    CONTACTS = "contacts"


# Least privilege: mail and contacts are read-only; the calendar is written back to, so it
# takes the events scope (not the full calendar scope, which could delete calendars).
PRODUCT_SCOPES: dict[Product, tuple[str, ...]] = {
    Product.CALENDAR: (
        "https://www.googleapis.com/auth/calendar.events",
        "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    ),
    Product.MAIL: ("https://www.googleapis.com/auth/gmail.readonly",),
    Product.CONTACTS: ("https://www.googleapis.com/auth/contacts.readonly",),
}

PRODUCT_KINDS: dict[Product, RecordKind] = {
    Product.CALENDAR: RecordKind.CALENDAR_EVENT,
    Product.MAIL: RecordKind.EMAIL,
    Product.CONTACTS: RecordKind.CONTACT,
}

# The order a sync pass walks the products in (a cursor lists the products still to do).
PRODUCT_ORDER: tuple[Product, ...] = (Product.CALENDAR, Product.CONTACTS, Product.MAIL)


def scopes_for(products: list[Product] | tuple[Product, ...]) -> list[str]:
    return [
        scope
        for product in PRODUCT_ORDER
        if product in products
        for scope in PRODUCT_SCOPES[product]
    ]


def granted_products(scopes: list[str] | tuple[str, ...]) -> list[Product]:
    """The products whose every scope was granted (a user can untick scopes on the consent
    screen; a product missing one would fail on every call)."""
    granted = set(scopes)
    return [p for p in PRODUCT_ORDER if all(s in granted for s in PRODUCT_SCOPES[p])]


@dataclass(frozen=True)
class GoogleConfig:
    """The OAuth client this instance registered at Google, and where Google answers."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    authorize_url: str = AUTHORIZE_URL
    token_url: str = TOKEN_URL
    revoke_url: str = REVOKE_URL
    calendar_api: str = CALENDAR_API
    gmail_api: str = GMAIL_API
    people_api: str = PEOPLE_API
    timeout: float = 30.0
