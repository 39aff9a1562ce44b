from __future__ import annotations

import asyncio

from muninn_memory.retrieval.timing import recording, stage


def parse(header: str) -> dict[str, float]:
    found = {}
    for entry in header.split(", "):
        name, dur = entry.split(";dur=")
        found[name] = float(dur)
    return found


async def test_stages_of_concurrent_tasks_land_in_the_request_being_served() -> None:
    async def step(name: str, seconds: float) -> None:
        with stage(name):
            await asyncio.sleep(seconds)

    with recording() as timings:
        await asyncio.gather(step("embed", 0.02), step("index", 0.01))
        await step("index", 0.01)
    entries = parse(timings.header())
    assert set(entries) == {"embed", "index", "total"}
    assert entries["embed"] >= 20
    assert entries["index"] >= 20, "a stage met twice adds up"
    assert entries["total"] >= entries["embed"]


async def test_outside_a_recording_stages_record_nothing() -> None:
    with stage("embed"):
        await asyncio.sleep(0)
    with recording() as timings:
        pass
    assert list(parse(timings.header())) == ["total"]


class Histogram:
    def __init__(self) -> None:
        self.recorded: list[tuple[float, dict[str, str]]] = []

    def record(self, amount: float, attributes: dict[str, str] | None = None) -> None:
        self.recorded.append((amount, dict(attributes or {})))


async def test_an_ingestion_job_records_its_stages_into_its_own_histogram() -> None:
    histogram = Histogram()
    with recording(histogram) as timings:  # type: ignore[arg-type]
        timings.add("claim", 0.5)
        with stage("transaction"):
            await asyncio.sleep(0)
    assert [a["stage"] for _, a in histogram.recorded] == ["claim", "transaction", "total"]
    assert histogram.recorded[0][0] == 0.5
