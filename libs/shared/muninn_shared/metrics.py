"""OpenTelemetry metrics: every instrument Muninn records, defined once, and their export.

Services record through :data:`METRICS` (``METRICS.search_duration.record(...)``). The
instruments come from the API's global meter, so they can be created at import time and
bind to the process's :class:`MeterProvider` once :func:`configure_metrics` installs it;
before that (and in processes that never install one) recording costs next to nothing.

Two readers share one provider: a Prometheus reader, served by :func:`start_metrics_server`
on its own port (never the API's, so the gateway's public listener cannot expose it), and,
when traces go out over OTLP, a periodic OTLP exporter beside them.

Labels stay bounded: route templates (never a raw path), consumer names, event types'
reasons, timer kinds, provider names and status classes; never a user id, an event id or a
request path. Gauges (backlogs, lag, ages) are not queried per scrape: periodic background
steps compute them with bounded queries and put them in :class:`GaugeValues`, whose callbacks
only read the latest figures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Meter, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from muninn_shared.logging import get_logger
from muninn_shared.settings import ServiceSettings

log = get_logger(__name__)

METER_NAME = "muninn"

# Seconds. Requests and searches are interactive: fine steps under a second, a coarse tail.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Seconds. Background work (ingestion, timers, LLM answers) runs from sub-second to minutes.
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)

Labels = Mapping[str, str]
_LabelKey = tuple[tuple[str, str], ...]


class GaugeValues:
    """The latest figures of the observable gauges, written by periodic steps, read per scrape.

    A step replaces all the series of one gauge at once, so a consumer or a timer kind that
    is gone stops being reported instead of keeping its last value forever.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[_LabelKey, float]] = {}

    def set(self, gauge: str, value: float, labels: Labels | None = None) -> None:
        key = tuple(sorted((labels or {}).items()))
        with self._lock:
            self._values.setdefault(gauge, {})[key] = float(value)

    def replace(self, gauge: str, series: Iterable[tuple[Labels, float]]) -> None:
        fresh = {tuple(sorted(labels.items())): float(value) for labels, value in series}
        with self._lock:
            self._values[gauge] = fresh

    def read(self, gauge: str) -> dict[_LabelKey, float]:
        with self._lock:
            return dict(self._values.get(gauge, {}))

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


@dataclass(frozen=True)
class GaugeSpec:
    name: str
    unit: str
    description: str


# Observable gauges, by name; their figures come from GaugeValues.
OUTBOX_BACKLOG = GaugeSpec(
    "muninn.outbox.backlog", "{event}", "Outbox rows not yet published (main database)."
)
OUTBOX_OLDEST_AGE = GaugeSpec(
    "muninn.outbox.oldest_age",
    "s",
    "Age of the oldest unpublished outbox row (main database); 0 when none waits.",
)
OUTBOX_DEAD_LETTERS = GaugeSpec(
    "muninn.outbox.dead_letters",
    "{event}",
    "Outbox rows set aside as undeliverable, waiting for an operator.",
)
CONSUMER_LAG = GaugeSpec(
    "muninn.consumer.lag",
    "{message}",
    "Messages behind the partitions' end, per consumer, over the partitions this replica holds.",
)
INGESTION_BACKLOG = GaugeSpec(
    "muninn.memory.ingestion.backlog",
    "{job}",
    "Memory ingestion jobs queued and not yet claimed (main database).",
)
ERASURES_IN_PROGRESS = GaugeSpec(
    "muninn.erasure.in_progress", "{erasure}", "Erasures requested and not yet confirmed."
)
ERASURES_STUCK = GaugeSpec(
    "muninn.erasure.stuck",
    "{erasure}",
    "Erasures whose last announcement is older than the re-announcement delay.",
)
ERASURE_OLDEST_AGE = GaugeSpec(
    "muninn.erasure.oldest_age",
    "s",
    "Time since the oldest unconfirmed erasure was requested; 0 when none is in progress.",
)
GAUGES = (
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    OUTBOX_DEAD_LETTERS,
    CONSUMER_LAG,
    INGESTION_BACKLOG,
    ERASURES_IN_PROGRESS,
    ERASURES_STUCK,
    ERASURE_OLDEST_AGE,
)


class MuninnMetrics:
    """Every instrument, created from ``meter``; the gauges read ``values``."""

    def __init__(self, meter: Meter, values: GaugeValues) -> None:
        self.values = values
        self.http_duration = meter.create_histogram(
            "muninn.http.server.duration",
            unit="s",
            description="HTTP requests served, by method, route template and status class.",
            explicit_bucket_boundaries_advisory=LATENCY_BUCKETS,
        )
        self.consumer_duration = meter.create_histogram(
            "muninn.consumer.processing.duration",
            unit="s",
            description="Time to handle one delivered event (retries included), by consumer "
            "and outcome.",
            explicit_bucket_boundaries_advisory=SLOW_BUCKETS,
        )
        self.consumer_dead_letters = meter.create_counter(
            "muninn.consumer.dead_letters",
            unit="{event}",
            description="Events a consumer gave up on and sent to a dead-letter topic, by "
            "consumer and reason.",
        )
        self.outbox_published = meter.create_counter(
            "muninn.outbox.published",
            unit="{event}",
            description="Outbox rows the relay published.",
        )
        self.outbox_set_aside = meter.create_counter(
            "muninn.outbox.set_aside",
            unit="{event}",
            description="Outbox rows the relay set aside as undeliverable.",
        )
        self.search_duration = meter.create_histogram(
            "muninn.memory.search.duration",
            unit="s",
            description="Memory search time by pipeline stage (embed, index, rank, hydrate, "
            "records, documents) and in total.",
            explicit_bucket_boundaries_advisory=LATENCY_BUCKETS,
        )
        self.time_to_searchable = meter.create_histogram(
            "muninn.memory.ingestion.time_to_searchable",
            unit="s",
            description="From an ingestion job's enqueueing to its memories being searchable.",
            explicit_bucket_boundaries_advisory=SLOW_BUCKETS,
        )
        self.ingestion_stage_duration = meter.create_histogram(
            "muninn.memory.ingestion.stage.duration",
            unit="s",
            description="Time one ingestion job spent in each stage (claim, plan, recognise, "
            "embed.documents, transaction, index.read/write/mark) and in total; the embedding "
            "overlaps the transaction. A job that reconciles facts also records its searches' "
            "stages (embed, index, rank), which are part of plan.",
            explicit_bucket_boundaries_advisory=SLOW_BUCKETS,
        )
        self.timer_lateness = meter.create_histogram(
            "muninn.scheduler.timer.lateness",
            unit="s",
            description="Fire time minus due time of the scheduler's timers, by kind.",
            explicit_bucket_boundaries_advisory=SLOW_BUCKETS,
        )
        self.llm_duration = meter.create_histogram(
            "muninn.llm.duration",
            unit="s",
            description="One LLM generation from request to its last token, by provider and "
            "outcome.",
            explicit_bucket_boundaries_advisory=SLOW_BUCKETS,
        )
        self.llm_tokens = meter.create_counter(
            "muninn.llm.tokens",
            unit="{token}",
            description="Tokens an LLM read (input) or wrote (output), by provider.",
        )
        self.llm_errors = meter.create_counter(
            "muninn.llm.errors",
            unit="{error}",
            description="Failed LLM generations, by provider and kind of failure.",
        )
        # Every request to a model provider by any service (muninn_shared.model_calls): what
        # the calls are for (feature) is a label, who they are for is not (per-user figures
        # are the usage records behind /v1/usage).
        self.model_calls = meter.create_counter(
            "muninn.model.calls",
            unit="{call}",
            description="Requests to model providers (chat completions, embeddings), by "
            "provider, endpoint, feature and outcome.",
        )
        self.model_duration = meter.create_histogram(
            "muninn.model.duration",
            unit="s",
            description="One request to a model provider, by provider, endpoint, feature and "
            "outcome.",
            explicit_bucket_boundaries_advisory=SLOW_BUCKETS,
        )
        self.model_tokens = meter.create_counter(
            "muninn.model.tokens",
            unit="{token}",
            description="Tokens model providers reported reading (input) or writing (output), "
            "by provider, endpoint and feature.",
        )
        for spec in GAUGES:
            meter.create_observable_gauge(
                spec.name,
                callbacks=[self._observer(spec.name)],
                unit=spec.unit,
                description=spec.description,
            )

    def _observer(self, gauge: str) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            return [Observation(value, dict(key)) for key, value in self.values.read(gauge).items()]

        return observe


GAUGE_VALUES = GaugeValues()
METRICS = MuninnMetrics(metrics.get_meter(METER_NAME), GAUGE_VALUES)

_provider: MeterProvider | None = None


def status_class(status: int) -> str:
    """``2xx``, ``4xx``, …: a bounded label where the exact code adds little."""
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


def _otlp_metrics_endpoint(settings: ServiceSettings) -> str:
    """Beside the traces: ``…/v1/traces`` becomes ``…/v1/metrics`` on the same collector."""
    traces = settings.otel_endpoint or "http://127.0.0.1:4318/v1/traces"
    if traces.endswith("/v1/traces"):
        return traces[: -len("/v1/traces")] + "/v1/metrics"
    return traces.rstrip("/") + "/v1/metrics"


def configure_metrics(settings: ServiceSettings) -> MeterProvider:
    """Install (once) and return the process meter provider with its readers."""
    global _provider
    if _provider is not None:
        return _provider
    from opentelemetry.exporter.prometheus import PrometheusMetricReader

    # Scope labels would repeat "muninn" on every series; the service is the scrape target.
    readers: list[MetricReader] = [PrometheusMetricReader(scope_info_enabled=False)]
    if settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        readers.append(
            PeriodicExportingMetricReader(
                OTLPMetricExporter(endpoint=_otlp_metrics_endpoint(settings)),
                export_interval_millis=settings.metrics_interval_seconds * 1000,
            )
        )
    provider = MeterProvider(
        resource=Resource.create({"service.name": f"muninn-{settings.service_name}"}),
        metric_readers=readers,
    )
    metrics.set_meter_provider(provider)
    _provider = provider
    return provider


def metrics_address(settings: ServiceSettings) -> tuple[str, int] | None:
    """Where this process serves ``/metrics``, or None when it serves none."""
    if not settings.metrics_enabled:
        return None
    port = settings.metrics_port if settings.metrics_port is not None else settings.port + 1000
    return settings.metrics_host or settings.host, port


def start_metrics_server(settings: ServiceSettings) -> tuple[str, int] | None:
    """Serve the Prometheus exposition on its own port, in a thread; the address, or None.

    Its own listener, not a route of the app: nothing on the API port (the gateway's public
    one included) can answer ``/metrics``, and only what reaches this port (the scraper, by
    NetworkPolicy) reads it.
    """
    address = metrics_address(settings)
    if address is None:
        return None
    from prometheus_client import start_http_server

    configure_metrics(settings)
    host, port = address
    try:
        start_http_server(port, addr=host)
    except (OSError, OverflowError) as exc:
        # Metrics are not worth the service: it serves on without them, and says so.
        log.warning("metrics listener not started", host=host, port=port, error=repr(exc)[:300])
        return None
    return address
