"""The contacts sink: synced vCards merged into the user's contacts, never duplicated.

A synced record is a *source* (``contact_sources``, keyed by user, connection and external
id). A new source joins the contact that already has one of its e-mail addresses or phone
numbers (synced from another account or made by hand), or starts a new contact. A deletion
at the source removes that source only; a contact left with no source is archived, not
deleted, unless its owner edited it by hand: then it stays, as if made by hand, with the
fields it had.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.models import ActorKind, AuditAction
from muninn_integrations.audit.service import AuditLog
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.contacts.audit import audit_contact
from muninn_integrations.contacts.jobs import (
    change_entry,
    is_sync_job_change,
    statement_holds,
    with_entry,
)
from muninn_integrations.contacts.merge import (
    FIELDS,
    digest,
    event_data,
    fields_from_contact,
    list_keys,
    match_keys,
    merge_fields,
    name_keys,
)
from muninn_integrations.contacts.models import Contact
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.sync.sinks import Action, Applied, KindSink, SyncScope

Doc = dict[str, Any]
DeletedHook = Callable[[str, str, AsyncClientSession], Awaitable[None]]
"""(user_id, contact_id, session): a contact was deleted; drop what was kept for it."""


def compose(contact: Mapping[str, Any], sources: Sequence[Mapping[str, Any]]) -> Doc:
    """The contact's derived fields from its sources (oldest first), its hand edits, and
    what its owner said in conversation about its job while the sources still agree (see
    ``contacts/jobs.py``); a statement the sources moved past is dropped (``said`` None)."""
    synced = [s.get("fields") or {} for s in sources]
    fields = merge_fields(synced, contact.get("hand") or {})
    extra: Doc = {}
    said = contact.get("said")
    if said:
        if statement_holds(said, merge_fields(synced, {})):
            fields.update(company=said.get("company"), title=said.get("title"))
        else:
            extra["said"] = None
    return {
        **extra,
        **fields,
        "match_keys": match_keys(fields),
        "name_keys": name_keys(fields),
        **list_keys(fields),
        "digest": digest(fields),
        "sources": [
            {
                "connection_id": s["connection_id"],
                "external_id": s["external_id"],
                "etag": s.get("etag"),
                "provider": s.get("provider"),
            }
            for s in sources
        ],
    }


def _fields_of(record: Any) -> Doc | None:
    if isinstance(record, Contact):
        return fields_from_contact(record)
    if isinstance(record, Mapping):
        return fields_from_contact(Contact.model_validate(record))
    return None


class ContactSink(KindSink):
    kind = RecordKind.CONTACT

    def __init__(
        self,
        store: ContactStore,
        deleted: Sequence[DeletedHook] = (),
        audit: AuditLog | None = None,
    ) -> None:
        """``deleted``: run for each contact a purge deletes (its per-contact data goes too)."""
        self._store = store
        self._deleted = tuple(deleted)
        self._audit = audit

    async def _audited(
        self,
        user_id: str,
        action: AuditAction,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        session: AsyncClientSession,
    ) -> None:
        await audit_contact(
            self._audit, user_id, action, before, after, session, actor=ActorKind.SYNC
        )

    async def remove(
        self, scope: SyncScope, external_id: str, session: AsyncClientSession
    ) -> Applied | None:
        return await self._remove(scope.user_id, scope.connection_id, external_id, session)

    async def stale(
        self, scope: SyncScope, generation: str, session: AsyncClientSession
    ) -> list[str]:
        return await self._store.stale_sources(
            scope.user_id, scope.connection_id, generation, session
        )

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> list[Applied]:
        sources = await self._store.sources_of_connection(user_id, connection_id, session)
        applied: dict[str, Applied] = {}
        for source in sources:
            change = await self._remove(
                user_id, connection_id, source["external_id"], session, purge=True
            )
            if change is not None:
                applied[change.record_id] = change  # the contact's latest state
        return list(applied.values())

    async def upsert(
        self, scope: SyncScope, change: Change[Any], session: AsyncClientSession
    ) -> Applied | None:
        fields = _fields_of(change.record)
        if fields is None:
            return None
        now = datetime.now(UTC)
        stamp: Doc = {"generation": scope.generation} if scope.generation is not None else {}
        store = self._store
        source = await store.source(scope.user_id, scope.connection_id, change.external_id, session)
        source_digest = digest(fields)
        if source is not None:
            contact = await store.get_doc(scope.user_id, source["contact_id"], session)
            if (
                contact is not None
                and source.get("digest") == source_digest
                and source.get("etag") == change.etag
                and source.get("collection_id") == change.collection_id
            ):
                if stamp and source.get("generation") != scope.generation:
                    await store.set_source(source["_id"], stamp, session)
                return None
            await store.set_source(
                source["_id"],
                {
                    "fields": fields,
                    "digest": source_digest,
                    "etag": change.etag,
                    "collection_id": change.collection_id,
                    "updated_at": now,
                    **stamp,
                },
                session,
            )
            if contact is not None:
                return await self._refresh(scope.user_id, contact, session, now, job_changes=True)
            # The contact went away under its source (should not happen): start it again.
            await store.delete_source(source["_id"], session)

        contact = await store.matching(scope.user_id, match_keys(fields), session)
        contact_id = contact["_id"] if contact is not None else uuid.uuid4().hex
        await store.insert_source(
            {
                "_id": uuid.uuid4().hex,
                "user_id": scope.user_id,
                "connection_id": scope.connection_id,
                "external_id": change.external_id,
                "collection_id": change.collection_id,
                "etag": change.etag,
                "provider": scope.provider,
                "generation": scope.generation,
                "contact_id": contact_id,
                "fields": fields,
                "digest": source_digest,
                "created_at": now,
                "updated_at": now,
            },
            session,
        )
        if contact is not None:
            if contact.get("is_archived") and contact.get("archived_by") == "sync":
                await store.set(
                    scope.user_id,
                    contact_id,
                    {"is_archived": False, "archived_by": None},
                    session,
                )
            return await self._refresh(scope.user_id, contact, session, now)

        doc: Doc = {
            "_id": contact_id,
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "external_id": change.external_id,
            "collection_id": change.collection_id,
            "etag": change.etag,
            "generation": scope.generation,
            "source_provider": scope.provider,
            "hand": {},
            "edited_by_hand": False,
            "is_archived": False,
            "archived_by": None,
            "created_at": now,
            "updated_at": now,
        }
        sources = await store.sources_of(scope.user_id, contact_id, session)
        doc.update(compose(doc, sources))
        await store.insert(doc, session)
        await self._audited(scope.user_id, AuditAction.CREATE, None, doc, session)
        return Applied(record_id=contact_id, action=Action.CREATED, data=event_data(doc))

    async def _refresh(
        self,
        user_id: str,
        contact: Mapping[str, Any],
        session: AsyncClientSession,
        now: datetime,
        *,
        job_changes: bool = False,
    ) -> Applied | None:
        """Recompose ``contact`` from its sources; an Applied when what it shows changed.

        ``job_changes``: one of the contact's sources was edited, so another company or title
        than before is a job change at the source (announced, and kept in ``job_history``);
        a source joining or leaving the contact only brings or takes its own fields."""
        current = await self._store.get_doc(user_id, contact["_id"], session) or dict(contact)
        sources = await self._store.sources_of(user_id, current["_id"], session)
        changes = compose(current, sources)
        changed = changes["digest"] != current.get("digest") or bool(
            current.get("is_archived")
        ) != bool(contact.get("is_archived"))
        job_change = None
        if changed:
            changes["updated_at"] = now
            if job_changes and is_sync_job_change(current, changes):
                job_change = change_entry(
                    current, changes, effective_on=now.date(), source="sync", detected_at=now
                )
                changes["job_history"] = with_entry(current.get("job_history"), job_change)
        await self._store.set(user_id, current["_id"], changes, session)
        if not changed:
            return None
        after = {**current, **changes}
        if contact.get("is_archived") and not after.get("is_archived"):
            await self._audited(user_id, AuditAction.UNARCHIVE, contact, after, session)
        await self._audited(user_id, AuditAction.UPDATE, current, after, session)
        data = event_data({**current, **changes})
        if job_change is not None:
            data["job_change"] = job_change
        return Applied(record_id=current["_id"], action=Action.UPDATED, data=data)

    async def _remove(
        self,
        user_id: str,
        connection_id: str,
        external_id: str,
        session: AsyncClientSession,
        *,
        purge: bool = False,
    ) -> Applied | None:
        store = self._store
        source = await store.source(user_id, connection_id, external_id, session)
        if source is None:
            return None
        await store.delete_source(source["_id"], session)
        contact = await store.get_doc(user_id, source["contact_id"], session)
        if contact is None:
            return None
        now = datetime.now(UTC)
        remaining = await store.sources_of(user_id, contact["_id"], session)
        if remaining:
            return await self._refresh(user_id, contact, session, now)
        if contact.get("edited_by_hand"):
            # Edited by its owner: it stays, now as if made by hand, with what it showed.
            kept = compose({**contact, "sources": []}, [source])
            shown = {name: kept[name] for name in FIELDS}
            kept_changes = {
                "hand": shown,
                "said": None,
                "connection_id": None,
                **compose({"hand": shown}, []),
            }
            await store.set(user_id, contact["_id"], kept_changes, session)
            await self._audited(
                user_id, AuditAction.UPDATE, contact, {**contact, **kept_changes}, session
            )
            return None
        if purge:
            if not await store.delete(user_id, contact["_id"], session):
                return None
            await self._audited(user_id, AuditAction.DELETE, contact, None, session)
            for hook in self._deleted:
                await hook(user_id, contact["_id"], session)
            return Applied(
                record_id=contact["_id"], action=Action.DELETED, data=event_data(contact)
            )
        await store.set(
            user_id,
            contact["_id"],
            {"sources": [], "is_archived": True, "archived_by": "sync", "updated_at": now},
            session,
        )
        archived = {**contact, "is_archived": True, "archived_by": "sync"}
        await self._audited(user_id, AuditAction.ARCHIVE, contact, archived, session)
        data = event_data({**contact, "is_archived": True})
        return Applied(record_id=contact["_id"], action=Action.DELETED, data=data)
