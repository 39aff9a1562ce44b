"""Calendar events and e-mails synced by the integrations service, as memories.

A meeting and an e-mail exchange are things that happened to the user: each becomes one
memory in plain words (so "when did I last meet Ana?" finds it), with the synced record's
provenance in its metadata: which source, connection and record, and the link back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from muninn_shared.events.payloads import IntegrationRecord

from muninn_memory.memories.models import MemoryType

MAX_TEXT = 300
MAX_PEOPLE = 8


@dataclass(frozen=True)
class RecordMemory:
    content: str
    type: MemoryType
    event_at: datetime | None
    metadata: dict[str, Any]


def text(value: object, limit: int = MAX_TEXT) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str) else ""


def people(values: object) -> list[str]:
    names: list[str] = []
    if not isinstance(values, list):
        return names
    for person in values[:MAX_PEOPLE]:
        if isinstance(person, dict):
            name = (
                text(person.get("name"), 80)
                or text(person.get("email"), 120)
                or text(person.get("address"), 120)
            )
        else:
            name = text(person, 120)
        if name:
            names.append(name)
    return names


def when(at: datetime, all_day: bool) -> str:
    day = f"{at:%A} {at.day} {at:%B %Y}"
    return day if all_day else f"{day} at {at:%H:%M}"


def calendar_memory(record: IntegrationRecord) -> RecordMemory | None:
    data = record.data
    title = text(data.get("title"), 200)
    start = record.moment("start")
    if not title or start is None or data.get("status") == "cancelled":
        return None
    parts = [f"Calendar: {title}, {when(start, bool(data.get('all_day')))}"]
    if location := text(data.get("location"), 200):
        parts.append(f"at {location}")
    if attendees := people(data.get("attendees")):
        parts.append("with " + ", ".join(attendees))
    return RecordMemory(
        content=" ".join(parts) + ".",
        type=MemoryType.CALENDAR_EVENT,
        event_at=start,
        metadata={"source": "calendar"},
    )


def mail_memory(record: IntegrationRecord) -> RecordMemory | None:
    data = record.data
    subject = text(data.get("subject"), 200)
    sender = data.get("from")
    sender_name = people([sender])[0] if people([sender]) else ""
    snippet = text(data.get("snippet"), MAX_TEXT)
    if not (subject or snippet):
        return None
    sent = record.moment("sent_at")
    head = f"E-mail from {sender_name or 'someone'}"
    if recipients := people(data.get("to")):
        head += " to " + ", ".join(recipients)
    if sent is not None:
        head += f" on {when(sent, all_day=True)}"
    content = f'{head}, subject "{subject}"' if subject else head
    if snippet:
        content += f": {snippet}"
    return RecordMemory(
        content=content,
        type=MemoryType.EMAIL,
        event_at=sent,
        metadata={"source": "mail", "thread_id": text(data.get("thread_id"), 200) or None},
    )


def record_memory(record: IntegrationRecord) -> RecordMemory | None:
    """The memory a synced record becomes, or None (contacts, deletions, empty records)."""
    if record.data.get("action") == "deleted":
        return None
    if record.record_type == "calendar_event":
        memory = calendar_memory(record)
    elif record.record_type == "email":
        memory = mail_memory(record)
    else:
        return None
    if memory is None:
        return None
    link = text(record.data.get("url"), 2000) or None
    memory.metadata.update(
        {
            "provider": record.provider,
            "connection_id": record.connection_id,
            "record_id": record.record_id,
            "link": link,
        }
    )
    return memory
