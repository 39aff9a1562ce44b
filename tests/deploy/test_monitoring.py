"""Monitoring manifests against the code: every metric an alert or a panel names is one the
services export, the dashboard parses and its ConfigMap is current, and the ServiceMonitor
and PrometheusRule are valid against the vendored prometheus-operator schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from muninn_shared.metrics import GAUGES, GaugeValues, MuninnMetrics
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics._internal.instrument import Counter, Histogram
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.scripts import load_script

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MONITORING = DEPLOY / "k8s" / "monitoring"
SCHEMAS = DEPLOY / "schemas" / "crds" / "monitoring.coreos.com"
DASHBOARD = DEPLOY / "grafana" / "muninn-overview.json"

# Functions, keywords and label names PromQL expressions use here; anything else that looks
# like an identifier must be an exported series.
_NOT_METRICS = {
    "sum",
    "max",
    "min",
    "avg",
    "rate",
    "increase",
    "by",
    "without",
    "histogram_quantile",
    "or",
    "and",
    "unless",
    "le",
    "stage",
    "service",
    "consumer",
    "reason",
    "route",
    "kind",
    "provider",
    "direction",
    "status_class",
    "method",
    "outcome",
    "humanizeDuration",
}


def exported_series() -> set[str]:
    """The series names the Prometheus exporter makes of every instrument in muninn_shared.metrics."""
    registry = CollectorRegistry()
    provider = MeterProvider(
        metric_readers=[PrometheusMetricReader(scope_info_enabled=False, registry=registry)]
    )
    values = GaugeValues()
    metrics = MuninnMetrics(provider.get_meter("names"), values)
    for instrument in vars(metrics).values():
        if isinstance(instrument, Counter):
            instrument.add(1)
        elif isinstance(instrument, Histogram):
            instrument.record(1.0)
    for gauge in GAUGES:
        values.set(gauge.name, 1)
    text = generate_latest(registry).decode()
    provider.shutdown()
    return {
        sample.name
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("muninn_")
    }


def rules() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((MONITORING / "prometheusrule.yaml").read_text())
    return loaded


def expressions() -> list[str]:
    from_rules = [rule["expr"] for group in rules()["spec"]["groups"] for rule in group["rules"]]
    dashboard = json.loads(DASHBOARD.read_text())
    from_panels = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    return from_rules + from_panels


def names_in(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', "", expr)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_strings)
    return set(re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", without_ranges)) - _NOT_METRICS


def test_every_instrument_is_exported_under_a_muninn_name() -> None:
    exported = exported_series()
    assert "muninn_http_server_duration_seconds_bucket" in exported
    assert "muninn_outbox_oldest_age_seconds" in exported
    assert "muninn_consumer_dead_letters_total" in exported
    assert "muninn_erasure_stuck" in exported


@pytest.mark.parametrize("expr", expressions())
def test_promql_names_only_exported_series(expr: str) -> None:
    unknown = names_in(expr) - exported_series()
    assert not unknown, f"{expr!r} names series no service exports: {sorted(unknown)}"


def test_every_slo_has_an_alert() -> None:
    exprs = " ".join(rule["expr"] for group in rules()["spec"]["groups"] for rule in group["rules"])
    for series in (
        "muninn_memory_search_duration_seconds_bucket",
        "muninn_outbox_oldest_age_seconds",
        "muninn_consumer_lag",
        "muninn_consumer_dead_letters_total",
        "muninn_erasure_stuck",
    ):
        assert series in exprs


def test_the_dashboard_parses_and_its_configmap_is_current() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["panels"]
    generator = load_script(DEPLOY / "k8s" / "generate_dashboard.py", "generate_dashboard")
    assert (MONITORING / "grafana-dashboard.yaml").read_text() == generator.configmap(), (
        "run: .venv/bin/python deploy/k8s/generate_dashboard.py "
        "> deploy/k8s/monitoring/grafana-dashboard.yaml"
    )
    configmap = yaml.safe_load((MONITORING / "grafana-dashboard.yaml").read_text())
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["muninn-overview.json"]) == dashboard


@pytest.mark.parametrize(
    ("manifest", "schema"),
    [
        ("servicemonitor.yaml", "servicemonitor_v1.json"),
        ("prometheusrule.yaml", "prometheusrule_v1.json"),
    ],
)
def test_custom_resources_match_the_operators_schema(manifest: str, schema: str) -> None:
    document = yaml.safe_load((MONITORING / manifest).read_text())
    # Not jsonschema.validate: it first checks the schema itself, and the CRD's Go patterns
    # (an inline "(?i)" mid-pattern) are not Python regexes; the fields used here have none.
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / schema).read_text()))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors


def test_the_servicemonitor_scrapes_the_metrics_port_every_service_declares() -> None:
    monitor = yaml.safe_load((MONITORING / "servicemonitor.yaml").read_text())
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
    for path in (DEPLOY / "k8s" / "base").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "Service":
                assert "metrics" in [p["name"] for p in doc["spec"]["ports"]], path.name
