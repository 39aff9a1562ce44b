"""The client-side long poll: an empty fetch that came back early waits out fetch_max_wait_ms."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from aiokafka.consumer.fetcher import Fetcher
from faststream.kafka import KafkaBroker
from muninn_shared.messaging import pacing
from muninn_shared.messaging.consumer import EventConsumers
from muninn_shared.settings import ServiceSettings
from muninn_shared.storage.idempotency import ProcessedEvents
from muninn_shared.storage.tombstones import ErasureTombstones


class FakeFetcher:
    _fetch_max_wait_ms = 200


@pytest.fixture
def fetch_result(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    state: dict[str, Any] = {"records": False, "sleeps": []}

    async def fake_fetch(self: Any, assignment: Any, node_id: Any, request: Any) -> bool:
        return bool(state["records"])

    async def recording_sleep(seconds: float) -> None:
        state["sleeps"].append(seconds)

    monkeypatch.setattr(Fetcher, "_proc_fetch_request", fake_fetch)
    # Only the pacing's wait is replaced: a patched asyncio.sleep would also stop every other
    # task on the loop from waiting (a server's tick loop then spins without yielding).
    pacing.pace_empty_fetches(sleep=recording_sleep)
    return state


async def test_an_empty_fetch_waits_out_the_rest_of_max_wait(fetch_result: dict[str, Any]) -> None:
    got = await Fetcher._proc_fetch_request(FakeFetcher(), None, 0, None)  # type: ignore[arg-type]
    assert got is False
    assert len(fetch_result["sleeps"]) == 1
    assert 0.1 < fetch_result["sleeps"][0] <= 0.2


async def test_a_fetch_with_records_returns_at_once(fetch_result: dict[str, Any]) -> None:
    fetch_result["records"] = True
    got = await Fetcher._proc_fetch_request(FakeFetcher(), None, 0, None)  # type: ignore[arg-type]
    assert got is True
    assert fetch_result["sleeps"] == []


def test_installing_twice_wraps_once(fetch_result: dict[str, Any]) -> None:
    installed = Fetcher._proc_fetch_request
    pacing.pace_empty_fetches()
    assert Fetcher._proc_fetch_request is installed
    assert asyncio.iscoroutinefunction(installed)


def build_consumers(**options: Any) -> EventConsumers:
    return EventConsumers(
        KafkaBroker(),
        service="memory",
        instance_id="test",
        processed=cast(ProcessedEvents, None),
        tombstones=cast(ErasureTombstones, None),
        **options,
    )


def test_production_consumers_leave_aiokafka_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    async def untouched(self: Any, assignment: Any, node_id: Any, request: Any) -> bool:
        return False

    monkeypatch.setattr(Fetcher, "_proc_fetch_request", untouched)
    build_consumers()
    assert Fetcher._proc_fetch_request is untouched
    assert ServiceSettings.model_fields["kafka_pace_empty_fetches"].default is False


def test_consumers_against_the_development_broker_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    async def untouched(self: Any, assignment: Any, node_id: Any, request: Any) -> bool:
        return False

    monkeypatch.setattr(Fetcher, "_proc_fetch_request", untouched)
    build_consumers(pace_empty_fetches=True)
    assert Fetcher._proc_fetch_request is not untouched
