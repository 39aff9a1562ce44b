"""Read the user's mirrored mail: list and search, one message, one thread."""

from __future__ import annotations

from typing import Any

from muninn_shared.problems import not_found, or_not_found

from muninn_integrations.mail.models import MailMessageDetail, MailPage
from muninn_integrations.mail.search import search_condition
from muninn_integrations.mail.store import MailStore


class MailService:
    def __init__(self, store: MailStore) -> None:
        self._store = store

    async def page(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        q: str | None = None,
        thread_id: str | None = None,
        connection_id: str | None = None,
        mailbox: str | None = None,
    ) -> MailPage:
        query: dict[str, Any] = {}
        if thread_id is not None:
            query["thread_id"] = thread_id
        if connection_id is not None:
            query["connection_id"] = connection_id
        if mailbox is not None:
            query["mailbox"] = mailbox
        if q and q.strip():
            query.update(search_condition(q))
        items, next_cursor = await self._store.page(user_id, query, limit=limit, cursor=cursor)
        return MailPage(items=items, next_cursor=next_cursor)

    async def get(self, user_id: str, message_id: str) -> MailMessageDetail:
        return or_not_found(await self._store.get(user_id, message_id), "Message")

    async def thread(
        self, user_id: str, thread_id: str, *, limit: int, cursor: str | None
    ) -> MailPage:
        items, next_cursor = await self._store.thread(
            user_id, thread_id, limit=limit, cursor=cursor
        )
        if not items and cursor is None:
            raise not_found("Thread")
        return MailPage(items=items, next_cursor=next_cursor)
