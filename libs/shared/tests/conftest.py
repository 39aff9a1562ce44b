"""What the shared library's tests share: a chat message event as conversation emits it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.events.payloads import MessageEvent

MessageFactory = Callable[..., EventEnvelope]


@pytest.fixture
def message_event() -> MessageFactory:
    """``message_event(user, content, **fields)``: a ``conversation.message.created`` event."""

    def build(user: str = "u-1", content: str = "hello", **fields: Any) -> EventEnvelope:
        payload = MessageEvent.model_validate(
            {
                "user_id": user,
                "conversation_id": "c-1",
                "message_id": "m-1",
                "role": "user",
                "content": content,
                "created_at": datetime(2026, 3, 1, tzinfo=UTC),
                **fields,
            }
        )
        return new_event(
            "conversation.message.created", source="conversation", subject=user, data=payload
        )

    return build
