"""The FastAPI app of a content service, assembled the one way every service needs it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from muninn_shared.background import BackgroundTasks
from muninn_shared.http.app import create_service_app
from muninn_shared.http.erased_users import refuse_writes_of_erased_users
from muninn_shared.privacy import privacy_router
from muninn_shared.runtime import ServiceRuntime

Hook = Callable[[], Awaitable[None]]


def build_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    background: BackgroundTasks | None = None,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    state: Mapping[str, Any] | None = None,
    refuse_erased_writes: bool = True,
) -> FastAPI:
    """The service's app: its routers plus the privacy router, health, readiness and tracing.

    In the lifespan the runtime starts, then ``on_startup`` runs and ``background`` starts;
    on the way down ``background`` stops, then ``on_shutdown`` runs and the runtime stops.
    ``refuse_erased_writes`` is off only for identity, which carries out erasures itself.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            for hook in on_startup:
                await hook()
            if background is not None:
                await background.start()
            yield
        finally:
            if background is not None:
                await background.stop()
            for hook in on_shutdown:
                await hook()
            await runtime.stop()

    guard = [Depends(refuse_writes_of_erased_users(runtime.tombstones))]
    app = create_service_app(
        service=runtime.settings.service_name,
        title=title,
        description=description,
        routers=[*routers, privacy_router(runtime)],
        lifespan=lifespan,
        dependencies=guard if refuse_erased_writes else [],
        readiness_checks=runtime.readiness_checks,
        tracer_provider=runtime.tracer_provider,
    )
    app.state.runtime = runtime
    # Requests of a BYOD user are served from their own database (muninn_shared.auth).
    app.state.routes = runtime.routes
    app.state.token_verifier = runtime.token_verifier
    # Tests and status pages read the loops' states (and stop them to simulate a crash).
    app.state.background = background
    for name, value in (state or {}).items():
        setattr(app.state, name, value)
    return app
