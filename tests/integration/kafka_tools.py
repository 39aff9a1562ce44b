"""Reading what services published, straight from the broker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from muninn_shared.events import Topic


async def collect(
    bootstrap: str,
    topic: str,
    wanted: Callable[[dict[str, Any]], bool],
    *,
    count: int = 1,
    timeout: float = 60,
) -> list[dict[str, Any]]:
    """Read ``topic`` from the beginning until ``count`` matching JSON bodies arrived.

    Publishing is at least once (a relay that dies between publishing and marking may send
    an event again; consumers skip it by id), so a redelivered envelope is counted once.
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < count:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    body = json.loads(record.value)
                    event_id = body.get("id") if isinstance(body, dict) else None
                    if event_id is not None and event_id in seen:
                        continue
                    if wanted(body):
                        found.append(body)
                        if event_id is not None:
                            seen.add(event_id)
    finally:
        await consumer.stop()
    return found


async def message_event(bootstrap: str, event_type: str, message_id: str) -> dict[str, Any]:
    """The one ``event_type`` event the conversation service published for ``message_id``."""
    [body] = await collect(
        bootstrap,
        Topic.CONVERSATION_MESSAGES.value,
        lambda body: body.get("type") == event_type and body["data"]["message_id"] == message_id,
        timeout=30,
    )
    return body
