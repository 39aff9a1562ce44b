"""New messages of one mailbox: the UIDs after the cursor found in growing UID windows, then
fetched in batches bounded in bytes; a message over the size limit brings its header and
the leading bytes of its body only (enough for the first text part), marked truncated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from muninn_shared.logging import get_logger

from muninn_integrations.connectors.imap.client import ImapOptions, ImapSession
from muninn_integrations.connectors.imap.cursor import MailboxCursor
from muninn_integrations.connectors.imap.mime import clean, parse_message
from muninn_integrations.connectors.imap.responses import FetchedMessage, MailboxStatus
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.mail.models import MailMessage

log = get_logger(__name__)

MAX_WINDOWS = 32
_ATTRIBUTES = "UID RFC822.SIZE FLAGS INTERNALDATE"


@dataclass
class NewMessages:
    changes: list[Change[MailMessage]] = field(default_factory=list)
    more: bool = False
    skipped: int = 0


def external_id(mailbox: str, uidvalidity: int, uid: int) -> str:
    return f"{mailbox}/{uidvalidity}/{uid}"


async def fetch_new_messages(
    session: ImapSession,
    mailbox: str,
    status: MailboxStatus,
    state: MailboxCursor,
    room: int,
    options: ImapOptions,
) -> NewMessages:
    sizes, scanned_to, more = await _next_uids(session, state.u, status.uidnext, room)
    result = NewMessages(more=more)
    if not sizes:
        state.u = max(state.u, scanned_to)
        return result
    fetched = await _fetch_bodies(session, sizes, options)
    for uid in sizes:
        item = fetched.get(uid)
        state.u = max(state.u, uid)
        if item is None:  # expunged since the UIDs were listed
            continue
        state.delivered_one(uid)
        try:
            message = build_message(mailbox, state.uv, item, options)
        except Exception as exc:
            result.skipped += 1
            log.warning("imap.message_skipped", uid=uid, error=type(exc).__name__)
            continue
        result.changes.append(
            Change(
                kind=RecordKind.EMAIL,
                external_id=message.external_id,
                collection_id=mailbox,
                record=message,
            )
        )
    if not more:
        state.u = max(state.u, scanned_to)
    return result


async def _next_uids(
    session: ImapSession, after: int, uidnext: int | None, room: int
) -> tuple[dict[int, int], int, bool]:
    """Up to ``room`` UIDs after ``after`` with their sizes, the highest UID looked at, and
    whether more may follow."""
    low = after + 1
    if uidnext is not None and low >= uidnext:
        return {}, after, False
    found: dict[int, int] = {}
    span = max(room + 1, 64)
    high = after
    for _ in range(MAX_WINDOWS):
        high = low + span - 1 if uidnext is not None else 0
        if uidnext is not None:
            high = min(high, uidnext - 1)
        window = f"{low}:{high}" if uidnext is not None else f"{low}:*"
        for item in await session.uid_fetch(window, "(UID RFC822.SIZE)"):
            if item.uid >= low and (uidnext is None or item.uid <= high):
                found[item.uid] = item.size or 0
        if len(found) > room:
            chosen = sorted(found)[:room]
            return {uid: found[uid] for uid in chosen}, chosen[-1], True
        if uidnext is None:
            return dict(sorted(found.items())), max(found, default=after), False
        if high >= uidnext - 1:
            return dict(sorted(found.items())), high, False
        low, span = high + 1, span * 2
    return dict(sorted(found.items())), high, True


async def _fetch_bodies(
    session: ImapSession, sizes: dict[int, int], options: ImapOptions
) -> dict[int, FetchedMessage]:
    fetched: dict[int, FetchedMessage] = {}
    extra = " X-GM-THRID" if "X-GM-EXT-1" in session.capabilities else ""
    whole = f"({_ATTRIBUTES}{extra} BODY.PEEK[])"
    partial = (
        f"({_ATTRIBUTES}{extra} BODY.PEEK[HEADER]<0.{options.truncated_header_bytes}>"
        f" BODY.PEEK[TEXT]<0.{options.truncated_text_bytes}>)"
    )
    batch: list[int] = []
    batch_bytes = 0
    for uid, size in sizes.items():
        if size > options.max_message_bytes:
            for item in await session.uid_fetch([uid], partial):
                fetched[item.uid] = item
            continue
        if batch and batch_bytes + size > options.fetch_batch_bytes:
            fetched.update({item.uid: item for item in await session.uid_fetch(batch, whole)})
            batch, batch_bytes = [], 0
        batch.append(uid)
        batch_bytes += size
    if batch:
        fetched.update({item.uid: item for item in await session.uid_fetch(batch, whole)})
    return {uid: item for uid, item in fetched.items() if uid in sizes}


def build_message(
    mailbox: str, uidvalidity: int, item: FetchedMessage, options: ImapOptions
) -> MailMessage:
    truncated = "" not in item.sections
    if truncated:
        header = item.sections.get("HEADER", b"")
        if not header.endswith(b"\r\n\r\n") and not header.endswith(b"\n\n"):
            header += b"\r\n\r\n"  # cut inside the header: end it where it was cut
        raw = header + item.sections.get("TEXT", b"")
    else:
        raw = item.sections[""]
    parsed = parse_message(raw, options.mime)
    identity = external_id(mailbox, uidvalidity, item.uid)
    metadata: dict[str, str] = {}
    if item.gmail_thread_id:
        metadata["gmail_thread_id"] = item.gmail_thread_id
    if parsed.defects:
        metadata["defects"] = "; ".join(dict.fromkeys(parsed.defects))[:500]
    thread = f"gm:{item.gmail_thread_id}" if item.gmail_thread_id else parsed.thread_root
    return MailMessage(
        external_id=identity,
        mailbox=mailbox,
        uid=item.uid,
        uidvalidity=uidvalidity,
        thread_id=thread or identity,
        received_at=_internaldate(item.internaldate),
        flags=[clean(flag)[:64] for flag in item.flags[:32]],
        size=item.size or len(raw),
        metadata=metadata,
        **parsed.stored_fields(truncated=truncated),
    )


def _internaldate(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None
