"""Events are bounded when written: large text is cut to the cap, and the event says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from muninn_shared.events import CATALOGUE, EventEnvelope, new_event
from muninn_shared.events.bounds import (
    DEFAULT_EVENT_MAX_BYTES,
    EventTooLargeError,
    cuttable_fields,
    fit_event,
)
from muninn_shared.events.catalogue import UnknownEventTypeError
from muninn_shared.events.payloads import MessageEvent
from muninn_shared.events.wire import decode_envelope, encode_envelope
from muninn_shared.messaging.broker import publish_event
from muninn_shared.settings import ServiceSettings

EMOJI = "\U0001f600"
BROKER_MESSAGE_LIMIT = 1_048_576


def message_event(content: str) -> EventEnvelope:
    return new_event(
        "conversation.message.created",
        source="conversation",
        subject="u1",
        data={
            "user_id": "u1",
            "conversation_id": "c1",
            "message_id": "m1",
            "role": "user",
            "content": content,
            "created_at": datetime(2026, 12, 1, tzinfo=UTC),
        },
    )


def test_the_default_cap_is_well_under_the_broker_limit() -> None:
    assert ServiceSettings().event_max_bytes == DEFAULT_EVENT_MAX_BYTES
    assert DEFAULT_EVENT_MAX_BYTES <= BROKER_MESSAGE_LIMIT // 2


def test_an_emoji_message_is_measured_as_published_json_not_as_its_utf8() -> None:
    event = message_event(EMOJI * 100_000)
    assert len((EMOJI * 100_000).encode()) == 400_000
    # json escapes each emoji as a surrogate pair: 12 bytes, three times its UTF-8 length.
    assert len(encode_envelope(event)) > 1_200_000


def test_an_oversized_message_is_cut_to_the_cap_and_says_so() -> None:
    text = EMOJI * 100_000
    event = message_event(text)

    fitted = fit_event(event, DEFAULT_EVENT_MAX_BYTES)

    size = len(encode_envelope(fitted))
    assert size <= DEFAULT_EVENT_MAX_BYTES
    assert size > DEFAULT_EVENT_MAX_BYTES - 100, "the cut keeps as much as fits"
    payload = MessageEvent.model_validate(fitted.data)
    assert payload.content_truncated is True
    assert payload.content_length == 100_000
    assert text.startswith(payload.content)
    assert 0 < len(payload.content) < 100_000
    assert fitted.id == event.id
    assert fitted.subject == event.subject


def test_cutting_mixed_text_never_exceeds_the_cap() -> None:
    text = ('naïve café \\ "quoted" \n' + EMOJI + "\u1680") * 30_000
    for cap in (16_384, 65_536, 100_003):
        fitted = fit_event(message_event(text), cap)
        assert len(encode_envelope(fitted)) <= cap
        assert text.startswith(fitted.data["content"])


def test_an_event_within_the_cap_is_left_alone() -> None:
    event = message_event("I moved to Lisbon last spring. " + EMOJI)
    assert fit_event(event, DEFAULT_EVENT_MAX_BYTES) is event
    assert event.data["content_truncated"] is False
    assert event.data["content_length"] is None


def test_an_event_with_nothing_to_cut_is_refused_with_a_problem() -> None:
    event = new_event(
        "identity.user.updated",
        source="identity",
        subject="u1",
        data={"user_id": "u1", "changed": ["x" * 300_000]},
    )
    with pytest.raises(EventTooLargeError) as refused:
        fit_event(event, DEFAULT_EVENT_MAX_BYTES)
    assert refused.value.status == 413
    assert refused.value.code == "event-too-large"


def test_every_cuttable_field_has_its_truncation_fields() -> None:
    cut = {spec.type: cuttable_fields(spec.payload) for spec in CATALOGUE.values()}
    assert cut["conversation.message.created"] == ["content"]
    assert cut["conversation.message.completed"] == ["content"]
    for spec in CATALOGUE.values():
        for name in cuttable_fields(spec.payload):
            assert f"{name}_truncated" in spec.payload.model_fields, spec.type
            assert f"{name}_length" in spec.payload.model_fields, spec.type


async def test_the_broker_receives_the_bytes_the_cap_measured() -> None:
    broker = KafkaBroker()
    received: list[object] = []

    @broker.subscriber("muninn.conversation.messages")
    async def record(body: bytes) -> None:
        received.append(body)

    event = fit_event(message_event(EMOJI * 100_000), DEFAULT_EVENT_MAX_BYTES)
    async with TestKafkaBroker(broker) as test_broker:
        await publish_event(test_broker, "muninn.conversation.messages", event)
        [call] = record.mock.call_args_list  # type: ignore[attr-defined]
    assert received == [encode_envelope(event)]
    assert decode_envelope(call.args[0]) == event


def test_memory_changes_are_not_announced_at_all() -> None:
    # Kafka keeps events for days whatever an erasure deletes, and no service consumed them.
    # Memory announces only its model calls' figures (tokens, latency): no memory's content.
    announced = [type_ for type_ in CATALOGUE if type_.startswith("memory.")]
    assert announced == ["memory.model_call.recorded"]
    fields = set(CATALOGUE[announced[0]].payload.model_fields)
    assert not fields & {"content", "text", "memory_id", "prompt", "answer"}
    with pytest.raises(UnknownEventTypeError):
        new_event(
            "memory.record.changed",
            source="memory",
            subject="u1",
            data={"user_id": "u1", "memory_id": "m1", "operation": "add"},
        )
