"""Composition root of the integrations service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from muninn_shared.http.app import create_service_app
from muninn_shared.http.erased_users import refuse_writes_of_erased_users
from muninn_shared.privacy import install_erasure_consumer, privacy_router
from muninn_shared.runtime import ServiceRuntime

from muninn_integrations.settings import IntegrationsSettings


def create_app(settings: IntegrationsSettings | None = None) -> FastAPI:
    settings = settings or IntegrationsSettings()
    runtime = ServiceRuntime(settings)
    install_erasure_consumer(runtime)
    app = create_service_app(
        service=settings.service_name,
        title="Muninn integrations",
        description="Calendar, mail and contacts connections, sync jobs, interactions.",
        routers=[privacy_router(runtime)],
        lifespan=runtime.lifespan(),
        dependencies=[Depends(refuse_writes_of_erased_users(runtime.tombstones))],
        readiness_checks=runtime.readiness_checks,
        tracer_provider=runtime.tracer_provider,
    )
    app.state.runtime = runtime
    app.state.token_verifier = runtime.token_verifier
    return app
