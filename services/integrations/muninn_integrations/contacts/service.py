"""Read, make, edit, archive and delete the user's contacts.

What the user does to a contact through the API is announced as a ``contact`` record, in the
same transaction, exactly as a sync announces the contacts it changes: memory keeps a card
per contact for people search, the scheduler its nudges. A contact made by hand, or given an
e-mail address by hand, catches up with the mail and meetings synced before that involve it
(see ``sync/catchup.py``), as a contact synced after them does.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from muninn_shared.moments import as_utc
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.models import AuditAction
from muninn_integrations.audit.service import AuditLog
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.audit import audit_contact
from muninn_integrations.contacts.jobs import (
    JobStatement,
    change_entry,
    next_job,
    statement_doc,
    with_entry,
)
from muninn_integrations.contacts.merge import (
    company_key,
    email_addresses,
    email_key,
    event_data,
    fields_from_request,
    first_name_key,
    fold,
    full_names,
    merge_fields,
    search_condition,
)
from muninn_integrations.contacts.merging import contact_scope
from muninn_integrations.contacts.models import (
    ContactCreate,
    ContactPage,
    ContactPatch,
    ContactPerson,
    ContactRecord,
    ContactSort,
)
from muninn_integrations.contacts.sink import DeletedHook, compose
from muninn_integrations.contacts.store import ContactStore, contact_from_doc
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied

MAX_NAME_LOOKUPS = 30

MAX_PEOPLE = 50_000

AddressesAddedHook = Callable[[str, set[str], AsyncClientSession], Awaitable[None]]
"""(user_id, addresses, session): a contact gained these e-mail addresses (lower-cased)."""


class ContactService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: ContactStore,
        announcer: RecordAnnouncer,
        audit: AuditLog | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._announcer = announcer
        self._audit = audit
        self._on_delete: list[DeletedHook] = []
        self._on_addresses_added: list[AddressesAddedHook] = []

    def when_deleted(self, hook: DeletedHook) -> None:
        """Run ``hook`` in the transaction deleting a contact. Registered after construction:
        the features keeping per-contact data are built on this service."""
        self._on_delete.append(hook)

    def when_addresses_added(self, hook: AddressesAddedHook) -> None:
        """Run ``hook`` in the transaction that gives a contact e-mail addresses it did not
        have, by hand (a new contact, an edit): the mail and meetings already synced with
        them are the contact's too. Registered after construction, as ``when_deleted``."""
        self._on_addresses_added.append(hook)

    async def ids_by_email(
        self, user_id: str, addresses: list[str], session: AsyncClientSession
    ) -> dict[str, str]:
        """E-mail address (lower-cased) → the user's contact with it, for those known."""
        keys = {key: address for address in addresses if (key := email_key(address))}
        found = await self._store.ids_by_key(user_id, list(keys), session)
        return {keys[key].strip().lower(): contact_id for key, contact_id in found.items()}

    async def find_by_names(
        self, user_id: str, names: Sequence[str], session: AsyncClientSession | None = None
    ) -> dict[str, list[ContactRecord]]:
        """Each name → the user's live contacts it designates: those whose full name it is
        (case and accents aside), else those whose first name it is. A name with two
        contacts is ambiguous to the caller; a name with none is no one it knows."""
        wanted = {name: fold(" ".join(name.split())) for name in names[:MAX_NAME_LOOKUPS]}
        # A full name is a key only when it is a display name: its first word finds the
        # contacts whose first and last names make it.
        keys = sorted({part for key in wanted.values() if key for part in (key, key.split()[0])})
        docs = await self._store.named(user_id, keys, session) if keys else []
        found: dict[str, list[ContactRecord]] = {}
        for name, key in wanted.items():
            full = [doc for doc in docs if key in full_names(doc)]
            chosen = full or [doc for doc in docs if first_name_key(doc) == key]
            found[name] = [contact_from_doc(doc) for doc in chosen]
        return found

    async def find_by_name(
        self, user_id: str, name: str, session: AsyncClientSession | None = None
    ) -> list[ContactRecord]:
        return (await self.find_by_names(user_id, [name], session)).get(name, [])

    async def record_job_change(
        self,
        user_id: str,
        contact_id: str,
        statement: JobStatement,
        *,
        detected_at: datetime,
        session: AsyncClientSession | None = None,
    ) -> dict[str, Any] | None:
        """Apply what the user said about a contact's job (see ``contacts/jobs.py``).

        Returns the ``contact`` record's data with its ``job_change`` for the caller to
        announce, or None when the contact is unknown or archived, or already shows it (a
        statement repeated changes nothing)."""
        doc = await self._store.get_doc(user_id, contact_id, session)
        if doc is None or doc.get("is_archived"):
            return None
        before = {"company": doc.get("company"), "title": doc.get("title")}
        job = next_job(before["company"], before["title"], statement)
        if job is None:
            return None
        sources = await self._store.sources_of(user_id, contact_id, session)
        synced = merge_fields([source.get("fields") or {} for source in sources], {})
        said = statement_doc(*job, synced, detected_at)
        composed = compose({**doc, "said": said}, sources)
        entry = change_entry(
            before,
            composed,
            effective_on=statement.effective_on,
            source="conversation",
            detected_at=detected_at,
        )
        changes = {
            **composed,
            "said": said,
            "job_history": with_entry(doc.get("job_history"), entry),
            "updated_at": datetime.now(UTC),
        }
        await self._store.set(user_id, contact_id, changes, session)
        await self._audited(user_id, AuditAction.UPDATE, doc, {**doc, **changes}, session)
        return {**event_data({**doc, **changes}), "job_change": entry}

    async def page(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        q: str | None = None,
        tag: str | None = None,
        archived: bool = False,
        company: str | None = None,
        min_strength: float | None = None,
        max_strength: float | None = None,
        going_cold: bool | None = None,
        sort: ContactSort = "recent",
    ) -> ContactPage:
        query: dict[str, Any] = {"is_archived": archived}
        if tag:
            query["tags"] = tag
        if company is not None:
            query["company_key"] = company_key(company)
        strength: dict[str, float] = {}
        if min_strength is not None:
            strength["$gte"] = min_strength
        if max_strength is not None:
            strength["$lte"] = max_strength
        if strength:
            query["relationship_strength"] = strength
        if going_cold is not None:
            query["going_cold"] = going_cold
        if q and q.strip():
            query.update(search_condition(q))
        items, next_cursor = await self._store.page(
            user_id, query, limit=limit, cursor=cursor, sort=sort
        )
        return ContactPage(items=items, next_cursor=next_cursor)

    # --- for the features that keep per-contact data (interactions, strength) ----------------

    async def owned(
        self, user_id: str, contact_ids: Sequence[str], session: AsyncClientSession | None = None
    ) -> list[dict[str, Any]]:
        """The user's contacts among ``contact_ids`` (stored documents; others are left out)."""
        return await self._store.docs(user_id, list(dict.fromkeys(contact_ids)), session)

    def everyone(self, batch: int) -> AsyncIterator[list[dict[str, Any]]]:
        """Every contact of every user, ordered by user, in batches (the daily sweep)."""
        return self._store.all_in_batches(batch)

    async def save_relationships(
        self,
        changes: Sequence[tuple[str, str, Mapping[str, Any]]],
        session: AsyncClientSession | None,
    ) -> None:
        """Store computed strength and rhythm fields, ``(user_id, contact_id, fields)`` each."""
        await self._store.set_many(changes, session)

    async def backfill(self) -> int:
        return await self._store.backfill_list_keys()

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

        async def work(session: AsyncClientSession) -> None:
            await self._store.insert(doc, session)
            await self._audited(user_id, AuditAction.CREATE, None, doc, session)
            await self._announce(user_id, doc, Action.CREATED, session)
            await self._addresses_added(user_id, email_addresses(doc), session)

        await in_transaction(self._client, work)
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
            # An edit of the company or title is newer than what was said in conversation.
            said = None if {"company", "title"} & changes.keys() else doc.get("said")
            sources = await self._store.sources_of(user_id, contact_id, session)
            composed = compose({**doc, "hand": hand, "said": said}, sources)
            changed = {
                "said": said,
                **composed,
                "hand": hand,
                "edited_by_hand": True,
                "updated_at": datetime.now(UTC),
            }
            await self._store.set(user_id, contact_id, changed, session)
            after = {**doc, **changed}
            await self._audited(user_id, AuditAction.UPDATE, doc, after, session)
            if after.get("digest") != doc.get("digest"):  # what a contact record shows changed
                await self._announce(user_id, after, Action.UPDATED, session)
            added = email_addresses(after) - email_addresses(doc)
            await self._addresses_added(user_id, added, session)
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
        action = AuditAction.ARCHIVE if archived else AuditAction.UNARCHIVE

        async def work(session: AsyncClientSession) -> bool:
            doc = await self._store.get_doc(user_id, contact_id, session)
            if doc is None or not await self._store.set(user_id, contact_id, changes, session):
                return False
            if bool(doc.get("is_archived")) != archived:
                after = {**doc, **changes}
                await self._audited(user_id, action, doc, after, session)
                # As a sync announces a contact it archives: gone from memory and nudges.
                announced = Action.DELETED if archived else Action.UPDATED
                await self._announce(user_id, after, announced, session)
            return True

        if not await in_transaction(self._client, work):
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
            if not await self._store.delete(user_id, contact_id, session):
                return False
            await self._audited(user_id, AuditAction.DELETE, doc, None, session)
            await self._announce(user_id, doc, Action.DELETED, session)
            for hook in self._on_delete:
                await hook(user_id, contact_id, session)
            return True

        if not await in_transaction(self._client, work):
            raise not_found("Contact")

    async def _announce(
        self, user_id: str, doc: Mapping[str, Any], action: Action, session: AsyncClientSession
    ) -> None:
        applied = Applied(doc["_id"], action, event_data(doc))
        await self._announcer.announce(
            contact_scope(user_id, doc), RecordKind.CONTACT, [applied], session
        )

    async def _addresses_added(
        self, user_id: str, addresses: set[str], session: AsyncClientSession
    ) -> None:
        if not addresses:
            return
        for hook in self._on_addresses_added:
            await hook(user_id, addresses, session)

    async def _audited(
        self,
        user_id: str,
        action: AuditAction,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        session: AsyncClientSession | None,
    ) -> None:
        await audit_contact(self._audit, user_id, action, before, after, session)

    async def people(
        self,
        user_id: str,
        contact_ids: list[str] | None = None,
        session: AsyncClientSession | None = None,
    ) -> dict[str, ContactPerson]:
        """Id → name, company, e-mail domains and relationship strength (0.0 until one is
        computed) of the named contacts, or of all the user's; another user's ids are absent."""
        if contact_ids is not None and not contact_ids:
            return {}
        limit = len(set(contact_ids)) if contact_ids is not None else MAX_PEOPLE
        return await self._store.people(user_id, contact_ids, limit, session)

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
            found.append((doc["user_id"], doc["_id"], as_utc(at)))
        return found
