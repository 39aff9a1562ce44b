"""Mail in MongoDB: ``mail_messages``, a read-only mirror of the user's mailboxes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from muninn_shared.pagination import after_cursor, one_page
from muninn_shared.storage.indexes import ensure_index
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_integrations.mail.models import MailMessageDetail, MailSummary
from muninn_integrations.synced_records import (
    delete_connection_records,
    ensure_synced_indexes,
    stale_external_ids,
)

MAIL_MESSAGES = "mail_messages"
SORT = "sort_at"  # the Date header, else when the server got it, else when Muninn did

Doc = dict[str, Any]
_SUMMARY_FIELDS = set(MailSummary.model_fields) - {"id"}
_DETAIL_FIELDS = set(MailMessageDetail.model_fields) - {"id"}
SUMMARY_PROJECTION = {"body": 0, "search_terms": 0}


def summary_from_doc(doc: Mapping[str, Any]) -> MailSummary:
    return MailSummary(id=doc["_id"], **{k: v for k, v in doc.items() if k in _SUMMARY_FIELDS})


def detail_from_doc(doc: Mapping[str, Any]) -> MailMessageDetail:
    return MailMessageDetail(id=doc["_id"], **{k: v for k, v in doc.items() if k in _DETAIL_FIELDS})


class MailStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self._messages = db[MAIL_MESSAGES]

    async def ensure_indexes(self) -> None:
        await ensure_synced_indexes(self._messages)
        await ensure_index(
            self._messages, [("user_id", ASCENDING), (SORT, DESCENDING), ("_id", DESCENDING)]
        )
        await ensure_index(
            self._messages, [("user_id", ASCENDING), ("thread_id", ASCENDING), (SORT, ASCENDING)]
        )
        await ensure_index(self._messages, [("user_id", ASCENDING), ("search_terms", ASCENDING)])

    async def by_external_id(
        self, user_id: str, connection_id: str, external_id: str, session: AsyncClientSession
    ) -> Doc | None:
        return await self._messages.find_one(
            {"user_id": user_id, "connection_id": connection_id, "external_id": external_id},
            {"body": 0, "search_terms": 0},
            session=session,
        )

    async def latest(self, user_id: str, limit: int, session: AsyncClientSession) -> list[Doc]:
        """The user's ``limit`` newest messages, without bodies."""
        found = self._messages.find({"user_id": user_id}, SUMMARY_PROJECTION, session=session)
        sort = [(SORT, DESCENDING), ("_id", DESCENDING)]
        return await found.sort(sort).limit(limit).to_list(limit)

    async def insert(self, doc: Doc, session: AsyncClientSession) -> None:
        await self._messages.insert_one(doc, session=session)

    async def set(
        self, message_id: str, changes: Mapping[str, Any], session: AsyncClientSession
    ) -> None:
        await self._messages.update_one(
            {"_id": message_id}, {"$set": dict(changes)}, session=session
        )

    async def delete(self, message_id: str, session: AsyncClientSession) -> None:
        await self._messages.delete_one({"_id": message_id}, session=session)

    async def stale(
        self, user_id: str, connection_id: str, generation: str, session: AsyncClientSession
    ) -> list[str]:
        """External ids of the connection's messages not stamped ``generation``."""
        return await stale_external_ids(self._messages, user_id, connection_id, generation, session)

    async def purge_connection(
        self, user_id: str, connection_id: str, session: AsyncClientSession
    ) -> list[str]:
        """Delete the connection's messages; their ids."""
        return await delete_connection_records(self._messages, user_id, connection_id, session)

    async def get(self, user_id: str, message_id: str) -> MailMessageDetail | None:
        doc = await self._messages.find_one(
            {"_id": message_id, "user_id": user_id}, {"search_terms": 0}
        )
        return detail_from_doc(doc) if doc is not None else None

    async def page(
        self, user_id: str, query: Mapping[str, Any], *, limit: int, cursor: str | None
    ) -> tuple[list[MailSummary], str | None]:
        """Newest first, without bodies (a list never reads the 200 KB of each message)."""
        found = self._messages.find(
            after_cursor({**query, "user_id": user_id}, cursor, field=SORT), SUMMARY_PROJECTION
        )
        docs = await found.sort([(SORT, DESCENDING), ("_id", DESCENDING)]).to_list(limit + 1)
        return one_page(docs, limit, summary_from_doc, field=SORT)

    async def thread(
        self, user_id: str, thread_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[MailSummary], str | None]:
        """A thread's messages, oldest first."""
        query = {"user_id": user_id, "thread_id": thread_id}
        found = self._messages.find(
            after_cursor(query, cursor, field=SORT, oldest_first=True), SUMMARY_PROJECTION
        )
        docs = await found.sort([(SORT, ASCENDING), ("_id", ASCENDING)]).to_list(limit + 1)
        return one_page(docs, limit, summary_from_doc, field=SORT)
