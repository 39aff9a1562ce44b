"""The connector port: what every protocol adapter (CalDAV, CardDAV, IMAP, ICS, Google) offers.

A sync asks an adapter for the changes since an opaque cursor, one page at a time, applies
the page idempotently (keyed by user, connection and external id) and only then saves the
page's cursor. A replica killed between two pages resumes from the last saved cursor: it
may see a page again, never skip one. ``cursor=None`` asks for everything (a full sync).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, Protocol, TypeVar, runtime_checkable

RecordT = TypeVar("RecordT")


class RecordKind(StrEnum):
    CALENDAR_EVENT = "calendar_event"
    CONTACT = "contact"
    EMAIL = "email"
    INTERACTION = "interaction"  # derived here: an e-mail or meeting with a known contact
    CONTACT_MEMORY = "contact_memory"  # derived here: a briefing, summary or talking point


@dataclass(frozen=True)
class Change(Generic[RecordT]):
    """One record created, updated or deleted at the source.

    ``external_id`` is stable at the source for the record's life (a DAV href, an IMAP
    ``mailbox/UIDVALIDITY/UID``, a Google id); ``collection_id`` names the calendar, address
    book or mailbox it lives in. A deletion carries no record.
    """

    kind: RecordKind
    external_id: str
    collection_id: str
    record: RecordT | None
    etag: str | None = None

    @property
    def deleted(self) -> bool:
        return self.record is None


@dataclass(frozen=True)
class SyncPage(Generic[RecordT]):
    """Changes to apply, then ``cursor`` to save; ``more`` says another page follows now."""

    changes: Sequence[Change[RecordT]]
    cursor: str
    more: bool = False
    items_total: int | None = None  # when the source says how many a full sync will bring


@dataclass(frozen=True)
class Collection:
    """A calendar, address book or mailbox found at the source."""

    id: str
    name: str
    kind: RecordKind
    read_only: bool = False
    extras: dict[str, str] = field(default_factory=dict)


class ConnectorError(Exception):
    """Base of what an adapter raises; ``public_message`` is safe to show the user."""

    def __init__(self, public_message: str) -> None:
        super().__init__(public_message)
        self.public_message = public_message


class CredentialsRejectedError(ConnectorError):
    """The source refused the credentials (401/403, AUTHENTICATIONFAILED): the user must act;
    the connection turns ``expired`` and sync stops retrying."""


class SourceUnavailableError(ConnectorError):
    """The source is down, slow or rate-limiting (5xx, 429, timeouts): retry later."""

    def __init__(self, public_message: str, *, retry_after: float | None = None) -> None:
        super().__init__(public_message)
        self.retry_after = retry_after


class CursorExpiredError(ConnectorError):
    """The source no longer knows the cursor (410, UIDVALIDITY changed): sync again in full."""


class SourceRejectedError(ConnectorError):
    """The source refused a write (412 precondition failed, 403 read-only calendar, bad data)."""


class AddressRefusedError(SourceRejectedError):
    """The outbound guard refused the server's address (a private network not allow-listed)."""


class Connector(Protocol[RecordT]):
    async def check(self) -> list[Collection]:
        """Reach the source with the credentials; the collections it offers."""
        ...

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[RecordT]:
        """The next page of changes after ``cursor`` (everything when None)."""
        ...

    async def aclose(self) -> None: ...


class WatchOutcome(StrEnum):
    CHANGED = "changed"  # the source says something changed: sync now
    TIMEOUT = "timeout"  # nothing happened in the time given: wait again
    UNSUPPORTED = "unsupported"  # the source cannot push: the schedule polls it instead


@runtime_checkable
class Watchable(Protocol):
    """An adapter whose source can tell it about changes as they happen (IMAP IDLE)."""

    async def wait_for_change(
        self, *, timeout: float, listening: asyncio.Event | None = None
    ) -> WatchOutcome:
        """Wait at most ``timeout`` seconds for a change; ``listening`` is set once the source
        listens, so a change made after it is never missed."""
        ...


@runtime_checkable
class RevocableConnector(Protocol):
    """A connector whose grant can be revoked at the source (OAuth): on disconnect."""

    async def revoke(self) -> None: ...
