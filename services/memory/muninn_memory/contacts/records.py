"""What integrations' relationship records become in memory (pure: no I/O).

Every such memory is *owned* by the record it came from: its id is derived from the user and
the owning key, so a record announced again (updated, re-synced, redelivered) replaces its
memory rather than adding another, and a deleted record deletes it.

- a ``contact_memory`` (summary, insight, briefing, talking point) → one memory about the contact;
- an ``interaction`` logged by hand or from conversation → an episodic memory about the contact
  (one from mail or calendar is the synced e-mail or event, already remembered: it is tagged);
- a ``contact`` → the contact's card, which people search finds the contact by, and for a
  detected job change an episodic memory of the change.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from muninn_shared.events.payloads import IntegrationRecord

from muninn_memory.ingestion.records import text, when
from muninn_memory.memories.models import MemoryType

CONTACT_MEMORY_KINDS = ("summary", "insight", "briefing", "talking_point")
CARD = "card"
JOB_CHANGE = "job_change"
INTERACTION = "interaction"
MAX_CONTENT = 4000
MAX_LIST = 20
CONTACT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KIND_WORDS = {
    "meeting": "Meeting",
    "call": "Call",
    "message": "Messages",
    "email": "E-mail",
    "manual": "Time",
}
_OWNED = uuid.UUID("0b8e4f4e-3f55-4f0a-9d3e-7f0c2b9a5c21")


@dataclass(frozen=True)
class Owned:
    """A memory a record owns, before it is laid out as a memory document."""

    key: str
    contact_id: str
    content: str
    type: MemoryType
    occurred_at: datetime
    importance: int = 5
    event_at: datetime | None = None
    expires_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def owned_id(user_id: str, key: str) -> str:
    """The memory id for an owning key: stable across deliveries, distinct across users."""
    return uuid.uuid5(_OWNED, f"{user_id}\x1f{key}").hex


def record_key(record_id: str) -> str:
    return f"record:{record_id}"


def card_key(contact_id: str) -> str:
    return f"{CARD}:{contact_id}"


def contact_id_of(value: object) -> str | None:
    return value if isinstance(value, str) and CONTACT_ID.match(value) else None


def texts(values: object, limit: int = MAX_LIST) -> list[str]:
    if not isinstance(values, list):
        return []
    return [t for t in (text(v, 200) for v in values[:limit]) if t]


def contact_memory(record: IntegrationRecord, now: datetime) -> Owned | None:
    """A summary, insight, briefing or talking point about a contact, or None if malformed."""
    data = record.data
    contact_id = contact_id_of(data.get("contact_id"))
    kind = data.get("kind")
    content = text(data.get("content"), MAX_CONTENT)
    if contact_id is None or kind not in CONTACT_MEMORY_KINDS or not content:
        return None
    confidence = data.get("confidence")
    metadata: dict[str, Any] = {
        "kind": kind,
        "title": text(data.get("title"), 200) or None,
        "confidence": float(min(1.0, max(0.0, confidence)))
        if isinstance(confidence, int | float) and not isinstance(confidence, bool)
        else None,
        "source_interactions": texts(data.get("source_interactions"), 50),
        "record_id": record.record_id,
    }
    event_start = None
    if kind == "briefing":
        event_start = record.moment("event_start")
        metadata.update(
            event_record_id=text(data.get("event_record_id"), 500) or None,
            event_title=text(data.get("event_title"), 200) or None,
            event_start=event_start.isoformat() if event_start else None,
        )
    return Owned(
        key=record_key(record.record_id),
        contact_id=contact_id,
        content=content,
        type=MemoryType.RELATIONSHIP_INFO,
        occurred_at=now,
        importance=6 if kind in ("insight", "briefing") else 5,
        event_at=event_start,
        expires_at=record.moment("expires_at"),
        metadata=metadata,
    )


def interaction_memory(
    record: IntegrationRecord, contact_name: str | None, now: datetime
) -> Owned | None:
    """An interaction logged by hand or from conversation ("Coffee with Ana Silva on …")."""
    data = record.data
    contact_id = contact_id_of(data.get("contact_id"))
    if contact_id is None or data.get("source") not in ("manual", "conversation"):
        return None
    at = record.moment("occurred_at") or now
    kind = data.get("kind") if data.get("kind") in KIND_WORDS else "manual"
    what = text(data.get("subject"), 200) or KIND_WORDS[str(kind)]
    summary = text(data.get("summary"), 500)
    content = f"{what} with {contact_name or 'a contact'} on {when(at, all_day=True)}"
    content += f": {summary}" if summary else "."
    return Owned(
        key=record_key(record.record_id),
        contact_id=contact_id,
        content=content,
        type=MemoryType.CONVERSATION,
        occurred_at=at,
        metadata={
            "kind": INTERACTION,
            "interaction_kind": kind,
            "direction": data.get("direction")
            if data.get("direction") in ("inbound", "outbound", "mutual")
            else None,
            "source": data.get("source"),
            "record_id": record.record_id,
        },
    )


@dataclass(frozen=True)
class ContactDetails:
    name: str | None
    emails: list[str]
    phones: list[str]
    company: str | None
    title: str | None


def contact_details(data: dict[str, Any]) -> ContactDetails:
    name = text(data.get("name"), 200) or " ".join(
        t for t in (text(data.get("first_name"), 100), text(data.get("last_name"), 100)) if t
    )
    return ContactDetails(
        name=name or None,
        emails=[e.lower() for e in texts(data.get("emails"))],
        phones=[
            re.sub(r"[^\d+]", "", p)
            for p in texts(data.get("phones"))
            if any(c.isdigit() for c in p)
        ],
        company=text(data.get("company"), 200) or None,
        title=text(data.get("title") or data.get("job_title"), 200) or None,
    )


def card_memory(record: IntegrationRecord, details: ContactDetails, now: datetime) -> Owned | None:
    """The contact's card: who they are, as people search matches them."""
    if details.name is None and not details.emails:
        return None
    name = details.name or details.emails[0]
    role = " at ".join(p for p in (details.title, details.company) if p)
    content = f"{name} — {role}" if role else name
    reach = [*details.emails[:3], *details.phones[:2]]
    if reach:
        content += "; " + "; ".join(reach)
    return Owned(
        key=card_key(record.record_id),
        contact_id=record.record_id,
        content=content,
        type=MemoryType.RELATIONSHIP_INFO,
        occurred_at=now,
        importance=4,
        metadata={
            "kind": CARD,
            "name": name,
            "company": details.company,
            "title": details.title,
            "record_id": record.record_id,
        },
    )


def job_change_memory(
    record: IntegrationRecord, name: str, change: dict[str, Any], now: datetime
) -> Owned | None:
    """ "Ana Silva started at Spotify (from Acme)", once per distinct change."""
    company, title = text(change.get("company"), 200), text(change.get("title"), 200)
    before_company = text(change.get("previous_company"), 200)
    before_title = text(change.get("previous_title"), 200)
    if not (company or title):
        return None
    # Without a previous company, a previous title says it is a new role at the same place.
    new_place = bool(before_company) or not before_title
    if company and new_place and company.lower() != before_company.lower():
        content = f"{name} started at {company}" + (f" as {title}" if title else "")
        if before_company:
            content += f" (from {before_company})"
    else:
        content = f"{name} became {title}" + (f" at {company}" if company else "")
        if before_title:
            content += f" (was {before_title})"
    identity = "|".join([before_company, before_title, company, title]).lower()
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    effective = change.get("effective_on")
    at = None
    if isinstance(effective, str):
        try:
            at = datetime.fromisoformat(effective[:10] + "T00:00:00+00:00")
        except ValueError:
            at = None
    return Owned(
        key=f"{JOB_CHANGE}:{record.record_id}:{digest}",
        contact_id=record.record_id,
        content=content + ".",
        type=MemoryType.CONVERSATION,
        occurred_at=at or now,
        importance=5,
        metadata={
            "kind": JOB_CHANGE,
            "company": company or None,
            "title": title or None,
            "previous_company": before_company or None,
            "previous_title": before_title or None,
            "source": change.get("source")
            if change.get("source") in ("sync", "conversation")
            else None,
            "record_id": record.record_id,
        },
    )
