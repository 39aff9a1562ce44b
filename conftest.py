"""Run-wide guard: stop cleanly before CI's hard limit so the log still has a summary.

CI kills the run at 90 minutes and prints nothing about why. Past the budget, pytest
finishes the test in progress, then stops (exit status 2) and reports the failures and the
slowest tests.
"""

from __future__ import annotations

import os
import time

import pytest

BUDGET_SECONDS = float(os.environ.get("MUNINN_TEST_BUDGET_SECONDS", "4200"))


class _Budget:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.session: pytest.Session | None = None


_budget = _Budget()


def pytest_sessionstart(session: pytest.Session) -> None:
    _budget.session = session


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    session = _budget.session
    if report.when != "teardown" or session is None or session.shouldstop:
        return
    if time.monotonic() - _budget.started > BUDGET_SECONDS:
        session.shouldstop = (
            f"the run passed its {BUDGET_SECONDS:.0f} s budget (MUNINN_TEST_BUDGET_SECONDS)"
        )
