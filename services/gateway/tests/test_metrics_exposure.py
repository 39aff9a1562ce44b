"""The gateway's metrics: never on its public port, labelled by route prefix, never by path."""

from __future__ import annotations

from typing import Any

import httpx
from muninn_gateway.settings import GatewaySettings
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

COUNT = "muninn_http_server_duration_seconds_count"


def series() -> list[dict[str, str]]:
    text = generate_latest(REGISTRY).decode()
    return [
        sample.labels
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == COUNT
    ]


def count(**labels: str) -> float:
    text = generate_latest(REGISTRY).decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == COUNT and sample.labels == labels
    )


async def test_metrics_are_not_reachable_through_the_public_routes(
    client: httpx.AsyncClient, bearer: Any
) -> None:
    for path in ("/metrics", "/v1/metrics", "/v1/memories/metrics/../../metrics"):
        response = await client.get(path, headers=bearer())
        assert response.status_code in (400, 404), path
        assert "muninn_http_server" not in response.text


async def test_proxied_requests_are_counted_by_the_prefix_they_matched(
    client: httpx.AsyncClient, bearer: Any
) -> None:
    labels = {"method": "GET", "route": "/v1/conversations", "status_class": "2xx"}
    before = count(**labels)
    response = await client.get("/v1/conversations/c-8d41e2", headers=bearer("user-7a0c"))
    assert response.status_code == 200, response.text
    assert count(**labels) == before + 1
    for seen in series():
        assert "c-8d41e2" not in seen["route"]
        assert "user-7a0c" not in seen["route"]


def test_the_gateways_metrics_listen_apart_from_its_public_port() -> None:
    settings = GatewaySettings()
    assert settings.metrics_port is None  # the default: the public port + 1000
    from muninn_shared.metrics import metrics_address

    address = metrics_address(settings)
    assert address is not None
    assert address[1] != settings.port
