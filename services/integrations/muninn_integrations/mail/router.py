"""/v1/mail: the user's mail, mirrored read-only from their mailboxes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from muninn_shared.pagination import PageCursor, PageLimit

from muninn_integrations.deps import CurrentCaller, PathId
from muninn_integrations.mail.models import MailMessageDetail, MailPage

router = APIRouter(prefix="/v1/mail", tags=["mail"])

ThreadId = Annotated[str, Path(min_length=1, max_length=1000)]


@router.get("/messages", summary="Your messages, newest first; q= searches subject, sender, body")
async def list_messages(
    caller: CurrentCaller,
    limit: PageLimit = 50,
    cursor: PageCursor = None,
    q: Annotated[str | None, Query(max_length=200, description="Words to find")] = None,
    thread_id: Annotated[str | None, Query(min_length=1, max_length=1000)] = None,
    connection_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    mailbox: Annotated[str | None, Query(min_length=1, max_length=1000)] = None,
) -> MailPage:
    return await caller.services.mail.page(
        caller.user_id,
        limit=limit,
        cursor=cursor,
        q=q,
        thread_id=thread_id,
        connection_id=connection_id,
        mailbox=mailbox,
    )


@router.get("/messages/{message_id}", summary="One message, with its text")
async def get_message(message_id: PathId, caller: CurrentCaller) -> MailMessageDetail:
    return await caller.services.mail.get(caller.user_id, message_id)


@router.get("/threads/{thread_id:path}", summary="The messages of a thread, oldest first")
async def get_thread(
    thread_id: ThreadId,
    caller: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    cursor: PageCursor = None,
) -> MailPage:
    return await caller.services.mail.thread(caller.user_id, thread_id, limit=limit, cursor=cursor)
