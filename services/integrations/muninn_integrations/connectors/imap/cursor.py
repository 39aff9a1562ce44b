"""The IMAP adapter's cursor: compact JSON, one entry per mailbox.

Per mailbox: ``uv`` UIDVALIDITY, ``u`` the highest UID delivered, ``ms`` HIGHESTMODSEQ when
the server offers CONDSTORE, ``c`` how many delivered messages each chunk of
``DELETION_CHUNK`` UIDs still holds, with the lowest and highest of their UIDs (chunk index
→ [count, lowest, highest]), and ``s`` the next UID a deletion
sweep looks at while one is under way.

Deletions without QRESYNC: the number of messages EXAMINE reports, compared with the sum of
``c``, says whether any delivered message went away; if so, each chunk whose count fell is
searched (``UID SEARCH UID lo:hi``, at most one chunk of UIDs) and every UID of it not found
between its lowest and highest is reported deleted. That can repeat a deletion reported
before (a UID gone earlier from the same chunk); deletes are idempotent by external id, and the cursor stays a few bytes per
thousand UIDs instead of a list of every UID.
"""

from __future__ import annotations

import json

from muninn_shared.strict import Strict
from pydantic import Field, ValidationError

from muninn_integrations.connectors.port import CursorExpiredError

CURSOR_VERSION = 1
DELETION_CHUNK = 1000


class MailboxCursor(Strict):
    uv: int
    u: int = 0
    ms: int | None = None
    c: dict[int, tuple[int, int, int]] = Field(default_factory=dict)
    s: int | None = None

    @property
    def delivered(self) -> int:
        return sum(count for count, _, _ in self.c.values())

    def delivered_one(self, uid: int) -> None:
        chunk = chunk_of(uid)
        count, lowest, highest = self.c.get(chunk, (0, uid, uid))
        self.c[chunk] = (count + 1, min(lowest, uid), max(highest, uid))

    def recount(self, chunk: int, present: set[int]) -> None:
        if present:
            self.c[chunk] = (len(present), min(present), max(present))
        else:
            self.c.pop(chunk, None)


class ImapCursor(Strict):
    v: int = CURSOR_VERSION
    m: dict[str, MailboxCursor] = Field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps(self.model_dump(exclude_none=True), separators=(",", ":"))

    @classmethod
    def decode(cls, cursor: str | None) -> ImapCursor:
        if cursor is None:
            return cls()
        try:
            decoded = cls.model_validate_json(cursor)
        except ValidationError:
            raise CursorExpiredError(
                "The mail sync position is unreadable; syncing again."
            ) from None
        if decoded.v != CURSOR_VERSION:
            raise CursorExpiredError("The mail sync position is outdated; syncing again.")
        return decoded


def chunk_of(uid: int) -> int:
    return (uid - 1) // DELETION_CHUNK


def chunk_bounds(chunk: int) -> tuple[int, int]:
    return chunk * DELETION_CHUNK + 1, (chunk + 1) * DELETION_CHUNK
