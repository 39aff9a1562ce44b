"""The IMAP connector (read-only mail): mailboxes as collections, new and deleted messages
as changes, paged by UID after a per-mailbox UIDVALIDITY + UID cursor (``cursor.py``).

A UIDVALIDITY change, or a synced mailbox gone from the server (or dropped from
``ImapOptions.mailboxes``), raises CursorExpiredError: the old UIDs name nothing any more and
only the caller's full sync (which sweeps what it no longer sees) can retire the records
under them.

Deletions are found by the counted sweep of ``cursor.py``, which works on every server.
QRESYNC's VANISHED is not used yet (pymap, the test server, offers neither CONDSTORE nor
QRESYNC, so that path could not be proven); HIGHESTMODSEQ is kept in the cursor for it. Flag
changes (seen, flagged) are not synced; a message moved between synced mailboxes arrives as
a deletion in one and a new message in the other.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from muninn_shared.logging import get_logger
from muninn_shared.outbound import OutboundGuard

from muninn_integrations.connectors.imap.client import ImapAccount, ImapOptions, ImapSession
from muninn_integrations.connectors.imap.cursor import ImapCursor, MailboxCursor
from muninn_integrations.connectors.imap.deletions import sweep_deletions
from muninn_integrations.connectors.imap.messages import fetch_new_messages
from muninn_integrations.connectors.imap.responses import ListedMailbox, MailboxStatus
from muninn_integrations.connectors.port import (
    Change,
    Collection,
    CursorExpiredError,
    RecordKind,
    SourceUnavailableError,
    SyncPage,
    WatchOutcome,
)
from muninn_integrations.mail.models import MailMessage

log = get_logger(__name__)

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class _Box:
    name: str
    status: MailboxStatus


class ImapConnector:
    """Connector[MailMessage] over one IMAP account. Calls on one instance run one at a time
    (one IMAP session); the session is opened on first use and kept until ``aclose``."""

    def __init__(
        self, account: ImapAccount, guard: OutboundGuard, options: ImapOptions | None = None
    ) -> None:
        self._account = account
        self._guard = guard
        self._options = options or ImapOptions()
        self._session: ImapSession | None = None
        self.skipped = 0

    @property
    def options(self) -> ImapOptions:
        return self._options

    def __repr__(self) -> str:
        return f"ImapConnector(host={self._account.host!r}, user={self._account.username!r})"

    async def check(self) -> list[Collection]:
        session = await self._connect()
        listed = await session.list_mailboxes()
        return [
            Collection(
                id=box.name,
                name=box.name,
                kind=RecordKind.EMAIL,
                read_only=True,
                extras={
                    "flags": " ".join(sorted(box.flags)),
                    "synced": str(box in self._chosen(listed)).lower(),
                },
            )
            for box in listed
            if box.selectable
        ]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[MailMessage]:
        state = ImapCursor.decode(cursor)
        limit = max(1, min(page_size, MAX_PAGE_SIZE))
        session = await self._connect()
        try:
            return await self._changes(session, state, limit)
        except SourceUnavailableError:
            await self.aclose()
            raise

    async def _changes(
        self, session: ImapSession, state: ImapCursor, limit: int
    ) -> SyncPage[MailMessage]:
        chosen = [box.name for box in self._chosen(await session.list_mailboxes())]
        gone = sorted(set(state.m) - set(chosen))
        if gone:
            raise CursorExpiredError("A synced mailbox is gone from the server; syncing again.")
        # A full sync's first page says how much is coming, for the job's progress.
        total = None
        if not state.m:
            total = sum([await session.message_count(name) for name in chosen])
        found: list[Change[MailMessage]] = []
        more = False
        for name in chosen:
            status = await session.examine(name)
            if status is None:
                raise CursorExpiredError("A synced mailbox is gone from the server; syncing again.")
            box_state = self._box_state(state, name, status)
            got, box_more = await self._box_changes(
                session, _Box(name, status), box_state, limit - len(found)
            )
            found.extend(got)
            if not box_more and status.highestmodseq is not None:
                box_state.ms = status.highestmodseq  # caught up to it, not merely shown it
            if box_more or len(found) >= limit:
                more = True
                break
        return SyncPage(changes=found, cursor=state.encode(), more=more, items_total=total)

    @staticmethod
    def _box_state(state: ImapCursor, name: str, status: MailboxStatus) -> MailboxCursor:
        known = state.m.get(name)
        if known is None:
            known = state.m[name] = MailboxCursor(uv=status.uidvalidity)
        elif known.uv != status.uidvalidity:
            log.info("imap.uidvalidity_changed")
            raise CursorExpiredError("The mailbox was rebuilt at the server; syncing again.")
        return known

    async def _box_changes(
        self, session: ImapSession, box: _Box, state: MailboxCursor, room: int
    ) -> tuple[list[Change[MailMessage]], bool]:
        batch = await fetch_new_messages(session, box.name, box.status, state, room, self._options)
        self.skipped += batch.skipped
        if batch.more or len(batch.changes) >= room:
            return batch.changes, True
        # Only once every new message is delivered does EXISTS compare with what we hold.
        if state.s is None and box.status.exists != state.delivered:
            state.s = 1
        if state.s is None:
            return batch.changes, False
        deleted, sweep_more = await sweep_deletions(
            session, box.name, state, room - len(batch.changes)
        )
        return [*batch.changes, *deleted], sweep_more

    async def idle(
        self,
        mailbox: str = "INBOX",
        *,
        timeout: float = 300.0,
        listening: asyncio.Event | None = None,
    ) -> WatchOutcome:
        """Wait for a message to arrive in or leave ``mailbox`` (IDLE), at most ``timeout``
        seconds; UNSUPPORTED at once when the server has no IDLE (poll instead).
        ``listening`` is set once the server listens: what arrives after it wakes the wait."""
        session = await self._connect()
        if "IDLE" not in session.capabilities:
            return WatchOutcome.UNSUPPORTED
        if await session.examine(mailbox) is None:
            raise CursorExpiredError("The mailbox is gone from the server; syncing again.")
        try:
            changed = await session.idle(timeout, listening)
        except SourceUnavailableError:
            await self.aclose()
            raise
        return WatchOutcome.CHANGED if changed else WatchOutcome.TIMEOUT

    async def wait_for_change(
        self, *, timeout: float, listening: asyncio.Event | None = None
    ) -> WatchOutcome:
        """New mail lands in the first synced mailbox (the inbox by default): that one is
        watched."""
        session = await self._connect()
        chosen = self._chosen(await session.list_mailboxes())
        if not chosen:
            raise CursorExpiredError("No synced mailbox is left on the server; syncing again.")
        return await self.idle(chosen[0].name, timeout=timeout, listening=listening)

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _chosen(self, listed: list[ListedMailbox]) -> list[ListedMailbox]:
        chosen: list[ListedMailbox] = []
        for wanted in self._options.mailboxes:
            for box in listed:
                if box.selectable and box not in chosen and _matches(box, wanted):
                    chosen.append(box)
        return chosen

    async def _connect(self) -> ImapSession:
        if self._session is not None and self._session.usable:
            return self._session
        await self.aclose()
        self._session = await ImapSession.open(self._account, self._options, self._guard)
        return self._session


def _matches(box: ListedMailbox, wanted: str) -> bool:
    if wanted.startswith("\\"):
        return wanted.lower() in box.flags
    if wanted.upper() == "INBOX":
        return box.name.upper() == "INBOX"
    return box.name == wanted
