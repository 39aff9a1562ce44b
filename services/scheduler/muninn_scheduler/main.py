"""Composition root of the scheduler service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from fastapi import FastAPI
from muninn_shared.http.app import create_service_app
from muninn_shared.privacy import install_erasure_consumer, privacy_router
from muninn_shared.runtime import ServiceRuntime

from muninn_scheduler.settings import SchedulerSettings


def create_app(settings: SchedulerSettings | None = None) -> FastAPI:
    settings = settings or SchedulerSettings()
    runtime = ServiceRuntime(settings)
    install_erasure_consumer(runtime)
    app = create_service_app(
        service=settings.service_name,
        title="Muninn scheduler",
        description="Reminders, tasks, experiences and follow-ups, notifications, durable timers.",
        routers=[privacy_router(runtime)],
        lifespan=runtime.lifespan(),
        readiness_checks=runtime.readiness_checks,
        tracer_provider=runtime.tracer_provider,
    )
    app.state.runtime = runtime
    app.state.token_codec = runtime.token_codec
    return app
