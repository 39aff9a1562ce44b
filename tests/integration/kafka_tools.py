"""Reading what services published, straight from the broker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer


async def collect(
    bootstrap: str,
    topic: str,
    wanted: Callable[[dict[str, Any]], bool],
    *,
    count: int = 1,
    timeout: float = 60,
) -> list[dict[str, Any]]:
    """Read ``topic`` from the beginning until ``count`` matching JSON bodies arrived."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < count:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    body = json.loads(record.value)
                    if wanted(body):
                        found.append(body)
    finally:
        await consumer.stop()
    return found
