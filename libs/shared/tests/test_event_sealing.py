"""Sealing personal event fields: nothing readable without the user's key, nothing movable."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.events.bounds import EventTooLargeError, encode_envelope
from muninn_shared.events.payloads import MessageEvent, UserRegistered
from muninn_shared.events.sealing import (
    SEALED,
    SealBrokenError,
    fit_sealed_event,
    is_sealed,
    needs_key,
    open_event,
    personal_fields,
    seal_event,
)
from muninn_shared.messaging.event_keys import EventKeys, UserErasedError
from muninn_shared.storage.outbox import Outbox

SECRET = "I moved to Lisbon last spring and my sister Ingrid lives in Bergen."


Message = Callable[..., EventEnvelope]


@pytest.fixture
def message(message_event: Message) -> Message:
    """A message event whose personal fields say something: content and the speaker's name."""

    def build(user: str = "u-1", content: str = SECRET, **fields: Any) -> EventEnvelope:
        return message_event(user, content, metadata={"speaker": "Ada"}, **fields)

    return build


def key() -> bytes:
    return os.urandom(32)


def test_personal_fields_are_the_marked_ones() -> None:
    assert personal_fields(MessageEvent) == ["content", "metadata"]
    assert personal_fields(UserRegistered) == ["email", "display_name"]


def test_a_sealed_event_carries_no_plaintext_and_opens_to_the_original(message: Message) -> None:
    user_key = key()
    event = message()
    sealed = seal_event(event, user_key)
    published = encode_envelope(sealed).decode()
    assert "Lisbon" not in published
    assert "Ada" not in published
    assert is_sealed(sealed)
    assert not needs_key(sealed)
    assert sealed.data["message_id"] == "m-1"
    assert sealed.data["user_id"] == "u-1"
    assert "content" not in sealed.data
    opened = open_event(EventEnvelope.model_validate(json.loads(published)), user_key)
    assert opened.data == event.data
    assert opened.payload() == event.payload()


def test_the_same_field_seals_differently_each_time(message: Message) -> None:
    user_key = key()
    first = seal_event(message(), user_key).data[SEALED]["fields"]["content"]
    second = seal_event(message(), user_key).data[SEALED]["fields"]["content"]
    assert first != second


def test_another_key_does_not_open(message: Message) -> None:
    sealed = seal_event(message(), key())
    with pytest.raises(SealBrokenError):
        open_event(sealed, key())


def test_a_sealed_field_moved_into_another_event_does_not_open(message: Message) -> None:
    user_key = key()
    sealed = seal_event(message(), user_key)
    other = seal_event(message(content="hello"), user_key)
    moved = other.model_copy(update={"data": {**other.data, SEALED: sealed.data[SEALED]}})
    with pytest.raises(SealBrokenError):
        open_event(moved, user_key)


def test_a_sealed_field_moved_to_another_user_or_type_or_field_does_not_open(
    message: Message,
) -> None:
    user_key = key()
    sealed = seal_event(message(), user_key)
    other_user = sealed.model_copy(
        update={"subject": "u-2", "data": {**sealed.data, "user_id": "u-2"}}
    )
    other_type = sealed.model_copy(update={"type": "conversation.message.completed"})
    fields = sealed.data[SEALED]["fields"]
    swapped = {"content": fields["metadata"], "metadata": fields["content"]}
    other_field = sealed.model_copy(
        update={"data": {**sealed.data, SEALED: {"v": 1, "fields": swapped}}}
    )
    for moved in (other_user, other_type, other_field):
        with pytest.raises(SealBrokenError):
            open_event(moved, user_key)


def test_a_tampered_ciphertext_does_not_open(message: Message) -> None:
    user_key = key()
    sealed = seal_event(message(), user_key)
    value = sealed.data[SEALED]["fields"]["content"]
    tampered_value = value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    fields = {**sealed.data[SEALED]["fields"], "content": tampered_value}
    tampered = sealed.model_copy(
        update={"data": {**sealed.data, SEALED: {"v": 1, "fields": fields}}}
    )
    with pytest.raises(SealBrokenError):
        open_event(tampered, user_key)


def test_events_without_personal_fields_and_unsealed_events_pass_through(message: Message) -> None:
    routing = new_event(
        "byod.routing.changed",
        source="byod",
        subject="u-1",
        data={"user_id": "u-1", "version": 1, "placement": "hosted"},
    )
    assert not needs_key(routing)
    assert seal_event(routing, key()) is routing
    previous_shape = message()
    assert open_event(previous_shape, key()) is previous_shape


def test_the_sealed_event_is_cut_to_fit_the_cap(message: Message) -> None:
    cap = 16 * 1024
    for text in ("é🙂x" * 20_000, "x" * 60_000):
        fitted = fit_sealed_event(message(content=text), cap)
        assert fitted.data["content_truncated"] is True
        assert len(encode_envelope(seal_event(fitted, key()))) <= cap
    # Cut no more than sealing needs: most of the cap carries text.
    assert len(encode_envelope(seal_event(fitted, key()))) > cap * 0.97


def test_an_event_that_fits_unsealed_is_cut_when_sealing_makes_it_too_large(
    message: Message,
) -> None:
    cap = 16 * 1024
    event = message(content="x" * 14_000)
    assert len(encode_envelope(event)) <= cap
    fitted = fit_sealed_event(event, cap)
    assert fitted.data["content_truncated"] is True
    assert len(encode_envelope(seal_event(fitted, key()))) <= cap


def test_a_sealed_event_that_cannot_be_cut_is_refused() -> None:
    event = new_event(
        "identity.user.registered",
        source="identity",
        subject="u-1",
        data={"user_id": "u-1", "email": "a" * 13_000 + "@example.com"},
    )
    with pytest.raises(EventTooLargeError):
        fit_sealed_event(event, 16 * 1024)


def test_a_sealing_outbox_measures_the_sealed_size(message: Message) -> None:
    outbox = Outbox(None, max_event_bytes=16 * 1024, sealed=True)  # type: ignore[arg-type]
    row = outbox._row(message(content="x" * 14_000), None)
    envelope = EventEnvelope.model_validate(row["envelope"])
    assert len(encode_envelope(seal_event(envelope, key()))) <= 16 * 1024


class Keys:
    def __init__(self) -> None:
        self.keys: dict[str, bytes] = {}
        self.fetched: list[str] = []
        self.erased: set[str] = set()

    async def fetch(self, user_id: str) -> bytes:
        self.fetched.append(user_id)
        if user_id in self.erased:
            raise UserErasedError(user_id)
        return self.keys.setdefault(user_id, os.urandom(32))


async def test_keys_are_cached_for_their_lifetime_then_fetched_again(message: Message) -> None:
    source = Keys()
    now = [0.0]
    keys = EventKeys(source.fetch, ttl_seconds=300, clock=lambda: now[0])
    opened = await keys.open(await keys.seal(message()))
    assert opened.data["content"] == SECRET
    assert source.fetched == ["u-1"]
    now[0] = 301.0
    await keys.key_for("u-1")
    assert source.fetched == ["u-1", "u-1"]


async def test_an_erasure_event_drops_the_cached_key(message: Message) -> None:
    source = Keys()
    keys = EventKeys(source.fetch)
    sealed = await keys.seal(message())
    source.erased.add("u-1")
    erasure = new_event(
        "identity.user.erasure_requested",
        source="identity",
        subject="u-1",
        data={
            "user_id": "u-1",
            "erasure_id": "e-1",
            "services": ["memory"],
            "requested_at": datetime.now(UTC),
        },
    )
    assert await keys.open(erasure) is erasure
    with pytest.raises(UserErasedError):
        await keys.open(sealed)
