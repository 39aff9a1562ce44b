"""A mail message as Muninn keeps it, normalized from any source (seed 001 ``emails``).

The seed's columns map as: ``subject``, ``body`` (plain text, bounded), ``sender``,
``recipients`` (To then Cc), ``email_id`` (the Message-ID header), ``thread_id`` and
``metadata``; the typed fields beside them are what the seed folds into ``metadata``.
Attachments are described (name, type, size), never stored.
"""

from __future__ import annotations

from datetime import datetime

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, ConfigDict, Field


class MailAddress(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str
    name: str = ""


class Attachment(BaseModel):
    model_config = ConfigDict(frozen=True)

    filename: str | None
    content_type: str
    size: int = Field(ge=0, description="Bytes of the decoded content, as received.")


class MailMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    external_id: str = Field(description="Stable at the source: IMAP mailbox/UIDVALIDITY/UID.")
    mailbox: str
    uid: int
    uidvalidity: int
    email_id: str | None = Field(default=None, description="Message-ID, without brackets.")
    thread_id: str
    subject: str = ""
    sender: MailAddress | None = None
    to: list[MailAddress] = Field(default_factory=list)
    cc: list[MailAddress] = Field(default_factory=list)
    sent_at: datetime | None = Field(default=None, description="The Date header.")
    received_at: datetime | None = Field(default=None, description="When the server got it.")
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    body: str = ""
    body_truncated: bool = False
    truncated: bool = Field(
        default=False,
        description="Too large to fetch whole: headers and the leading text only.",
    )
    attachments: list[Attachment] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    size: int = 0
    metadata: dict[str, str] = Field(default_factory=dict)

    @property
    def recipients(self) -> list[MailAddress]:
        return [*self.to, *self.cc]


# --- What the mail API answers ----------------------------------------------------------------


class MailSummary(BaseModel):
    """A message in a list: everything but the body (a short snippet of it instead)."""

    id: str
    connection_id: str
    mailbox: str
    thread_id: str
    email_id: str | None = None
    subject: str = ""
    sender: MailAddress | None = None
    to: list[MailAddress] = Field(default_factory=list)
    cc: list[MailAddress] = Field(default_factory=list)
    sent_at: datetime | None = None
    received_at: datetime | None = None
    snippet: str = ""
    flags: list[str] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    has_attachments: bool = False
    size: int = 0
    created_at: datetime
    updated_at: datetime


class MailMessageDetail(MailSummary):
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    body: str = ""
    body_truncated: bool = False


class MailPage(CursorPage[MailSummary]):
    pass
