"""Events on the wire are CloudEvents in structured mode; the previous shape is still read."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from cloudevents.core.bindings import kafka as cloudevents_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from muninn_shared.events import CATALOGUE, EventEnvelope, new_event
from muninn_shared.events.wire import (
    STRUCTURED_CONTENT_TYPE,
    decode_envelope,
    encode_envelope,
    record_headers,
)
from muninn_shared.messaging.broker import publish_event
from pydantic import ValidationError

TOPIC = "muninn.identity.users"
# CloudEvents 1.0: attribute names are lowercase ASCII letters and digits, 20 at most.
ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]{1,20}$")


def user_event() -> EventEnvelope:
    return new_event(
        "identity.user.registered",
        source="identity",
        subject="u1",
        data={"user_id": "u1", "email": "ingrid@example.com", "display_name": "Ingrid \U0001f600"},
    )


def previous_release_value(event: EventEnvelope, *, schema_version: int) -> bytes:
    """What the previous release published for ``event``: a ``schema_version`` field."""
    document = event.model_dump(mode="json")
    del document["dataschema"]
    document["schema_version"] = schema_version
    return json.dumps(document).encode()


async def published_record(event: EventEnvelope) -> tuple[dict[str, str], bytes, bytes | None]:
    """The headers, value and key the broker is given for ``event``."""
    broker = KafkaBroker()
    received: list[tuple[dict[str, str], bytes, bytes | None]] = []

    @broker.subscriber(TOPIC)
    async def record(body: bytes, message: KafkaMessage) -> None:
        raw = message.raw_message
        received.append((dict(message.headers), message.body, raw.key))

    async with TestKafkaBroker(broker) as test_broker:
        await publish_event(test_broker, TOPIC, event)
    [published] = received
    return published


async def test_the_record_is_a_structured_cloudevent_with_no_ce_headers() -> None:
    event = user_event()
    headers, value, key = await published_record(event)

    assert value == encode_envelope(event)
    assert key == b"u1"
    assert headers["content-type"] == STRUCTURED_CONTENT_TYPE
    assert not [name for name in headers if name.lower().startswith("ce_")]

    parsed = cloudevents_kafka.from_structured(
        cloudevents_kafka.KafkaMessage(
            headers={k: v.encode() for k, v in headers.items()}, key=key, value=value
        ),
        JSONFormat(),
        CloudEvent,
    )
    assert parsed.get_id() == str(event.id)
    assert parsed.get_type() == "identity.user.registered"
    assert parsed.get_source() == "identity"
    assert parsed.get_subject() == "u1"
    assert parsed.get_dataschema() == "urn:muninn:event:identity.user.registered:v1"
    assert parsed.get_data() == event.data


@pytest.mark.parametrize("traced", [True, False])
def test_every_attribute_name_is_legal_and_none_is_null(traced: bool) -> None:
    event = user_event().model_copy(
        update={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01" if traced else None}
    )
    document = json.loads(encode_envelope(event))
    attributes = {name: value for name, value in document.items() if name != "data"}
    assert all(ATTRIBUTE_NAME.match(name) for name in attributes), sorted(attributes)
    assert None not in attributes.values()
    assert ("traceparent" in attributes) is traced
    assert ("traceparent" in record_headers(event)) is traced
    # The reference SDK refuses any attribute it finds illegal.
    CloudEvent({**attributes, "time": event.time}, document["data"])


def test_the_previous_shape_is_refused_by_the_reference_parser_and_read_here() -> None:
    event = user_event()
    old = previous_release_value(event, schema_version=1)
    with pytest.raises(Exception, match="schema_version"):
        JSONFormat().read(CloudEvent, old)
    assert decode_envelope(old) == event


def test_the_schema_version_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = CATALOGUE["identity.user.registered"]
    monkeypatch.setitem(CATALOGUE, spec.type, dataclasses.replace(spec, schema_version=3))
    event = user_event()
    assert event.dataschema == "urn:muninn:event:identity.user.registered:v3"
    assert event.schema_version == 3
    decoded = decode_envelope(encode_envelope(event))
    assert decoded.schema_version == 3
    assert decoded == event
    # An event (or outbox row) of the previous release keeps its version too.
    assert decode_envelope(previous_release_value(event, schema_version=2)).schema_version == 2
    row = {**event.model_dump(mode="json"), "schema_version": 2}
    del row["dataschema"]
    assert EventEnvelope.model_validate(row).dataschema.endswith(":v2")


def test_an_event_without_dataschema_is_version_1() -> None:
    document = json.loads(encode_envelope(user_event()))
    del document["dataschema"]
    assert decode_envelope(json.dumps(document).encode()).schema_version == 1


@pytest.mark.parametrize(
    "dataschema",
    [
        "urn:muninn:event:identity.user.registered:v0",
        "urn:muninn:event:identity.user.registered",
        "https://example.com/schema.json",
    ],
)
def test_a_dataschema_that_names_no_version_is_refused(dataschema: str) -> None:
    document = json.loads(encode_envelope(user_event()))
    document["dataschema"] = dataschema
    with pytest.raises(ValidationError, match="dataschema"):
        decode_envelope(json.dumps(document).encode())


def test_only_cloudevents_1_0_is_read() -> None:
    document = json.loads(encode_envelope(user_event()))
    document["specversion"] = "0.3"
    with pytest.raises(ValidationError):
        decode_envelope(json.dumps(document).encode())
