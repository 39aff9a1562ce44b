from __future__ import annotations

import asyncio
from typing import Any

from muninn_memory.ingestion.worker import IngestionWorkers


class _EmptyQueue:
    async def claim(self, **_: Any) -> None:
        return None


async def test_stop_is_never_lost_when_a_wake_up_arrives_with_it() -> None:
    """A cancellation landing as the wake-up event is set must still end the worker (on Python
    3.11, ``asyncio.wait_for`` returned the event's result instead, and the loop ran on)."""
    for ticks in range(6):
        for _ in range(20):
            workers = IngestionWorkers(
                _EmptyQueue(),  # type: ignore[arg-type]
                None,  # type: ignore[arg-type]
                workers=1,
                lease_seconds=30,
                poll_interval=5,
                instance_id="i",
                max_attempts=3,
            )
            # One worker loop, as BackgroundTasks runs it (its supervisor awaits the loop).
            task = asyncio.create_task(workers.run())
            await asyncio.sleep(0)  # the worker is now waiting for a wake-up
            workers.wake()
            for _ in range(ticks):
                await asyncio.sleep(0)
            task.cancel()
            done, _pending = await asyncio.wait([task], timeout=2)
            assert done, f"the worker ignored its stop ({ticks} ticks after the wake-up)"
