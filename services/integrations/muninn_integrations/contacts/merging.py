"""Merging contacts that are one person: ``POST /v1/contacts/merge``.

In one transaction the survivor takes the others' sources (so later syncs update it), their
e-mails, phones and tags, and any field it lacks; its owner's hand edits stay over all of it.
Each feature keeping data per contact moves that data through a re-point hook, then the
``refreshed`` hooks recompute what is derived from it (relationship strength), and the merged
contacts are deleted and announced as such, the survivor as updated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from muninn_shared.problems import not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.models import AuditAction
from muninn_integrations.audit.service import AuditLog
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.audit import audit_contact
from muninn_integrations.contacts.merge import LIST_FIELDS, TEXT_FIELDS, event_data, merge_fields
from muninn_integrations.contacts.models import ContactMerge, ContactRecord
from muninn_integrations.contacts.sink import compose
from muninn_integrations.contacts.store import ContactStore, contact_from_doc
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope

RepointHook = Callable[[str, str, str, AsyncClientSession], Awaitable[None]]
"""(user_id, from_id, into_id, session): move a feature's data from one contact to another."""
RefreshHook = Callable[[str, Sequence[str], AsyncClientSession], Awaitable[None]]
"""(user_id, contact_ids, session): recompute what is derived from a contact's data."""

Doc = dict[str, Any]
MANUAL = "manual"


def contact_scope(user_id: str, doc: Mapping[str, Any]) -> SyncScope:
    """The scope a contact's own announcements carry (its first account, or 'manual')."""
    return SyncScope(
        user_id,
        doc.get("connection_id") or MANUAL,
        doc.get("source_provider") or MANUAL,
        None,
    )


def merged_hand(survivor: Mapping[str, Any], others: Sequence[Mapping[str, Any]]) -> Doc:
    """The survivor's hand edits, with the lists of every merged contact added and the text
    fields it lacks filled from the others (the oldest first)."""
    hand: Doc = dict(survivor.get("hand") or {})
    shown: list[Mapping[str, Any]] = [survivor, *others]
    lists = merge_fields([{n: doc.get(n) or [] for n in LIST_FIELDS} for doc in shown], {})
    for name in LIST_FIELDS:
        if lists[name]:
            hand[name] = lists[name]
    for name in TEXT_FIELDS:
        if survivor.get(name) not in (None, "") or hand.get(name) not in (None, ""):
            continue
        for other in others:
            if other.get(name) not in (None, ""):
                hand[name] = other[name]
                break
    return hand


class ContactMerger:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: ContactStore,
        announcer: RecordAnnouncer,
        repoint: Sequence[RepointHook] = (),
        refreshed: Sequence[RefreshHook] = (),
        audit: AuditLog | None = None,
    ) -> None:
        self._audit = audit
        self._client = client
        self._store = store
        self._announcer = announcer
        self._repoint = tuple(repoint)
        self._refreshed = tuple(refreshed)

    async def merge(self, user_id: str, body: ContactMerge) -> ContactRecord:
        async def work(session: AsyncClientSession) -> Doc:
            store = self._store
            docs = {
                d["_id"]: d for d in await store.docs(user_id, [body.into, *body.merge], session)
            }
            if len(docs) != len(body.merge) + 1:
                raise not_found("Contact")
            survivor = docs[body.into]
            others = sorted(
                (docs[i] for i in body.merge), key=lambda d: (d["created_at"], d["_id"])
            )
            for other in others:
                await store.move_sources(user_id, other["_id"], body.into, session)
                for hook in self._repoint:
                    await hook(user_id, other["_id"], body.into, session)
            hand = merged_hand(survivor, others)
            sources = await store.sources_of(user_id, body.into, session)
            now = datetime.now(UTC)
            changes: Doc = {
                **compose({**survivor, "hand": hand}, sources),
                "hand": hand,
                # A merge is the owner's own edit: the survivor stays if its sources go.
                "edited_by_hand": True,
                "updated_at": now,
            }
            await store.set(user_id, body.into, changes, session)
            await store.delete_many(user_id, [o["_id"] for o in others], session)
            for refresh in self._refreshed:
                await refresh(user_id, [body.into], session)
            after = await store.get_doc(user_id, body.into, session) or {**survivor, **changes}
            for other in others:
                await audit_contact(
                    self._audit,
                    user_id,
                    AuditAction.MERGE,
                    other,
                    None,
                    session,
                    new={"merged_into": body.into},
                )
            await audit_contact(self._audit, user_id, AuditAction.MERGE, survivor, after, session)
            for other in others:
                gone = Applied(other["_id"], Action.DELETED, event_data(other))
                await self._announcer.announce(
                    contact_scope(user_id, other), RecordKind.CONTACT, [gone], session
                )
            kept = Applied(body.into, Action.UPDATED, event_data(after))
            await self._announcer.announce(
                contact_scope(user_id, after), RecordKind.CONTACT, [kept], session
            )
            return after

        return contact_from_doc(await in_transaction(self._client, work))
