"""Composition root of the memory service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from fastapi import FastAPI
from muninn_shared.http.app import create_service_app
from muninn_shared.privacy import install_erasure_consumer, privacy_router
from muninn_shared.runtime import ServiceRuntime

from muninn_memory.settings import MemorySettings


def create_app(settings: MemorySettings | None = None) -> FastAPI:
    settings = settings or MemorySettings()
    runtime = ServiceRuntime(settings)
    install_erasure_consumer(runtime)
    app = create_service_app(
        service=settings.service_name,
        title="Muninn memory",
        description="Long-term memory: records with history, entities, summaries, documents; vectors in Qdrant.",
        routers=[privacy_router(runtime)],
        lifespan=runtime.lifespan(),
        readiness_checks=runtime.readiness_checks,
        tracer_provider=runtime.tracer_provider,
    )
    app.state.runtime = runtime
    app.state.token_codec = runtime.token_codec
    return app
