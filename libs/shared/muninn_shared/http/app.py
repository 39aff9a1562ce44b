"""One FastAPI app factory, so every service has the same middleware, errors and health."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from muninn_shared.http.health import ReadinessCheck, health_router
from muninn_shared.http.metrics import HttpMetricsMiddleware
from muninn_shared.http.middleware import RequestIdMiddleware
from muninn_shared.http.scopes import authorize_route
from muninn_shared.http.unicode import UnicodeTextMiddleware
from muninn_shared.problems import Problem, install_problem_handlers

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": Problem, "description": "Client error (RFC 9457 problem details)."},
    "5XX": {"model": Problem, "description": "Server error (RFC 9457 problem details)."},
}


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    lifespan: Lifespan | None = None,
    readiness_checks: dict[str, ReadinessCheck] | None = None,
    tracer_provider: TracerProvider | None = None,
    version: str = "0.1.0",
    dependencies: Sequence[Any] = (),
) -> FastAPI:
    """``dependencies`` apply to every route (``Depends(...)``), e.g. the erased-user guard."""
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        # Default-deny API-key scopes on every route that asks for the caller, ahead of the
        # route's own dependencies (and of the ones given here).
        dependencies=[Depends(authorize_route), *dependencies],
    )
    app.state.readiness_checks = dict(readiness_checks or {})
    install_problem_handlers(app)
    app.include_router(health_router(service))
    for router in routers:
        app.include_router(router, responses=PROBLEM_RESPONSES)
    # Innermost: it must see the scope the router fills in (the matched route's template).
    app.add_middleware(HttpMetricsMiddleware)
    app.add_middleware(UnicodeTextMiddleware)
    app.add_middleware(RequestIdMiddleware)
    if tracer_provider is not None:
        # One span per request, not one more per ASGI message: a streamed answer would
        # otherwise add a span for every chunk it sends.
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=tracer_provider,
            excluded_urls="healthz,readyz",
            exclude_spans=["receive", "send"],
        )
    return app
