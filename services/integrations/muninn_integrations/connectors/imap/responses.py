"""Reading IMAP server responses as aioimaplib hands them over (lines of bytes, a literal
as a ``bytearray`` after the line announcing it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_LIST_LINE = re.compile(
    rb'^\((?P<flags>[^)]*)\) (?P<delimiter>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.+)$'
)
_FETCH_START = re.compile(rb"^\d+ FETCH \(")
_LITERAL_END = re.compile(rb"\{(\d+)\+?\}$")
_PLACEHOLDER = b"\x00%d\x00"
_SECTION = re.compile(
    rb'BODY\[(?P<section>[A-Z0-9.]*)\](?:<\d+>)? (?:\x00(?P<literal>\d+)\x00|NIL|"(?P<quoted>(?:[^"\\]|\\.)*)")'
)
_NUMBER_ITEMS = {
    name: re.compile(rb"(?:^|[ (])" + name + rb" (\d+)")
    for name in (b"UID", b"RFC822\\.SIZE", b"X-GM-THRID")
}
_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]{1,40})"')
_CODE_NUMBER = re.compile(rb"\[(UIDVALIDITY|UIDNEXT|HIGHESTMODSEQ) (\d+)\]")
_EXISTS = re.compile(rb"^(\d+) EXISTS$")


@dataclass(frozen=True)
class ListedMailbox:
    name: str  # as the server spells it (modified UTF-7), to send back unchanged
    flags: frozenset[str]

    @property
    def selectable(self) -> bool:
        return not self.flags & {"\\noselect", "\\nonexistent"}


@dataclass(frozen=True)
class MailboxStatus:
    exists: int
    uidvalidity: int
    uidnext: int | None
    highestmodseq: int | None


@dataclass
class FetchedMessage:
    uid: int
    size: int | None = None
    flags: list[str] = field(default_factory=list)
    internaldate: str | None = None
    gmail_thread_id: str | None = None
    sections: dict[str, bytes] = field(default_factory=dict)


def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_list(lines: Sequence[bytes | bytearray]) -> list[ListedMailbox]:
    found: list[ListedMailbox] = []
    for line in lines:
        match = _LIST_LINE.match(bytes(line))
        if match is None:
            continue
        name = unquote(match.group("name").decode("utf-8", "replace").strip())
        flags = frozenset(
            flag.lower() for flag in match.group("flags").decode("ascii", "replace").split()
        )
        found.append(ListedMailbox(name=name, flags=flags))
    return found


def parse_status(lines: Sequence[bytes | bytearray]) -> MailboxStatus:
    numbers: dict[bytes, int] = {}
    exists = 0
    for line in lines:
        raw = bytes(line)
        exists_match = _EXISTS.match(raw)
        if exists_match:
            exists = int(exists_match.group(1))
        for code, value in _CODE_NUMBER.findall(raw):
            numbers[code] = int(value)
    if b"UIDVALIDITY" not in numbers:
        raise ValueError("no UIDVALIDITY in the EXAMINE response")
    return MailboxStatus(
        exists=exists,
        uidvalidity=numbers[b"UIDVALIDITY"],
        uidnext=numbers.get(b"UIDNEXT"),
        highestmodseq=numbers.get(b"HIGHESTMODSEQ"),
    )


def parse_search(lines: Sequence[bytes | bytearray]) -> list[int]:
    """The numbers of a SEARCH answer (the last line is the completion text)."""
    return [int(token) for line in lines[:-1] for token in bytes(line).split() if token.isdigit()]


def parse_fetch(lines: Sequence[bytes | bytearray]) -> list[FetchedMessage]:
    """One entry per UID; literals are matched to the section that announced them."""
    texts: list[tuple[bytearray, list[bytes]]] = []
    expecting_literal = False
    for line in lines[:-1]:
        if isinstance(line, bytearray):
            if texts and expecting_literal:
                texts[-1][1].append(bytes(line))
                texts[-1][0].extend(_PLACEHOLDER % (len(texts[-1][1]) - 1))
            expecting_literal = False
            continue
        if expecting_literal and texts:  # an empty literal never arrives as data
            texts[-1][1].append(b"")
            texts[-1][0].extend(_PLACEHOLDER % (len(texts[-1][1]) - 1))
        literal = _LITERAL_END.search(line)
        text = line[: literal.start()] if literal else line
        if _FETCH_START.match(line):
            texts.append((bytearray(text), []))
        elif texts:
            texts[-1][0].extend(text)
        expecting_literal = literal is not None
    merged: dict[int, FetchedMessage] = {}
    for buffer, literals in texts:
        item = _fetched(bytes(buffer), literals)
        if item is None:
            continue
        known = merged.setdefault(item.uid, item)
        if known is not item:
            known.sections.update(item.sections)
            known.size = known.size if item.size is None else item.size
            known.flags = item.flags or known.flags  # a later FLAGS is the newer news
    return list(merged.values())


def _fetched(text: bytes, literals: list[bytes]) -> FetchedMessage | None:
    # Sections first, so that quoted or literal content is not read as attributes.
    sections: dict[str, bytes] = {}
    for match in _SECTION.finditer(text):
        name = match.group("section").decode("ascii")
        if match.group("literal") is not None:
            index = int(match.group("literal"))
            sections[name] = literals[index] if index < len(literals) else b""
        elif match.group("quoted") is not None:
            sections[name] = match.group("quoted")
        else:
            sections[name] = b""
    attributes = _SECTION.sub(b"", text)
    uid = _number(attributes, b"UID")
    if uid is None:
        return None
    flags = _FLAGS.search(attributes)
    date = _INTERNALDATE.search(attributes)
    thread = _number(attributes, b"X-GM-THRID")
    return FetchedMessage(
        uid=uid,
        size=_number(attributes, b"RFC822\\.SIZE"),
        flags=flags.group(1).decode("ascii", "replace").split() if flags else [],
        internaldate=date.group(1).decode("ascii", "replace") if date else None,
        gmail_thread_id=str(thread) if thread is not None else None,
        sections=sections,
    )


def _number(text: bytes, name: bytes) -> int | None:
    match = _NUMBER_ITEMS[name].search(text)
    return int(match.group(1)) if match else None
