"""Reading facts from what other features store: a synced calendar event as a meeting to
brief for, and a contact (with its relationship fields) as who the briefing is about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.moments import parse_moment

from muninn_integrations.briefings.models import ContactFacts, JobChange
from muninn_integrations.contacts.models import ContactRecord
from muninn_integrations.sync.sinks import Action, Applied

MAX_ATTENDEES = 10  # contacts briefed for one meeting
MAX_ADDRESSES = 100
RECENT_JOB_CHANGE = timedelta(days=180)
CONTACT_FIELDS = (
    "relationship_strength",
    "interaction_frequency",
    "last_interaction_at",
    "going_cold",
    "job_history",
    "strength_updated_at",
)


def to_ms(moment: datetime) -> datetime:
    """``moment`` at MongoDB's precision, so a stored time compares equal to a fresh one."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Meeting:
    title: str
    start: datetime
    end: datetime
    addresses: tuple[str, ...]  # attendees who did not decline, then the organiser
    recurring: bool = False  # times are the series' first: its next occurrence is looked up


def _address(person: Any) -> str | None:
    if not isinstance(person, dict):
        return None
    address = person.get("email") or person.get("address")
    if isinstance(address, str) and "@" in address:
        return address.strip().lower()
    return None


def meeting_of(item: Applied, now: datetime) -> Meeting | None:
    """The meeting a changed calendar record is, when it deserves briefings: ahead (or a
    series), timed, not cancelled. None otherwise (deleted, past, all-day, cancelled,
    unreadable)."""
    data = item.data
    if item.action is Action.DELETED or data.get("all_day") or data.get("status") == "cancelled":
        return None
    start, end = parse_moment(data.get("start")), parse_moment(data.get("end"))
    recurring = data.get("recurring") is True
    if start is None or (start <= now and not recurring):
        return None
    if end is None or end < start:
        end = start
    addresses: list[str] = []
    attendees = data.get("attendees")
    people = [*(attendees if isinstance(attendees, list) else []), data.get("organizer")]
    for person in people[:MAX_ADDRESSES]:
        if isinstance(person, dict) and person.get("status") == "declined":
            continue
        address = _address(person)
        if address is not None and address not in addresses:
            addresses.append(address)
    title = data.get("title")
    return Meeting(
        title=title[:1000] if isinstance(title, str) else "",
        start=to_ms(start),
        end=to_ms(end),
        addresses=tuple(addresses),
        recurring=recurring,
    )


def _text(value: Any) -> str | None:
    return value.strip()[:255] or None if isinstance(value, str) else None


def job_change_of(history: Any, now: datetime) -> JobChange | None:
    """The latest job change detected within the last six months, if any."""
    if not isinstance(history, list):
        return None
    latest: tuple[datetime, Mapping[str, Any]] | None = None
    for entry in history[-50:]:
        if not isinstance(entry, Mapping):
            continue
        when = parse_moment(entry.get("detected_at")) or parse_moment(entry.get("effective_on"))
        if when is None or now - when > RECENT_JOB_CHANGE:
            continue
        if latest is None or when >= latest[0]:
            latest = (when, entry)
    if latest is None:
        return None
    entry = latest[1]
    company, title = _text(entry.get("company")), _text(entry.get("title"))
    if company is None and title is None:
        return None
    effective_on = entry.get("effective_on")
    return JobChange(
        company=company,
        title=title,
        previous_company=_text(entry.get("previous_company")),
        previous_title=_text(entry.get("previous_title")),
        effective_on=str(effective_on)[:10] if effective_on else None,
    )


def name_of(contact: ContactRecord) -> str:
    joined = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    email = contact.emails[0].value if contact.emails else None
    return contact.display_name or joined or email or "Contact"


def contact_facts(contact: ContactRecord, fields: Mapping[str, Any], now: datetime) -> ContactFacts:
    # A contact reads 0.0 until the sweep first scores it: that is no fact about the tie.
    strength = fields.get("relationship_strength") if fields.get("strength_updated_at") else None
    frequency = fields.get("interaction_frequency")
    return ContactFacts(
        id=contact.id,
        name=name_of(contact),
        title=contact.title,
        company=contact.company,
        relationship_strength=float(strength)
        if isinstance(strength, int | float) and not isinstance(strength, bool)
        else None,
        interaction_frequency=frequency if isinstance(frequency, str) else None,
        last_interaction_at=parse_moment(fields.get("last_interaction_at")),
        going_cold=fields.get("going_cold") is True,
        job_change=job_change_of(fields.get("job_history"), now),
        archived=contact.is_archived,
    )
