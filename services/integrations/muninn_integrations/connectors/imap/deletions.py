"""Deleted messages without QRESYNC: chunk by chunk, the UIDs the server still has against
how many the cursor says it held (see ``cursor.py`` for why a chunk's missing UIDs are all
reported)."""

from __future__ import annotations

from muninn_integrations.connectors.imap.client import ImapSession
from muninn_integrations.connectors.imap.cursor import MailboxCursor, chunk_bounds, chunk_of
from muninn_integrations.connectors.imap.messages import external_id
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.mail.models import MailMessage

MAX_CHUNKS_PER_PAGE = 50


async def sweep_deletions(
    session: ImapSession, mailbox: str, state: MailboxCursor, room: int
) -> tuple[list[Change[MailMessage]], bool]:
    """Deletions found from ``state.s`` on, at most ``room``; True when the sweep goes on."""
    deleted: list[Change[MailMessage]] = []
    searched = 0
    while state.s is not None and state.s <= state.u:
        chunk = chunk_of(state.s)
        held = state.c.get(chunk)
        if held is None:
            following = [index for index in state.c if index > chunk]
            state.s = chunk_bounds(min(following))[0] if following else None
            continue
        if len(deleted) >= room or searched >= MAX_CHUNKS_PER_PAGE:
            return deleted, True
        count, lowest, highest = held
        present = set(await session.uid_search(lowest, highest))
        searched += 1
        if len(present) < count:
            for uid in range(max(state.s, lowest), highest + 1):
                if uid in present:
                    continue
                if len(deleted) >= room:
                    state.s = uid
                    return deleted, True
                deleted.append(
                    Change(
                        kind=RecordKind.EMAIL,
                        external_id=external_id(mailbox, state.uv, uid),
                        collection_id=mailbox,
                        record=None,
                    )
                )
        state.recount(chunk, present)
        state.s = chunk_bounds(chunk)[1] + 1
    state.s = None
    return deleted, False
