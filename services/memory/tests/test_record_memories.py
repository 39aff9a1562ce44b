"""Synced records in plain words: what becomes a memory, what does not."""

from __future__ import annotations

from typing import Any

from muninn_memory.ingestion.records import record_memory
from muninn_memory.memories.models import MemoryType
from muninn_shared.events.payloads import IntegrationRecord


def record(record_type: str, **data: Any) -> IntegrationRecord:
    return IntegrationRecord(
        user_id="u",
        connection_id="c",
        provider="caldav",
        record_type=record_type,  # type: ignore[arg-type]
        record_id="r1",
        data={"action": "created", **data},
    )


def test_a_meeting_says_what_when_where_and_with_whom() -> None:
    memory = record_memory(
        record(
            "calendar_event",
            title="Dentist",
            start="2026-12-11T09:30:00+01:00",
            location="Rua Augusta 5",
            attendees=[{"name": "Dr. Costa"}, {"email": "nurse@example.org"}, "x" * 500],
        )
    )
    assert memory is not None
    assert memory.type is MemoryType.CALENDAR_EVENT
    assert memory.content.startswith(
        "Calendar: Dentist, Friday 11 December 2026 at 09:30 at Rua Augusta 5 with Dr. Costa, "
        "nurse@example.org"
    )
    assert memory.event_at is not None
    assert memory.metadata["record_id"] == "r1"
    assert memory.metadata["source"] == "calendar"


def test_an_all_day_event_has_no_time() -> None:
    memory = record_memory(
        record("calendar_event", title="Holiday", start="2026-12-25", all_day=True)
    )
    assert memory is not None
    assert memory.content == "Calendar: Holiday, Friday 25 December 2026."


def test_deletions_cancellations_contacts_and_empty_records_are_not_memories() -> None:
    assert (
        record_memory(record("calendar_event", title="X", start="2026-12-25", action="deleted"))
        is None
    )
    assert (
        record_memory(record("calendar_event", title="X", start="2026-12-25", status="cancelled"))
        is None
    )
    assert record_memory(record("calendar_event", title="", start="2026-12-25")) is None
    assert record_memory(record("calendar_event", title="X", start="not a date")) is None
    assert record_memory(record("contact", name="Ana")) is None
    assert record_memory(record("email")) is None


def test_an_email_names_sender_subject_and_gist_bounded() -> None:
    memory = record_memory(
        record(
            "email",
            subject="Deposit",
            **{"from": "Bob <bob@example.org>"},
            to=[{"name": "Ana"}],
            sent_at="2026-11-28T09:30:00Z",
            snippet="y" * 5000,
            thread_id="t1",
        )
    )
    assert memory is not None
    assert memory.content.startswith(
        'E-mail from Bob <bob@example.org> to Ana on Saturday 28 November 2026, subject "Deposit": y'
    )
    assert len(memory.content) < 700
    assert memory.metadata["thread_id"] == "t1"
