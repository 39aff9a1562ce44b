"""Server-sent events, split anywhere, become the typed chat events."""

from __future__ import annotations

from muninn_client.streaming import Delta, Done, MessageStarted, Snapshot, chat_events, final_text

MESSAGE = (
    '{"id":"a1","conversation_id":"c1","author_id":null,"role":"assistant","content":"%s","status":"%s",'
    '"created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-01T10:00:00Z"}'
)


def test_a_stream_becomes_typed_events_and_keepalives_are_skipped() -> None:
    lines = [
        "event: message",
        'data: {"user_message":null,"assistant_message":' + MESSAGE % ("", "pending") + "}",
        "",
        ": keepalive",
        "",
        "event: delta",
        'data: {"text":"Hel"}',
        "",
        "event: delta",
        'data: {"text":"lo"}',
        "",
        "event: unknown-from-a-newer-server",
        "data: {}",
        "",
        "event: done",
        'data: {"message":' + MESSAGE % ("Hello", "complete") + ',"usage":null,"timing":null}',
        "",
    ]
    events = list(chat_events(lines))
    assert [type(e) for e in events] == [MessageStarted, Delta, Delta, Done]
    started, first, second, done = events
    assert isinstance(started, MessageStarted)
    assert started.assistant_message.status == "pending"
    assert isinstance(first, Delta)
    assert isinstance(second, Delta)
    assert first.text + second.text == "Hello"
    assert isinstance(done, Done)
    assert done.message.content == "Hello"
    assert final_text(events) == "Hello"


def test_a_multi_line_data_field_is_joined_and_a_resumed_stream_starts_from_its_snapshot() -> None:
    lines = ["event: snapshot", 'data: {"content":', 'data: "Hel"}', "", "event: delta"]
    lines += ['data: {"text":"lo"}', ""]
    events = list(chat_events(lines))
    assert isinstance(events[0], Snapshot)
    assert events[0].content == "Hel"
    assert final_text(events) == "Hello"
