"""Google Contacts (People API v1, read-only): the user's contacts as ``Contact`` records
(the model the CardDAV adapter produces), synced with People sync tokens.

A sync token lives seven days; an older one answers 410, or 400 with the reason
``EXPIRED_SYNC_TOKEN``: the sync starts over in full. A deleted contact comes back with
``metadata.deleted``. The external id is the person's resource name (``people/c…``).

Cursor: ``{"p": "contacts", "s": syncToken, "page": pageToken}``; the same sync token goes
with every page of one listing, as the API requires.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from muninn_integrations.connectors.google.api import GoogleApi
from muninn_integrations.connectors.google.cursor import decode_cursor, encode_cursor
from muninn_integrations.connectors.port import Change, Collection, RecordKind, SyncPage
from muninn_integrations.contacts.models import (
    MAX_ITEMS,
    MAX_NOTE,
    Birthday,
    Contact,
    LabeledValue,
    PostalAddress,
    clip,
)

PRODUCT = "contacts"
COLLECTION_ID = "people/me/connections"
MAX_PAGE = 1000  # connections.list's own maximum
PERSON_FIELDS = (
    "names,emailAddresses,phoneNumbers,organizations,birthdays,addresses,biographies,"
    "photos,memberships,metadata"
)


def _first(values: Any) -> dict[str, Any]:
    """The primary entry of a People field (else its first)."""
    entries = [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []
    for entry in entries:
        if (entry.get("metadata") or {}).get("primary"):
            return entry
    return entries[0] if entries else {}


def _kinds(entry: dict[str, Any]) -> list[str]:
    kind = clip(entry.get("type"), 30)
    return [kind.lower()] if kind else []


def _labeled(values: Any, key: str = "value") -> list[LabeledValue]:
    found: list[LabeledValue] = []
    for entry in (values if isinstance(values, list) else [])[:MAX_ITEMS]:
        if not isinstance(entry, dict):
            continue
        value = clip(entry.get(key) or entry.get("value"), 320)
        if value is None:
            continue
        preferred = bool((entry.get("metadata") or {}).get("primary"))
        found.append(LabeledValue(value=value, kinds=_kinds(entry), preferred=preferred))
    return found


def _birthday(values: Any) -> Birthday | None:
    date = _first(values).get("date")
    if not isinstance(date, dict):
        return None
    try:
        return Birthday(month=date["month"], day=date["day"], year=date.get("year") or None)
    except (KeyError, TypeError, ValidationError):
        return None


def _addresses(values: Any) -> list[PostalAddress]:
    found: list[PostalAddress] = []
    for entry in (values if isinstance(values, list) else [])[:MAX_ITEMS]:
        if not isinstance(entry, dict):
            continue
        address = PostalAddress(
            street=clip(entry.get("streetAddress")),
            locality=clip(entry.get("city")),
            region=clip(entry.get("region")),
            postal_code=clip(entry.get("postalCode"), 40),
            country=clip(entry.get("country")),
            kinds=_kinds(entry),
        )
        if any((address.street, address.locality, address.region, address.country)):
            found.append(address)
    return found


def _photo(values: Any) -> str | None:
    for entry in values if isinstance(values, list) else []:
        # Google's placeholder (initials on a colour) is no photo of the person.
        if isinstance(entry, dict) and not entry.get("default"):
            url = clip(entry.get("url"), 2_000)
            if url and url.lower().startswith("https://"):
                return url
    return None


def _updated(person: dict[str, Any]) -> datetime | None:
    stamps: list[datetime] = []
    for source in (person.get("metadata") or {}).get("sources", []) or []:
        text = source.get("updateTime") if isinstance(source, dict) else None
        if isinstance(text, str):
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                continue
            stamps.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return max(stamps) if stamps else None


def contact_from_person(person: dict[str, Any]) -> Contact:
    name = _first(person.get("names"))
    organization = _first(person.get("organizations"))
    given = clip(name.get("givenName"))
    family = clip(name.get("familyName"))
    full = clip(name.get("displayName")) or " ".join(p for p in (given, family) if p) or None
    return Contact(
        uid=str(person["resourceName"]),
        full_name=full,
        given_name=given,
        family_name=family,
        emails=_labeled(person.get("emailAddresses")),
        phones=_labeled(person.get("phoneNumbers"), key="canonicalForm"),
        organization=clip(organization.get("name")),
        title=clip(organization.get("title")),
        birthday=_birthday(person.get("birthdays")),
        addresses=_addresses(person.get("addresses")),
        notes=clip(_first(person.get("biographies")).get("value"), MAX_NOTE),
        photo_url=_photo(person.get("photos")),
        last_modified=_updated(person),
    )


class GoogleContacts:
    def __init__(self, api: GoogleApi, base_url: str) -> None:
        self._api = api
        self._base = base_url.rstrip("/")

    async def me(self) -> dict[str, Any]:
        return await self._api.get_json(
            f"{self._base}/people/me", {"personFields": "names,emailAddresses"}
        )

    async def check(self) -> list[Collection]:
        await self.me()
        return [
            Collection(
                id=COLLECTION_ID, name="Google Contacts", kind=RecordKind.CONTACT, read_only=True
            )
        ]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[Contact]:
        state = decode_cursor(cursor, PRODUCT) or {}
        params: dict[str, Any] = {
            "personFields": PERSON_FIELDS,
            "pageSize": max(1, min(page_size, MAX_PAGE)),
            "requestSyncToken": True,
            "syncToken": state.get("s"),
            "pageToken": state.get("page"),
        }
        answer = await self._api.get_json(f"{self._base}/people/me/connections", params)
        changes: list[Change[Contact]] = []
        for person in answer.get("connections", []) or []:
            if not isinstance(person, dict) or not person.get("resourceName"):
                continue
            identity = str(person["resourceName"])
            if (person.get("metadata") or {}).get("deleted"):
                changes.append(Change(RecordKind.CONTACT, identity, COLLECTION_ID, None))
                continue
            changes.append(
                Change(
                    RecordKind.CONTACT,
                    identity,
                    COLLECTION_ID,
                    contact_from_person(person),
                    etag=person.get("etag"),
                )
            )
        if answer.get("nextPageToken"):
            following = {"s": state.get("s"), "page": answer["nextPageToken"]}
            total = answer.get("totalItems") if not state else None
            return SyncPage(
                changes=changes,
                cursor=encode_cursor(following, PRODUCT),
                more=True,
                items_total=int(total) if isinstance(total, int) else None,
            )
        token = answer.get("nextSyncToken") or state.get("s")
        return SyncPage(changes=changes, cursor=encode_cursor({"s": token}, PRODUCT))
