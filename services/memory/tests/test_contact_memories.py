"""Integrations' relationship records as memories (pure mapping), and the contact filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from muninn_memory.contacts.records import (
    card_memory,
    contact_details,
    contact_memory,
    interaction_memory,
    job_change_memory,
    owned_id,
    record_key,
)
from muninn_memory.memories.matching import matches
from muninn_memory.memories.models import MemoryFilters, MemoryType
from muninn_memory.memories.records import indexed_from_doc
from muninn_memory.memories.store import filter_query
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.vectors.port import SearchFilters
from muninn_memory.vectors.schema import ANY_CONTACT, conditions, memory_from_payload, payload_of
from muninn_shared.events.payloads import IntegrationRecord

NOW = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)


def record(record_type: str, record_id: str = "r1", **data: Any) -> IntegrationRecord:
    return IntegrationRecord(
        user_id="u",
        connection_id="relationships",
        provider="muninn",
        record_type=record_type,  # type: ignore[arg-type]
        record_id=record_id,
        data={"action": "created", **data},
    )


def test_a_briefing_keeps_its_kind_title_event_and_expiry() -> None:
    owned = contact_memory(
        record(
            "contact_memory",
            "briefing:ev1:c1",
            contact_id="c1",
            kind="briefing",
            title="Lunch with Ana",
            content="Ana just joined Spotify; ask about the move.",
            confidence=1.7,
            source_interactions=["i1", 5, "i2"],
            expires_at="2026-12-06T00:00:00Z",
            event_record_id="ev1",
            event_title="Lunch",
            event_start="2026-12-05T13:00:00Z",
            deliver_at="2026-12-05T12:45:00Z",
        ),
        NOW,
    )
    assert owned is not None
    assert owned.contact_id == "c1"
    assert owned.key == record_key("briefing:ev1:c1")
    assert owned.content == "Ana just joined Spotify; ask about the move."
    assert owned.type is MemoryType.RELATIONSHIP_INFO
    assert owned.expires_at == datetime(2026, 12, 6, tzinfo=UTC)
    assert owned.event_at == datetime(2026, 12, 5, 13, tzinfo=UTC)
    assert owned.metadata["kind"] == "briefing"
    assert owned.metadata["confidence"] == 1.0, "clamped"
    assert owned.metadata["source_interactions"] == ["i1", "i2"]
    assert owned.metadata["record_id"] == "briefing:ev1:c1"
    assert owned.metadata["event_title"] == "Lunch"


@pytest.mark.parametrize(
    "data",
    [
        {"contact_id": "c1", "kind": "gossip", "content": "x"},
        {"contact_id": "c1", "kind": "summary", "content": "   "},
        {"contact_id": "../etc", "kind": "summary", "content": "x"},
        {"kind": "summary", "content": "x"},
    ],
)
def test_malformed_contact_memories_are_not_remembered(data: dict[str, Any]) -> None:
    assert contact_memory(record("contact_memory", **data), NOW) is None


def test_interactions_by_hand_or_from_conversation_become_episodes() -> None:
    coffee = interaction_memory(
        record(
            "interaction",
            "i1",
            contact_id="c1",
            occurred_at="2026-12-04T10:00:00Z",
            kind="manual",
            direction="mutual",
            subject="Coffee",
            summary="talked about her move to Lisbon",
            source="conversation",
        ),
        "Ana Silva",
        NOW,
    )
    assert coffee is not None
    assert coffee.content == (
        "Coffee with Ana Silva on Friday 4 December 2026: talked about her move to Lisbon"
    )
    assert coffee.type is MemoryType.CONVERSATION
    assert coffee.occurred_at == datetime(2026, 12, 4, 10, tzinfo=UTC)
    mailed = record("interaction", "m:c1", contact_id="c1", kind="email", source="mail")
    assert interaction_memory(mailed, "Ana", NOW) is None, "the e-mail is remembered already"


def test_the_card_and_a_job_change() -> None:
    contact = record(
        "contact",
        "c1",
        name="Ana Silva",
        emails=["Ana@Example.org"],
        phones=["+351 912 345 678", "n/a"],
        company="Spotify",
        title="Product Designer",
    )
    details = contact_details(contact.data)
    assert details.emails == ["ana@example.org"]
    assert details.phones == ["+351912345678"]
    card = card_memory(contact, details, NOW)
    assert card is not None
    assert card.contact_id == "c1"
    assert card.content == "Ana Silva — Product Designer at Spotify; ana@example.org; +351912345678"
    assert card.metadata["name"] == "Ana Silva"
    change = {"previous_company": "Acme", "company": "Spotify", "effective_on": "2026-11-01"}
    moved = job_change_memory(contact, "Ana Silva", change, NOW)
    assert moved is not None
    assert moved.content == "Ana Silva started at Spotify (from Acme)."
    assert moved.occurred_at == datetime(2026, 11, 1, tzinfo=UTC)
    again = job_change_memory(contact, "Ana Silva", {**change, "detected_at": "later"}, NOW)
    assert again is not None
    assert again.key == moved.key, "the same change is one memory"
    promoted = job_change_memory(
        contact, "Ana Silva", {"company": "Spotify", "title": "CTO", "previous_title": "VP"}, NOW
    )
    assert promoted is not None
    assert promoted.content == "Ana Silva became CTO at Spotify (was VP)."
    assert card_memory(record("contact", "c2"), contact_details({}), NOW) is None


def test_owned_ids_are_stable_per_user() -> None:
    assert owned_id("u", "record:r1") == owned_id("u", "record:r1")
    assert owned_id("u", "record:r1") != owned_id("v", "record:r1")


def test_contact_filters_in_the_index_and_in_mongodb() -> None:
    memory = IndexedMemory(
        memory_id="m", user_id="u", text="t", type="email", contact_ids=("c2", "c1")
    )
    payload = payload_of(memory)
    assert payload["contact_ids"] == [ANY_CONTACT, "c1", "c2"]
    restored = memory_from_payload(payload)
    assert restored is not None
    assert restored.contact_ids == ("c1", "c2")
    assert "contact_ids" not in payload_of(
        IndexedMemory(memory_id="n", user_id="u", text="t", type="x")
    )
    said = payload_of(IndexedMemory("s", "u", "t", "conversation", speaker="Fahim  Khan"))
    assert said["speaker"] == "fahim khan"
    assert (memory_from_payload(said) or memory).speaker == "fahim khan"
    found = conditions("u", SearchFilters(contact_ids=("c1",), any_contact=True))
    assert found[0].key == "user_id", "the tenant condition always comes first"
    assert {c.key for c in found[1:]} == {"contact_ids"}

    doc = {"user_id": "u", "status": "active", "entity_ids": ["e9"], "contact_ids": ["c1"]}
    by_contact = filter_query("u", MemoryFilters(contact_id="c1"))
    assert matches(doc, by_contact)
    assert not matches(doc, filter_query("u", MemoryFilters(contact_id="c2")))
    linked = filter_query("u", MemoryFilters(), entity_ids=["e1"], contact_ids=["c1"])
    assert matches(doc, linked), "a person's contact memories come with what was said of them"
    assert not matches(doc, filter_query("u", MemoryFilters(), entity_ids=["e1"]))


def test_a_message_and_the_facts_drawn_from_it_are_indexed_with_its_speaker() -> None:
    said = {"speaker": "Tom", "message_id": "m1", "content": "I went hiking"}
    doc: dict[str, Any] = {
        "_id": "a",
        "user_id": "u",
        "content": "I went hiking",
        "type": "conversation",
        "provenance": {"source": "chat", "messages": [said]},
    }
    indexed = indexed_from_doc(doc)
    assert (indexed.text, indexed.speaker) == ("Tom: I went hiking", "Tom")
    fact = indexed_from_doc({**doc, "_id": "b", "type": "fact", "content": "Tom went hiking"})
    assert (fact.text, fact.speaker) == ("Tom went hiking", "Tom")
    synced = indexed_from_doc({**doc, "_id": "c", "provenance": {"source": "caldav"}})
    assert synced.speaker is None
