"""Where a search or an ingestion job spends its time: for the W3C ``Server-Timing`` response
header and a histogram with one series per stage, and ``total`` (by default
``muninn.memory.search.duration``; ingestion records ``muninn.memory.ingestion.stage.duration``).

Stages are recorded into the timings of the request or job being served (a context variable,
which tasks it starts inherit), so code deep in the index needs no extra parameter; outside a
recording, ``stage`` costs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from muninn_shared.metrics import METRICS
from opentelemetry.metrics import Histogram


class StageTimings:
    def __init__(self, histogram: Histogram | None = None) -> None:
        self.started = time.perf_counter()
        self.stages: dict[str, float] = {}
        self._histogram = histogram if histogram is not None else METRICS.search_duration

    def add(self, name: str, seconds: float) -> None:
        self.stages[name] = self.stages.get(name, 0.0) + seconds

    def record_metrics(self) -> None:
        total = time.perf_counter() - self.started
        for name, seconds in [*self.stages.items(), ("total", total)]:
            self._histogram.record(seconds, {"stage": name})

    def header(self) -> str:
        """``embed;dur=21.3, index;dur=8.1, …, total;dur=40.2`` (milliseconds)."""
        total = time.perf_counter() - self.started
        entries = [*self.stages.items(), ("total", total)]
        return ", ".join(f"{name};dur={seconds * 1000:.1f}" for name, seconds in entries)


_current: ContextVar[StageTimings | None] = ContextVar("muninn_stage_timings", default=None)


@contextmanager
def recording(histogram: Histogram | None = None) -> Iterator[StageTimings]:
    timings = StageTimings(histogram)
    token = _current.set(timings)
    try:
        yield timings
        timings.record_metrics()
    finally:
        _current.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    timings = _current.get()
    if timings is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timings.add(name, time.perf_counter() - started)
