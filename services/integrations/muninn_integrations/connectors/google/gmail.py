"""Gmail (API v1, ``gmail.readonly``): the inbox and sent mail mirrored as the IMAP adapter
mirrors them, each message fetched raw and read by the same MIME parser within the same
size limits.

A full sync lists the messages (``messages.list``) after noting the mailbox's history id;
later syncs read ``history.list`` from the saved history id. Google keeps history for about
a week: an older id answers 404, and the sync starts over in full.

Cursor: ``{"p": "mail", "h": historyId, "hp": history pageToken}`` between syncs, or
``{"p": "mail", "full": 1, "start": historyId, "page": pageToken}`` during a full listing.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from muninn_shared.logging import get_logger

from muninn_integrations.connectors.google.api import GoogleApi, ResponseTooLargeError
from muninn_integrations.connectors.google.cursor import decode_cursor, encode_cursor
from muninn_integrations.connectors.imap import ImapOptions, parse_message
from muninn_integrations.connectors.imap.mime import clean
from muninn_integrations.connectors.port import (
    Change,
    Collection,
    CursorExpiredError,
    RecordKind,
    SyncPage,
)
from muninn_integrations.mail.models import MailMessage

log = get_logger(__name__)

PRODUCT = "mail"
COLLECTION_ID = "gmail"
# The IMAP adapter's default mailboxes: the inbox and sent mail.
QUERY = "in:inbox OR in:sent"
WANTED_LABELS = ("INBOX", "SENT")
MAX_PAGE = 500  # messages.list and history.list maxima
_HISTORY_TYPES = ["messageAdded", "messageDeleted", "labelAdded", "labelRemoved"]
_JSON_SLACK = 64 * 1024
# Messages are fetched one request each: a few at a time, well under Gmail's per-user limits.
FETCH_CONCURRENCY = 8


def gmail_external_id(message_id: str) -> str:
    return f"gmail/{message_id}"


def _thread_number(thread_id: str) -> str:
    """Gmail's thread id as IMAP's X-GM-THRID (the same number, in decimal), so a thread
    reads the same whichever way the mailbox was connected."""
    try:
        return str(int(thread_id, 16))
    except ValueError:
        return thread_id


def _raw_bytes(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""


def message_from_gmail(
    item: dict[str, Any], raw: bytes, options: ImapOptions, *, truncated: bool = False
) -> MailMessage:
    """A Gmail message (``format=raw``, or headers only when ``truncated``) as the IMAP
    adapter would have stored it."""
    parsed = parse_message(raw, options.mime)
    message_id = str(item["id"])
    labels = {str(label) for label in item.get("labelIds", []) or []}
    mailbox = next((label for label in WANTED_LABELS if label in labels), None)
    mailbox = mailbox or (sorted(labels)[0] if labels else "ALL")
    thread = _thread_number(str(item.get("threadId") or message_id))
    metadata = {"gmail_id": message_id, "gmail_thread_id": thread}
    if labels:
        metadata["gmail_labels"] = ",".join(sorted(labels))[:500]
    if parsed.defects:
        metadata["defects"] = "; ".join(dict.fromkeys(parsed.defects))[:500]
    flags = [] if "UNREAD" in labels else ["\\Seen"]
    if "STARRED" in labels:
        flags.append("\\Flagged")
    received = item.get("internalDate")
    return MailMessage(
        external_id=gmail_external_id(message_id),
        mailbox=clean(mailbox)[:200],
        uid=0,
        uidvalidity=0,
        thread_id=f"gm:{thread}",
        received_at=datetime.fromtimestamp(int(str(received)) / 1000, UTC)
        if str(received or "").isdigit()
        else None,
        flags=flags,
        size=int(item.get("sizeEstimate") or len(raw)),
        metadata=metadata,
        **parsed.stored_fields(truncated=truncated),
    )


def headers_as_raw(item: dict[str, Any], limit: int) -> bytes:
    """A message's header block from ``format=metadata`` (for one too large to fetch whole),
    with Google's snippet as the leading text."""
    lines: list[str] = []
    for header in (item.get("payload") or {}).get("headers", []) or []:
        if isinstance(header, dict) and header.get("name"):
            value = str(header.get("value", "")).replace("\r", " ").replace("\n", " ")
            lines.append(f"{header['name']}: {value}")
    snippet = str(item.get("snippet", ""))
    text = "\r\n".join(lines) + "\r\n\r\n" + snippet
    return text.encode("utf-8", errors="replace")[:limit]


class GoogleMail:
    def __init__(self, api: GoogleApi, base_url: str, options: ImapOptions | None = None) -> None:
        self._api = api
        self._base = base_url.rstrip("/") + "/users/me"
        self._options = options or ImapOptions()
        self._profile: dict[str, Any] | None = None

    async def profile(self) -> dict[str, Any]:
        if self._profile is None:
            self._profile = await self._api.get_json(f"{self._base}/profile")
        return self._profile

    async def account(self) -> str | None:
        address = (await self.profile()).get("emailAddress")
        return str(address) if address else None

    async def check(self) -> list[Collection]:
        await self.profile()
        return [Collection(id=COLLECTION_ID, name="Gmail", kind=RecordKind.EMAIL, read_only=True)]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[MailMessage]:
        state = decode_cursor(cursor, PRODUCT)
        limit = max(1, min(page_size, MAX_PAGE))
        if state is None or state.get("full"):
            return await self._listing(state or {}, limit)
        return await self._history(state, limit)

    async def _listing(self, state: dict[str, Any], limit: int) -> SyncPage[MailMessage]:
        # The history id is taken before listing: what changes during the listing is read
        # from history afterwards (seen twice at worst, never missed).
        start = state.get("start") or (await self.profile()).get("historyId")
        answer = await self._api.get_json(
            f"{self._base}/messages",
            {"q": QUERY, "maxResults": limit, "pageToken": state.get("page")},
        )
        ids = [str(m["id"]) for m in answer.get("messages", []) or [] if isinstance(m, dict)]
        changes = await self._changes_of(ids)
        if answer.get("nextPageToken"):
            following: dict[str, Any] = {"full": 1, "start": start, "page": answer["nextPageToken"]}
            return SyncPage(changes=changes, cursor=encode_cursor(following, PRODUCT), more=True)
        return SyncPage(changes=changes, cursor=encode_cursor({"h": start}, PRODUCT))

    async def _history(self, state: dict[str, Any], limit: int) -> SyncPage[MailMessage]:
        start = state.get("h")
        if not start:
            raise CursorExpiredError("The saved mail position is unreadable; syncing in full.")
        reply = await self._api.call(
            "GET",
            f"{self._base}/history",
            params={
                "startHistoryId": start,
                "maxResults": limit,
                "pageToken": state.get("hp"),
                "historyTypes": _HISTORY_TYPES,
            },
            allow=frozenset({404}),
        )
        if reply.status == 404:
            raise CursorExpiredError("Gmail no longer keeps history that old; syncing in full.")
        answer = reply.json()
        touched: dict[str, bool] = {}  # message id → deleted
        for record in answer.get("history", []) or []:
            if not isinstance(record, dict):
                continue
            for key in ("messagesAdded", "labelsAdded", "labelsRemoved", "messagesDeleted"):
                for entry in record.get(key, []) or []:
                    message = entry.get("message") if isinstance(entry, dict) else None
                    if isinstance(message, dict) and message.get("id"):
                        touched[str(message["id"])] = key == "messagesDeleted"
        fetched = iter(await self._changes_of([m for m, deleted in touched.items() if not deleted]))
        changes = [
            self._deletion(message_id) if deleted else next(fetched)
            for message_id, deleted in touched.items()
        ]
        if answer.get("nextPageToken"):
            following: dict[str, Any] = {"h": start, "hp": answer["nextPageToken"]}
            return SyncPage(changes=changes, cursor=encode_cursor(following, PRODUCT), more=True)
        latest = answer.get("historyId") or start
        return SyncPage(changes=changes, cursor=encode_cursor({"h": latest}, PRODUCT))

    async def _changes_of(self, ids: list[str]) -> list[Change[MailMessage]]:
        """Each message as it is now, in the order given."""
        gate = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def one(message_id: str) -> Change[MailMessage]:
            async with gate:
                return await self._change(message_id)

        results = await asyncio.gather(*(one(m) for m in ids), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return [r for r in results if not isinstance(r, BaseException)]

    def _deletion(self, message_id: str) -> Change[MailMessage]:
        return Change(RecordKind.EMAIL, gmail_external_id(message_id), COLLECTION_ID, None)

    async def _change(self, message_id: str) -> Change[MailMessage]:
        """The message as it is now; a deletion when it is gone or left the inbox and sent
        mail (archived, trashed)."""
        url = f"{self._base}/messages/{quote(message_id, safe='')}"
        # Base64 grows a message by a third; the JSON around it is small.
        cap = self._options.max_message_bytes * 4 // 3 + _JSON_SLACK
        try:
            reply = await self._api.call(
                "GET", url, params={"format": "raw"}, allow=frozenset({404}), max_bytes=cap
            )
            truncated = False
        except ResponseTooLargeError:
            reply = await self._api.call(
                "GET", url, params={"format": "metadata"}, allow=frozenset({404})
            )
            truncated = True
        if reply.status == 404:
            return self._deletion(message_id)
        item = reply.json()
        labels = set(item.get("labelIds", []) or [])
        if not labels & set(WANTED_LABELS) or labels & {"TRASH", "SPAM"}:
            return self._deletion(message_id)
        if truncated:
            limit = self._options.truncated_header_bytes + self._options.truncated_text_bytes
            raw = headers_as_raw(item, limit)
        else:
            raw = _raw_bytes(str(item.get("raw", "")))
        record = message_from_gmail(item, raw, self._options, truncated=truncated)
        return Change(
            RecordKind.EMAIL,
            record.external_id,
            COLLECTION_ID,
            record,
            etag=str(item.get("historyId") or "") or None,
        )
