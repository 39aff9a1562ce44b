"""Long-running and periodic asyncio tasks of a service, started and stopped as one.

Every service used to hand-write ``asyncio.create_task`` / ``cancel`` / ``await`` for its
loops, each with its own idea of what happens when a loop crashes. Here a crashed loop is
logged with its name and restarted with exponential back-off, and a failing periodic step
is logged and retried at the next tick, so one bad iteration never silently ends a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from muninn_shared.logging import get_logger

log = get_logger(__name__)

Run = Callable[[], Awaitable[None]]
# A periodic step may answer something (how much it did, whether it ran); it is not used.
Step = Callable[[], Awaitable[object]]

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0


@dataclass
class _Task:
    name: str
    run: Run
    restart: bool
    state: str = "registered"
    handle: asyncio.Task[None] | None = None


class BackgroundTasks:
    """The named background tasks of ``service``; ``status()`` reports each one's state."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._tasks: list[_Task] = []
        self._started = False

    def add(self, name: str, run: Run, *, restart: bool = True) -> None:
        """``run`` is a long-running loop; if it crashes it restarts after 1 s, 2 s … 60 s."""
        if any(task.name == name for task in self._tasks):
            raise ValueError(f"a background task named {name!r} is already registered")
        task = _Task(name, run, restart)
        self._tasks.append(task)
        if self._started:
            self._launch(task)

    def every(self, name: str, interval: float, step: Step, *, start_delay: float = 0.0) -> None:
        """Run ``step`` every ``interval`` seconds; a failing step is retried at the next tick."""
        bound = log.bind(service=self._service, task=name)

        async def periodically() -> None:
            await asyncio.sleep(start_delay)
            while True:
                try:
                    await step()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # one failing step must not end the schedule
                    bound.warning("background step failed", error=repr(exc))
                await asyncio.sleep(interval)

        self.add(name, periodically, restart=True)

    async def start(self) -> None:
        self._started = True
        for task in self._tasks:
            if task.handle is None:
                self._launch(task)

    async def stop(self, timeout: float = 10.0) -> None:
        """Cancel the tasks, the last added first, and wait (bounded) for each to finish."""
        self._started = False
        for task in reversed(self._tasks):
            handle, task.handle = task.handle, None
            if handle is None:
                continue
            handle.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(handle, timeout)
            if not handle.done():
                log.warning(
                    "background task did not stop in time",
                    service=self._service,
                    task=task.name,
                    timeout=timeout,
                )
            task.state = "stopped"

    def status(self) -> dict[str, str]:
        """Each task's state: registered, running, backing-off, finished, failed or stopped."""
        return {task.name: task.state for task in self._tasks}

    def _launch(self, task: _Task) -> None:
        task.handle = asyncio.create_task(
            self._supervise(task), name=f"{self._service}:{task.name}"
        )

    async def _supervise(self, task: _Task) -> None:
        bound = log.bind(service=self._service, task=task.name)
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            task.state = "running"
            try:
                await task.run()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not task.restart:
                    task.state = "failed"
                    bound.exception("background task crashed", error=repr(exc))
                    return
                task.state = "backing-off"
                bound.exception(
                    "background task crashed; restarting", error=repr(exc), retry_in=backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            task.state = "finished"
            bound.info("background task finished")
            return
