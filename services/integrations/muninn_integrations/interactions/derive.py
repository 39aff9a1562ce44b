"""What interactions a synced e-mail or meeting yields (pure, no I/O).

An e-mail the account's own address sent is ``outbound`` with each contact among its
recipients; one a contact sent is ``inbound`` with that contact; one someone else sent
(a stranger writing to the user and a contact) is no interaction with anyone. When the
account's own address is unknown (an IMAP login that is no address), a sender who is not a
contact is taken for the user. A meeting is ``mutual`` with each attendee (one who
declined did not meet) and the organiser; a cancelled meeting yields none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.interactions.models import (
    MAX_ATTENDEES,
    MAX_SUBJECT,
    MAX_SUMMARY,
    Direction,
    clip,
)
from muninn_integrations.interactions.sentiment import score
from muninn_integrations.sync.sinks import Applied

MAX_MINUTES = 1440

Derived = dict[str, tuple[str, str, dict[str, Any]]]
"""Interaction id → (contact id, external id, the interaction's fields)."""


def _address(person: Any) -> str | None:
    address = person.get("address") or person.get("email") if isinstance(person, dict) else person
    if isinstance(address, str) and "@" in address:
        return address.strip().lower()[:320]
    return None


def _unique(addresses: list[str | None]) -> list[str]:
    found: list[str] = []
    for address in addresses:
        if address and address not in found:
            found.append(address)
    return found[:MAX_ATTENDEES]


def sender_of(data: Mapping[str, Any]) -> str | None:
    return _address(data.get("from"))


def recipients_of(data: Mapping[str, Any]) -> list[str]:
    return _unique([_address(p) for p in (data.get("to") or [])[:MAX_ATTENDEES]])


def attendees_of(data: Mapping[str, Any]) -> list[str]:
    """Who met: attendees who did not decline, and the organiser."""
    people = [
        p
        for p in (data.get("attendees") or [])[: MAX_ATTENDEES * 2]
        if not (isinstance(p, dict) and p.get("status") == "declined")
    ]
    return _unique([*(_address(p) for p in people), _address(data.get("organizer"))])


def addresses_in(kind: RecordKind, data: Mapping[str, Any]) -> list[str]:
    """Everyone whose contact the record may concern."""
    if kind is RecordKind.EMAIL:
        return _unique([sender_of(data), *recipients_of(data)])
    if kind is RecordKind.CALENDAR_EVENT:
        return attendees_of(data)
    return []


def addresses_on(kind: RecordKind, records: Iterable[Applied]) -> list[str]:
    """Everyone the records may concern, each once, sorted: what to look contacts up by."""
    return sorted({address for item in records for address in addresses_in(kind, item.data)})


def contacts_on(
    kind: RecordKind, records: Iterable[Applied], known: Mapping[str, str]
) -> Iterator[tuple[Applied, datetime, set[str]]]:
    """Each record that says when it happened, with that moment and the user's contacts on it
    (``known``: address → contact id)."""
    for item in records:
        at = occurred_at(kind, item.data)
        if at is not None:
            yield item, at, {known[a] for a in addresses_in(kind, item.data) if a in known}


def parties(
    kind: RecordKind,
    data: Mapping[str, Any],
    known: Mapping[str, str],
    own: str | None = None,
) -> dict[str, Direction]:
    """contact id → direction, given ``known`` (address → the user's contact id) and
    ``own``, the account's own address (lower-cased) when known."""
    if kind is RecordKind.EMAIL:
        sender = sender_of(data)
        sent_by_user = sender == own if own is not None else sender not in known
        if sent_by_user:
            return {known[a]: "outbound" for a in recipients_of(data) if a in known and a != own}
        if sender is not None and sender in known:
            return {known[sender]: "inbound"}
        return {}
    if kind is RecordKind.CALENDAR_EVENT:
        if data.get("status") == "cancelled":
            return {}
        return {known[a]: "mutual" for a in attendees_of(data) if a in known}
    return {}


def moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)  # as MongoDB keeps it


def occurred_at(kind: RecordKind, data: Mapping[str, Any]) -> datetime | None:
    return moment(data.get("sent_at") if kind is RecordKind.EMAIL else data.get("start"))


def duration_minutes(data: Mapping[str, Any]) -> int | None:
    start, end = moment(data.get("start")), moment(data.get("end"))
    if start is None or end is None or end < start:
        return None
    return min(MAX_MINUTES, round((end - start).total_seconds() / 60))


def facts(kind: RecordKind, data: Mapping[str, Any]) -> dict[str, Any]:
    """The interaction's fields a synced record gives, whoever the contact is."""
    if kind is RecordKind.EMAIL:
        thread = data.get("thread_id")
        return {
            "kind": "email",
            "source": "mail",
            "subject": clip(data.get("subject") or None, MAX_SUBJECT),
            "summary": clip(data.get("snippet") or None, MAX_SUMMARY),
            "duration_minutes": None,
            "attendees": addresses_in(kind, data),
            "thread_id": str(thread)[:300] if thread else None,
        }
    return {
        "kind": "meeting",
        "source": "calendar",
        "subject": clip(data.get("title") or None, MAX_SUBJECT),
        "summary": clip(data.get("description") or None, MAX_SUMMARY),
        "duration_minutes": duration_minutes(data),
        "attendees": attendees_of(data),
        "thread_id": None,
    }


def synced_fields(kind: RecordKind, data: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """The fields a synced record (or one occurrence of a series) gives its interactions,
    whoever the contact is; sentiment scored from the text."""
    fields = facts(kind, data)
    fields["sentiment"] = score(" ".join(t for t in (fields["subject"], fields["summary"]) if t))
    fields["occurred_at"] = at
    return fields


def record_interactions(
    external_id: str,
    kind: RecordKind,
    data: Mapping[str, Any],
    known: Mapping[str, str],
    own: str | None = None,
) -> Derived:
    """The interactions one e-mail or meeting (or one occurrence, named ``external_id``)
    gives: one per contact on it, ``<external_id>:<contact_id>``."""
    at = occurred_at(kind, data)
    if at is None:
        return {}
    fields = synced_fields(kind, data, at)
    return {
        f"{external_id}:{contact_id}": (contact_id, external_id, {**fields, "direction": direction})
        for contact_id, direction in parties(kind, data, known, own).items()
    }
