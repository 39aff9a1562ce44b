"""The outbox gauges a scrape reads follow the unpublished rows in MongoDB."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.metrics import configure_metrics
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.settings import ServiceSettings
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.infra import Infra


def gauge(name: str) -> float | None:
    for family in text_string_to_metric_families(generate_latest(REGISTRY).decode()):
        for sample in family.samples:
            if sample.name == name and not sample.labels:
                return float(sample.value)
    return None


def routing_event(user: str) -> EventEnvelope:
    return new_event(
        "byod.routing.changed",
        source="byod",
        subject=user,
        data={"user_id": user, "version": 1, "placement": "hosted"},
    )


async def test_outbox_backlog_gauge_reflects_unpublished_rows(infra: Infra, unique: str) -> None:
    settings = ServiceSettings(
        service_name=f"gauges{unique}",
        mongo_uri=infra.mongo_uri,
        kafka_bootstrap=infra.kafka_bootstrap,
        event_sealing=False,
        log_level="WARNING",
    )
    configure_metrics(settings)
    runtime = ServiceRuntime(settings)
    try:
        await runtime.outbox.ensure_indexes()
        await runtime.outbox.put(routing_event("user-a1"), None)
        await runtime.outbox.put(routing_event("user-b2"), None)
        await runtime.refresh_metrics()
        assert gauge("muninn_outbox_backlog") == 2
        age = gauge("muninn_outbox_oldest_age_seconds")
        assert age is not None
        assert age >= 0
        rows = await runtime.outbox.pending(10)
        await runtime.outbox.mark_published([row["_id"] for row in rows])
        await runtime.refresh_metrics()
        assert gauge("muninn_outbox_backlog") == 0
        assert gauge("muninn_outbox_oldest_age_seconds") == 0
        assert gauge("muninn_outbox_dead_letters") == 0
        assert "user-a1" not in generate_latest(REGISTRY).decode()
    finally:
        await runtime.main_mongo.close()
        await runtime._jwks_client.aclose()
        await runtime._identity_client.aclose()
