"""The scheduler every test here talks to: its own databases on the module's servers, the
clock at 2026-06-10 09:00 UTC, timers fired only when a test says so."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.settings import SchedulerSettings

from tests.integration.infra import Infra
from tests.integration.scheduler.harness import (
    LisbonUser,
    Scheduler,
    auth,
    lisbon_user,
    running,
    scheduler_settings,
    start_clock,
)


@pytest.fixture
def settings(infra: Infra, unique: str) -> SchedulerSettings:
    return scheduler_settings(infra, unique)


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
async def scheduler(settings: SchedulerSettings, clock: ManualClock) -> AsyncIterator[Scheduler]:
    async with running(settings, clock) as pair:
        yield pair


@pytest.fixture
async def lisbon(scheduler: Scheduler, settings: SchedulerSettings) -> LisbonUser:
    client, app = scheduler
    user_id = await lisbon_user(app)
    return LisbonUser(client, app, user_id, auth(settings, user_id))
