"""Background tasks: crashes restart with back-off, steps fail alone, stop() cancels cleanly."""

from __future__ import annotations

import asyncio

import pytest
import structlog
from muninn_shared import background
from muninn_shared.background import BackgroundTasks
from structlog.testing import capture_logs


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "FIRST_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(background, "MAX_BACKOFF_SECONDS", 0.04)


@pytest.fixture(autouse=True)
def uncached_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    """A logger not yet bound: once a service app configured logging, the module's logger is
    cached on first use and ``capture_logs`` would see nothing, whatever ran before."""
    monkeypatch.setattr(background, "log", structlog.get_logger(background.__name__))


async def _until(condition: object, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.005)


async def test_a_crashing_task_is_restarted_with_growing_back_off() -> None:
    runs = 0

    async def crashes() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("boom")

    tasks = BackgroundTasks("probe")
    tasks.add("crasher", crashes)
    with capture_logs() as logs:
        await tasks.start()
        await _until(lambda: runs >= 5)
        await tasks.stop()
    crashes_logged = [e for e in logs if e["event"] == "background task crashed; restarting"]
    assert [e["retry_in"] for e in crashes_logged[:4]] == [0.01, 0.02, 0.04, 0.04]
    assert all(e["task"] == "crasher" and e["service"] == "probe" for e in crashes_logged)


async def test_a_task_without_restart_stays_failed() -> None:
    async def crashes() -> None:
        raise RuntimeError("boom")

    tasks = BackgroundTasks("probe")
    tasks.add("once", crashes, restart=False)
    await tasks.start()
    await _until(lambda: tasks.status()["once"] == "failed")
    await tasks.stop()


async def test_stop_cancels_every_task_in_reverse_order() -> None:
    stopped: list[str] = []

    def forever(name: str) -> background.Run:
        async def run() -> None:
            try:
                await asyncio.Event().wait()
            finally:
                stopped.append(name)

        return run

    tasks = BackgroundTasks("probe")
    tasks.add("first", forever("first"))
    tasks.add("second", forever("second"))
    await tasks.start()
    await _until(lambda: set(tasks.status().values()) == {"running"})
    await tasks.stop(timeout=1.0)
    assert stopped == ["second", "first"]
    assert tasks.status() == {"first": "stopped", "second": "stopped"}


async def test_a_failing_periodic_step_does_not_end_the_schedule() -> None:
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("first tick fails")

    tasks = BackgroundTasks("probe")
    tasks.every("ticker", 0.01, step)
    with capture_logs() as logs:
        await tasks.start()
        await _until(lambda: calls >= 3)
        await tasks.stop()
    failures = [e for e in logs if e["event"] == "background step failed"]
    assert len(failures) == 1
    assert failures[0]["task"] == "ticker"
    assert tasks.status() == {"ticker": "stopped"}


async def test_a_task_added_after_start_starts_at_once() -> None:
    ran = asyncio.Event()

    async def run() -> None:
        ran.set()

    tasks = BackgroundTasks("probe")
    await tasks.start()
    tasks.add("late", run)
    await asyncio.wait_for(ran.wait(), 1.0)
    await _until(lambda: tasks.status()["late"] == "finished")
    await tasks.stop()


def test_names_are_unique() -> None:
    async def run() -> None:
        return None

    tasks = BackgroundTasks("probe")
    tasks.add("loop", run)
    with pytest.raises(ValueError, match="loop"):
        tasks.add("loop", run)
