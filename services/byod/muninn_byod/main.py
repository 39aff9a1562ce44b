"""Composition root of the byod service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from fastapi import FastAPI
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app

from muninn_byod.settings import ByodSettings


def create_app(settings: ByodSettings | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings or ByodSettings())
    install_erasure_consumer(runtime)
    return build_service_app(
        runtime,
        title="Muninn byod",
        description="Bring-your-own-database registrations, schema provisioning and migrations.",
        routers=[],
    )
