"""Composition root of the integrations service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from fastapi import FastAPI
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app

from muninn_integrations.settings import IntegrationsSettings


def create_app(settings: IntegrationsSettings | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings or IntegrationsSettings())
    install_erasure_consumer(runtime)
    return build_service_app(
        runtime,
        title="Muninn integrations",
        description="Calendar, mail and contacts connections, sync jobs, interactions.",
        routers=[],
    )
