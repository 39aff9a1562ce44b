"""The mail sink: messages synced from a mailbox, mirrored read-only and kept searchable."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.mail.models import MailMessage
from muninn_integrations.mail.search import search_terms
from muninn_integrations.mail.store import MailStore
from muninn_integrations.sync.sinks import Action, Applied, StoreSink, SyncScope

MAX_BODY_CHARS = 200_000
MAX_SNIPPET = 500
MAX_ADDRESSES = 100
MAX_ATTACHMENTS = 100
MAX_DATA_ADDRESSES = 20

Doc = dict[str, Any]


def snippet_of(body: str) -> str:
    return re.sub(r"\s+", " ", body[: MAX_SNIPPET * 4]).strip()[:MAX_SNIPPET]


def content_of(message: MailMessage) -> Doc:
    """The stored fields of a message, bounded; what its digest is taken over."""
    body = message.body[:MAX_BODY_CHARS]
    to = [a.model_dump() for a in message.to[:MAX_ADDRESSES]]
    cc = [a.model_dump() for a in message.cc[:MAX_ADDRESSES]]
    sender = message.sender.model_dump() if message.sender else None
    attachments = [a.model_dump() for a in message.attachments[:MAX_ATTACHMENTS]]
    return {
        "mailbox": message.mailbox,
        "uid": message.uid,
        "uidvalidity": message.uidvalidity,
        "email_id": message.email_id,
        "thread_id": message.thread_id,
        "subject": message.subject[:2_000],
        "sender": sender,
        "to": to,
        "cc": cc,
        "recipients": [a["address"] for a in (to + cc)],
        "sent_at": message.sent_at,
        "received_at": message.received_at,
        "in_reply_to": message.in_reply_to,
        "references": message.references[:100],
        "body": body,
        "body_truncated": message.body_truncated or len(message.body) > MAX_BODY_CHARS,
        "truncated": message.truncated,
        "snippet": snippet_of(body),
        "attachments": attachments,
        "has_attachments": bool(attachments),
        "flags": list(message.flags[:50]),
        "size": message.size,
    }


def digest(content: Mapping[str, Any]) -> str:
    raw = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _address(value: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not value:
        return None
    return {"address": str(value.get("address", "")), "name": str(value.get("name", ""))}


def event_data(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What ``integrations.record.synced`` carries for a message (never the whole body)."""
    sent_at = doc.get("sent_at")
    return {
        "subject": doc.get("subject") or "",
        "from": _address(doc.get("sender")),
        "to": [_address(a) for a in (doc.get("to") or [])[:MAX_DATA_ADDRESSES]],
        "sent_at": sent_at.isoformat() if isinstance(sent_at, datetime) else None,
        "thread_id": doc.get("thread_id"),
        "mailbox": doc.get("mailbox"),
        "snippet": (doc.get("snippet") or "")[:MAX_SNIPPET],
        "has_attachments": bool(doc.get("has_attachments")),
    }


def _message_of(record: Any) -> MailMessage | None:
    if isinstance(record, MailMessage):
        return record
    if isinstance(record, Mapping):
        return MailMessage.model_validate(record)
    return None


class MailSink(StoreSink[MailStore]):
    kind = RecordKind.EMAIL

    async def upsert(
        self, scope: SyncScope, change: Change[Any], session: AsyncClientSession
    ) -> Applied | None:
        message = _message_of(change.record)
        if message is None:
            return None
        existing = await self._store.by_external_id(
            scope.user_id, scope.connection_id, change.external_id, session
        )
        return await self._upsert(scope, change, message, existing, session)

    async def recent(
        self, user_id: str, limit: int, session: AsyncClientSession
    ) -> list[tuple[str, Applied]]:
        """The user's newest messages as their sync applied them, each with its connection
        (``sync/catchup.py``)."""
        return [
            (doc["connection_id"], Applied(doc["_id"], Action.CREATED, event_data(doc)))
            for doc in await self._store.latest(user_id, limit, session)
            if doc.get("connection_id")
        ]

    async def remove(
        self, scope: SyncScope, external_id: str, session: AsyncClientSession
    ) -> Applied | None:
        existing = await self._store.by_external_id(
            scope.user_id, scope.connection_id, external_id, session
        )
        if existing is None:
            return None
        await self._store.delete(existing["_id"], session)
        return self._deleted(existing)

    @staticmethod
    def _deleted(doc: Mapping[str, Any]) -> Applied:
        return Applied(record_id=doc["_id"], action=Action.DELETED, data=event_data(doc))

    async def _upsert(
        self,
        scope: SyncScope,
        change: Change[Any],
        message: MailMessage,
        existing: Mapping[str, Any] | None,
        session: AsyncClientSession,
    ) -> Applied | None:
        now = datetime.now(UTC)
        content = content_of(message)
        content_digest = digest(content)
        stamp: Doc = {"generation": scope.generation} if scope.generation is not None else {}
        if existing is not None and (
            existing.get("digest") == content_digest
            and existing.get("collection_id") == change.collection_id
        ):
            if stamp and existing.get("generation") != scope.generation:
                await self._store.set(existing["_id"], stamp, session)
            return None
        derived: Doc = {
            "collection_id": change.collection_id,
            "etag": change.etag,
            "digest": content_digest,
            "sort_at": message.sent_at or message.received_at or now,
            "search_terms": search_terms(
                [
                    content["subject"],
                    content["sender"]["name"] if content["sender"] else "",
                    content["body"],
                ],
                [content["sender"]["address"]] if content["sender"] else [],
            ),
            "updated_at": now,
        }
        if existing is not None:
            await self._store.set(existing["_id"], {**content, **derived, **stamp}, session)
            doc = {**existing, **content}
            return Applied(record_id=existing["_id"], action=Action.UPDATED, data=event_data(doc))
        doc = {
            "_id": uuid.uuid4().hex,
            "user_id": scope.user_id,
            "connection_id": scope.connection_id,
            "external_id": change.external_id,
            "generation": scope.generation,
            "created_at": now,
            **content,
            **derived,
        }
        await self._store.insert(doc, session)
        return Applied(record_id=doc["_id"], action=Action.CREATED, data=event_data(doc))
