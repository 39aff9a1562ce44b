"""Request rate, latency and errors per route template (pure ASGI, streaming-safe)."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from muninn_shared.metrics import METRICS, status_class

ROUTE_LABEL_KEY = "muninn.metrics_route"
"""Scope key a catch-all route sets to name what it served (the gateway: the route prefix)."""

UNMATCHED = "unmatched"
# A client may send any method name; each unknown one would otherwise become a series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes answer every few seconds on every pod; counting them would drown the real traffic.
_NOT_MEASURED = frozenset({"/healthz", "/readyz"})


def label_route(scope: MutableMapping[str, Any], label: str) -> None:
    """Record this request under ``label`` instead of its route's template."""
    scope[ROUTE_LABEL_KEY] = label


def route_label(scope: Scope) -> str:
    """The route template the router matched (``/v1/memories/{memory_id}``), never the raw
    path: a path carries ids, and each distinct one would be a new series."""
    chosen = scope.get(ROUTE_LABEL_KEY)
    if isinstance(chosen, str):
        return chosen
    route = scope.get("route")
    template = getattr(route, "path", None)
    return template if isinstance(template, str) else UNMATCHED


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _NOT_MEASURED:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            METRICS.http_duration.record(
                time.perf_counter() - started,
                {
                    "method": method if (method := scope.get("method")) in _METHODS else "other",
                    "route": route_label(scope),
                    "status_class": status_class(status),
                },
            )
