"""MIME messages to the fields Muninn keeps, with the stdlib ``email`` package.

Hostile input is expected: every header read can fail on its own, nesting is walked
iteratively to a bounded depth, text is cut to bounded lengths, undecodable bytes and
unknown charsets become U+FFFD. Attachments are described, never kept.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from typing import Any

from muninn_integrations.connectors.imap.html_text import collapse_whitespace, html_to_text
from muninn_integrations.mail.models import Attachment, MailAddress

_MESSAGE_ID = re.compile(r"<([^<>\s]{1,500})>")


@dataclass(frozen=True)
class MimeLimits:
    max_body_chars: int = 100_000
    max_subject_chars: int = 1_000
    max_addresses: int = 100
    max_references: int = 50
    max_parts: int = 500
    max_depth: int = 30
    max_attachments: int = 100


@dataclass(frozen=True)
class ParsedMail:
    subject: str = ""
    sender: MailAddress | None = None
    to: list[MailAddress] = field(default_factory=list)
    cc: list[MailAddress] = field(default_factory=list)
    sent_at: datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    body: str = ""
    body_truncated: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    def stored_fields(self, *, truncated: bool) -> dict[str, Any]:
        """What a stored ``MailMessage`` takes from the message's own text, whichever source
        fetched it; ``truncated``: only its head was fetched."""
        return {
            "email_id": self.message_id,
            "subject": self.subject,
            "sender": self.sender,
            "to": self.to,
            "cc": self.cc,
            "sent_at": self.sent_at,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "body": self.body,
            "body_truncated": self.body_truncated or truncated,
            "truncated": truncated,
            "attachments": self.attachments,
        }

    @property
    def thread_root(self) -> str | None:
        """The first message of the conversation as the headers tell it."""
        if self.references:
            return self.references[0]
        return self.in_reply_to or self.message_id


def parse_message(raw: bytes, limits: MimeLimits | None = None) -> ParsedMail:
    limits = limits or MimeLimits()
    defects: list[str] = []
    message: Message
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
    except RecursionError:
        # The parser recurses once per nesting level; keep the headers at least.
        message = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
        defects.append("nesting too deep; body not read")
        return _parsed(message, limits, defects, read_body=False)
    return _parsed(message, limits, defects, read_body=True)


def _parsed(
    message: Message, limits: MimeLimits, defects: list[str], *, read_body: bool
) -> ParsedMail:
    senders = _addresses(message, "from", limits)
    body, body_truncated, attachments = "", False, list[Attachment]()
    if read_body:
        body, body_truncated, attachments = _body_and_attachments(message, limits, defects)
    return ParsedMail(
        subject=clean(_header_text(message, "subject"))[: limits.max_subject_chars],
        sender=senders[0] if senders else None,
        to=_addresses(message, "to", limits),
        cc=_addresses(message, "cc", limits),
        sent_at=_date(message),
        message_id=_first_id(_raw_header(message, "message-id")),
        in_reply_to=_first_id(_raw_header(message, "in-reply-to")),
        references=_MESSAGE_ID.findall(_raw_header(message, "references"))[: limits.max_references],
        body=body,
        body_truncated=body_truncated,
        attachments=attachments,
        defects=defects,
    )


def clean(text: str) -> str:
    """Text safe to store and serialize: lone surrogates (undecodable bytes) replaced."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _header(message: Message, name: str) -> Any:
    try:
        return message.get(name)
    except Exception:  # a header the policy cannot parse is only missing
        return None


def _raw_header(message: Message, name: str) -> str:
    """An identifier header as sent: only <...> ids are read from it, so the policy's
    (slow) structured parse is skipped."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return ""


def _header_text(message: Message, name: str) -> str:
    value = _header(message, name)
    return "" if value is None else str(value)


def _addresses(message: Message, name: str, limits: MimeLimits) -> list[MailAddress]:
    value = _header(message, name)
    found: list[MailAddress] = []
    try:
        addresses = getattr(value, "addresses", ()) or ()
        for address in addresses[: limits.max_addresses]:
            spec = clean(str(address.addr_spec))[:320]
            if spec and spec != "<>":
                found.append(MailAddress(address=spec, name=clean(address.display_name)[:200]))
    except Exception:
        return found
    return found


def _date(message: Message) -> datetime | None:
    value = _header(message, "date")
    try:
        moment = getattr(value, "datetime", None)
    except Exception:
        return None
    return moment if isinstance(moment, datetime) else None


def _first_id(text: str) -> str | None:
    match = _MESSAGE_ID.search(text)
    if match:
        return clean(match.group(1))
    stripped = clean(text.strip().strip("<>"))
    return stripped[:500] if stripped and " " not in stripped else None


def _walk(message: Message, limits: MimeLimits, defects: list[str]) -> Iterator[Message]:
    """Every leaf part, depth-first in order, at most ``max_parts`` and ``max_depth`` deep."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > limits.max_parts:
            defects.append("too many parts; the rest skipped")
            return
        if part.is_multipart():
            if depth >= limits.max_depth:
                defects.append("nesting too deep; inner parts skipped")
                continue
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(
                    (child, depth + 1) for child in reversed(children) if isinstance(child, Message)
                )
            continue
        yield part


def _body_and_attachments(
    message: Message, limits: MimeLimits, defects: list[str]
) -> tuple[str, bool, list[Attachment]]:
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for part in _walk(message, limits, defects):
        content_type = part.get_content_type()
        if _is_attachment(part):
            if len(attachments) < limits.max_attachments:
                attachments.append(_describe(part, content_type))
            continue
        if content_type == "text/plain" and plain is None:
            plain = _text(part, defects)
        elif content_type == "text/html" and html is None:
            html = _text(part, defects)
    if plain is not None and plain.strip():
        text = collapse_whitespace(plain)
        cut = len(text) > limits.max_body_chars
        return text[: limits.max_body_chars], cut, attachments
    if html is not None:
        text, cut = html_to_text(html, max_chars=limits.max_body_chars)
        return text, cut, attachments
    return "", False, attachments


def _is_attachment(part: Message) -> bool:
    if isinstance(part, EmailMessage) and part.is_attachment():
        return True
    maintype = part.get_content_maintype()
    return maintype not in ("text", "multipart") or bool(part.get_filename())


def _describe(part: Message, content_type: str) -> Attachment:
    try:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
    except Exception:
        size = 0
    try:
        filename = part.get_filename()
    except Exception:
        filename = None
    return Attachment(
        filename=clean(filename)[:255] if filename else None,
        content_type=content_type[:127],
        size=size,
    )


def _text(part: Message, defects: list[str]) -> str:
    try:
        if isinstance(part, EmailMessage):
            content = part.get_content()
            if isinstance(content, str):
                return clean(content)
    except (LookupError, ValueError, AssertionError):
        defects.append("unreadable charset; decoded as UTF-8")
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return ""
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
