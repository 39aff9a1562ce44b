from __future__ import annotations

import pytest
from muninn_shared.events import (
    CATALOGUE,
    EventEnvelope,
    Topic,
    dead_letter_topic,
    new_event,
    spec_for,
)
from muninn_shared.events.catalogue import UnknownEventTypeError, all_topics
from pydantic import ValidationError


def test_new_event_validates_payload_and_keys_by_user() -> None:
    event = new_event(
        "identity.user.registered",
        source="identity",
        subject="u1",
        data={"user_id": "u1", "email": "a@b.co"},
    )
    assert event.key == b"u1"
    assert event.type == "identity.user.registered"
    assert event.data["timezone"] == "UTC"
    assert event.specversion == "1.0"
    round_trip = EventEnvelope.model_validate_json(event.model_dump_json())
    assert round_trip == event


def test_new_event_rejects_bad_payload_and_unknown_type() -> None:
    with pytest.raises(ValidationError):
        new_event(
            "identity.user.registered", source="identity", subject="u1", data={"email": "a@b.co"}
        )
    with pytest.raises(UnknownEventTypeError):
        new_event("identity.user.teleported", source="identity", subject="u1", data={})


def test_every_event_type_lives_on_one_catalogued_topic() -> None:
    topics = set(all_topics())
    for type_, spec in CATALOGUE.items():
        assert spec_for(type_) is spec
        assert spec.topic.value in topics
        assert dead_letter_topic(spec.topic.value) in topics
        assert type_.count(".") == 2, "types are <domain>.<entity>.<verb>"
    assert {t.value for t in Topic} <= topics
