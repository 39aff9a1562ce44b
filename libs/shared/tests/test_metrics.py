"""Metrics as a scraper reads them: per route template, per consumer, bounded labels.

Every test reads the Prometheus exposition the process would serve on its metrics port, and
compares figures before and after what it does (other tests in the run record too).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from faststream.kafka import KafkaBroker, TestKafkaBroker
from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.http.app import create_service_app
from muninn_shared.messaging.consumer import EventConsumers
from muninn_shared.metrics import (
    CONSUMER_LAG,
    GAUGE_VALUES,
    OUTBOX_BACKLOG,
    GaugeValues,
    MuninnMetrics,
    configure_metrics,
    metrics_address,
    status_class,
)
from muninn_shared.problems import ProblemError
from muninn_shared.settings import ServiceSettings
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

USER_ID = "user-5f1c0b7e"


@pytest.fixture(autouse=True)
def installed() -> None:
    configure_metrics(ServiceSettings(service_name="metricsprobe", log_level="WARNING"))


def scrape(registry: CollectorRegistry = REGISTRY) -> dict[tuple[str, frozenset[Any]], float]:
    text = generate_latest(registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(name: str, **labels: str) -> float:
    return scrape().get((name, frozenset(labels.items())), 0.0)


def probe_app() -> Any:
    router = APIRouter()

    @router.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        if item_id == "missing":
            raise ProblemError(404, "No such item.", code="not-found")
        return {"id": item_id}

    @router.post("/items/{item_id}/fail")
    async def fail(item_id: str) -> dict[str, str]:
        raise RuntimeError("handler broke")

    return create_service_app(
        service="metricsprobe", title="probe", description="probe", routers=[router]
    )


async def test_requests_are_counted_by_route_template_and_status_class() -> None:
    app = probe_app()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    route = "/items/{item_id}"
    ok = {"method": "GET", "route": route, "status_class": "2xx"}
    missing = {"method": "GET", "route": route, "status_class": "4xx"}
    failed = {"method": "POST", "route": route + "/fail", "status_class": "5xx"}
    count = "muninn_http_server_duration_seconds_count"
    before = {key: value(count, **labels) for key, labels in (("ok", ok), ("4", missing))}
    failed_before = value(count, **failed)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        assert (await client.get(f"/items/{USER_ID}")).status_code == 200
        assert (await client.get("/items/other")).status_code == 200
        assert (await client.get("/items/missing")).status_code == 404
        assert (await client.post(f"/items/{USER_ID}/fail")).status_code == 500
    assert value(count, **ok) == before["ok"] + 2
    assert value(count, **missing) == before["4"] + 1
    assert value(count, **failed) == failed_before + 1
    buckets = [
        labels
        for (name, labels) in scrape()
        if name == "muninn_http_server_duration_seconds_bucket" and ("route", route) in labels
    ]
    assert buckets, "latency is a histogram with buckets"


async def test_unrouted_paths_share_one_label_and_probes_are_not_counted() -> None:
    app = probe_app()
    transport = httpx.ASGITransport(app=app)
    unmatched = {"method": "GET", "route": "unmatched", "status_class": "4xx"}
    count = "muninn_http_server_duration_seconds_count"
    before = value(count, **unmatched)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        await client.get(f"/nowhere/{USER_ID}")
        await client.get("/nowhere/else")
        await client.request("BREW", "/items/x")
        await client.get("/healthz")
    assert value(count, **unmatched) == before + 2
    routes = {dict(labels).get("route") for (name, labels) in scrape() if name == count}
    assert "/healthz" not in routes
    assert {"method": "other", "route": "/items/{item_id}", "status_class": "4xx"} in [
        dict(labels) for (name, labels) in scrape() if name == count
    ]


async def test_the_api_port_does_not_answer_metrics() -> None:
    transport = httpx.ASGITransport(app=probe_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        response = await client.get("/metrics")
    assert response.status_code == 404


def test_metrics_listen_on_their_own_port_by_default() -> None:
    assert metrics_address(ServiceSettings(port=8083)) == ("127.0.0.1", 9083)
    assert metrics_address(
        ServiceSettings(port=8080, metrics_port=9999, metrics_host="0.0.0.0")
    ) == (
        "0.0.0.0",
        9999,
    )
    assert metrics_address(ServiceSettings(metrics_enabled=False)) is None


def test_status_classes() -> None:
    assert [status_class(s) for s in (200, 204, 302, 404, 503, 0)] == [
        "2xx",
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "other",
    ]


class AppliedOnce:
    async def apply_once(self, consumer: str, event_id: str, work: Any) -> bool:
        await work(None)
        return True


class NobodyErased:
    async def is_erased(self, user_id: str) -> bool:
        return False


def routing_event(user: str) -> EventEnvelope:
    return new_event(
        "byod.routing.changed",
        source="byod",
        subject=user,
        data={"user_id": user, "version": 1, "placement": "hosted"},
    )


def probe_consumers() -> tuple[KafkaBroker, EventConsumers]:
    """An in-process broker and consumers that apply every event once and give up at once."""
    broker = KafkaBroker()
    consumers = EventConsumers(
        broker,
        service="metricsprobe",
        instance_id="0",
        processed=AppliedOnce(),  # type: ignore[arg-type]
        tombstones=NobodyErased(),  # type: ignore[arg-type]
        max_attempts=1,
        retry_base_seconds=0.001,
    )
    return broker, consumers


async def test_a_delivered_event_records_its_processing_time_per_consumer() -> None:
    broker, consumers = probe_consumers()
    applied: list[str] = []

    @consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="routes", on_main=True)
    async def handle(event: EventEnvelope, session: Any) -> None:
        applied.append(event.subject)

    labels = {"consumer": "metricsprobe.routes", "outcome": "applied"}
    count = "muninn_consumer_processing_duration_seconds_count"
    before = value(count, **labels)
    raw = json.dumps(routing_event(USER_ID).model_dump(mode="json")).encode()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(raw, topic=Topic.BYOD_ROUTING.value)
    assert applied == [USER_ID]
    assert value(count, **labels) == before + 1
    assert value("muninn_consumer_processing_duration_seconds_sum", **labels) >= 0
    # The in-process broker has no Kafka client: no lag to report, and no failure either.
    assert await consumers.lag() == []


async def test_an_event_given_up_on_counts_as_a_dead_letter_by_consumer_and_reason() -> None:
    broker, consumers = probe_consumers()

    @consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="broken", on_main=True)
    async def handle(event: EventEnvelope, session: Any) -> None:
        raise ValueError("cannot apply this")

    dead = {"consumer": "metricsprobe.broken", "reason": "handler-failed"}
    timed = {"consumer": "metricsprobe.broken", "outcome": "dead_lettered"}
    before = value("muninn_consumer_dead_letters_total", **dead)
    timed_before = value("muninn_consumer_processing_duration_seconds_count", **timed)
    raw = json.dumps(routing_event(USER_ID).model_dump(mode="json")).encode()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(raw, topic=Topic.BYOD_ROUTING.value)
    assert value("muninn_consumer_dead_letters_total", **dead) == before + 1
    assert value("muninn_consumer_processing_duration_seconds_count", **timed) == timed_before + 1


class FakeKafkaClient:
    """What EventConsumers.lag reads of aiokafka's consumer: assignment, highwater, position."""

    def __init__(self, ends: dict[str, int], positions: dict[str, int]) -> None:
        self._ends, self._positions = ends, positions

    def assignment(self) -> set[str]:
        return set(self._ends)

    def highwater(self, partition: str) -> int | None:
        return self._ends[partition]

    async def position(self, partition: str) -> int:
        return self._positions[partition]


async def test_consumer_lag_sums_the_partitions_a_replica_holds() -> None:
    broker = KafkaBroker()
    consumers = EventConsumers(
        broker,
        service="metricsprobe",
        instance_id="0",
        processed=AppliedOnce(),  # type: ignore[arg-type]
        tombstones=NobodyErased(),  # type: ignore[arg-type]
    )

    @consumers.on(Topic.BYOD_ROUTING, "byod.routing.changed", name="lagging", on_main=True)
    async def handle(event: EventEnvelope, session: Any) -> None:
        return None

    ((_, subscriber),) = consumers._subscribers
    subscriber.consumer = FakeKafkaClient({"p0": 10, "p1": 7}, {"p0": 4, "p1": 7})
    series = await consumers.lag()
    assert series == [({"consumer": "metricsprobe.lagging"}, 6.0)]
    GAUGE_VALUES.replace(CONSUMER_LAG.name, series)
    assert value("muninn_consumer_lag", consumer="metricsprobe.lagging") == 6


def test_a_replaced_gauge_forgets_series_that_are_gone() -> None:
    values = GaugeValues()
    values.replace("g", [({"consumer": "a"}, 1), ({"consumer": "b"}, 2)])
    values.replace("g", [({"consumer": "b"}, 3)])
    assert values.read("g") == {(("consumer", "b"),): 3.0}


def test_no_exported_label_carries_a_user_id() -> None:
    """After the tests above sent USER_ID in paths and event subjects, no series names it."""
    GAUGE_VALUES.set(OUTBOX_BACKLOG.name, 1)
    for (_, labels), _ in scrape().items():
        for _, label_value in labels:
            assert USER_ID not in label_value


@pytest.fixture
def private_registry() -> Iterator[tuple[MuninnMetrics, CollectorRegistry]]:
    registry = CollectorRegistry()
    reader = PrometheusMetricReader(scope_info_enabled=False, registry=registry)
    provider = MeterProvider(metric_readers=[reader])
    yield MuninnMetrics(provider.get_meter("probe"), GaugeValues()), registry
    provider.shutdown()


def test_histograms_use_the_advised_buckets(
    private_registry: tuple[MuninnMetrics, CollectorRegistry],
) -> None:
    metrics, registry = private_registry
    metrics.search_duration.record(0.03, {"stage": "embed"})
    bounds = {
        dict(labels)["le"]
        for (name, labels) in scrape(registry)
        if name == "muninn_memory_search_duration_seconds_bucket"
    }
    assert {"0.025", "0.05", "+Inf"} <= bounds
