"""Read, make, edit, archive and delete the user's contacts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.contacts.merge import email_key, fields_from_request, search_condition
from muninn_integrations.contacts.models import (
    ContactCreate,
    ContactPage,
    ContactPatch,
    ContactRecord,
)
from muninn_integrations.contacts.sink import compose
from muninn_integrations.contacts.store import ContactStore


class ContactService:
    def __init__(self, *, client: AsyncMongoClient[dict[str, Any]], store: ContactStore) -> None:
        self._client = client
        self._store = store

    async def ids_by_email(
        self, user_id: str, addresses: list[str], session: AsyncClientSession
    ) -> dict[str, str]:
        """E-mail address (lower-cased) → the user's contact with it, for those known."""
        keys = {key: address for address in addresses if (key := email_key(address))}
        found = await self._store.ids_by_key(user_id, list(keys), session)
        return {keys[key].strip().lower(): contact_id for key, contact_id in found.items()}

    async def page(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        q: str | None = None,
        tag: str | None = None,
        archived: bool = False,
    ) -> ContactPage:
        query: dict[str, Any] = {"is_archived": archived}
        if tag:
            query["tags"] = tag
        if q and q.strip():
            query.update(search_condition(q))
        items, next_cursor = await self._store.page(user_id, query, limit=limit, cursor=cursor)
        return ContactPage(items=items, next_cursor=next_cursor)

    async def get(self, user_id: str, contact_id: str) -> ContactRecord:
        contact = await self._store.get(user_id, contact_id)
        if contact is None:
            raise not_found("Contact")
        return contact

    async def create(self, user_id: str, body: ContactCreate) -> ContactRecord:
        now = datetime.now(UTC)
        hand = fields_from_request(body)
        doc: dict[str, Any] = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "connection_id": None,
            "external_id": None,
            "collection_id": None,
            "etag": None,
            "generation": None,
            "source_provider": "manual",
            "hand": hand,
            "edited_by_hand": True,
            "is_archived": False,
            "archived_by": None,
            "created_at": now,
            "updated_at": now,
        }
        doc.update(compose(doc, []))
        await self._store.insert(doc)
        return await self.get(user_id, doc["_id"])

    async def update(self, user_id: str, contact_id: str, patch: ContactPatch) -> ContactRecord:
        changes = fields_from_request(patch)

        async def work(session: AsyncClientSession) -> bool:
            doc = await self._store.get_doc(user_id, contact_id, session)
            if doc is None:
                return False
            if not changes:
                return True
            hand = {**(doc.get("hand") or {}), **changes}
            sources = await self._store.sources_of(user_id, contact_id, session)
            composed = compose({**doc, "hand": hand}, sources)
            await self._store.set(
                user_id,
                contact_id,
                {
                    **composed,
                    "hand": hand,
                    "edited_by_hand": True,
                    "updated_at": datetime.now(UTC),
                },
                session,
            )
            return True

        if not await in_transaction(self._client, work):
            raise not_found("Contact")
        return await self.get(user_id, contact_id)

    async def set_archived(self, user_id: str, contact_id: str, archived: bool) -> ContactRecord:
        changes = {
            "is_archived": archived,
            "archived_by": "user" if archived else None,
            "updated_at": datetime.now(UTC),
        }
        if not await self._store.set(user_id, contact_id, changes):
            raise not_found("Contact")
        return await self.get(user_id, contact_id)

    async def delete(self, user_id: str, contact_id: str) -> None:
        async def work(session: AsyncClientSession) -> bool:
            doc = await self._store.get_doc(user_id, contact_id, session)
            if doc is None:
                return False
            if doc.get("sources"):
                count = len(doc["sources"])
                accounts = "a connected account" if count == 1 else f"{count} connected accounts"
                raise ProblemError(
                    409,
                    f"This contact is synced from {accounts}, so deleting it here would not "
                    "last: archive it instead (POST /v1/contacts/{id}/archive), or delete it "
                    "at the source.",
                    code="contact-synced",
                )
            return await self._store.delete(user_id, contact_id, session)

        if not await in_transaction(self._client, work):
            raise not_found("Contact")

    async def fields_of(
        self, user_id: str, contact_id: str, names: Sequence[str]
    ) -> dict[str, Any]:
        """Stored fields of the contact beyond ``ContactRecord`` (those present among
        ``names``); 404 when the user has no such contact."""
        doc = await self._store.fields_of(user_id, contact_id, names)
        if doc is None:
            raise not_found("Contact")
        return {name: doc[name] for name in names if name in doc}

    async def interacted_since(
        self, since: datetime, *, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[tuple[str, str, datetime]]:
        """(user id, contact id, last interaction) of contacts of any user in touch since
        ``since``, oldest first, after ``after``: for background passes over all users."""
        docs = await self._store.interacted_since(since, limit=limit, after=after)
        found: list[tuple[str, str, datetime]] = []
        for doc in docs:
            at = doc["last_interaction_at"]
            found.append((doc["user_id"], doc["_id"], at if at.tzinfo else at.replace(tzinfo=UTC)))
        return found
