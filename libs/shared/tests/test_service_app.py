"""build_service_app: the lifespan order, the privacy router and the app state."""

from __future__ import annotations

from muninn_shared.background import BackgroundTasks
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app
from muninn_shared.settings import ServiceSettings


def _runtime(calls: list[str]) -> ServiceRuntime:
    runtime = ServiceRuntime(ServiceSettings(service_name="probe"))

    async def start() -> None:
        calls.append("runtime start")

    async def stop() -> None:
        calls.append("runtime stop")

    runtime.start = start  # type: ignore[method-assign]
    runtime.stop = stop  # type: ignore[method-assign]
    return runtime


async def test_lifespan_runs_hooks_and_background_around_the_runtime() -> None:
    calls: list[str] = []
    runtime = _runtime(calls)
    background = BackgroundTasks("probe")

    async def loop() -> None:
        calls.append("background ran")

    async def opened() -> None:
        calls.append("on startup")

    async def closed() -> None:
        calls.append("on shutdown")

    background.add("loop", loop)
    app = build_service_app(
        runtime,
        title="Probe",
        description="A probe service.",
        routers=[],
        background=background,
        on_startup=[opened],
        on_shutdown=[closed],
        state={"services": "the services"},
    )
    async with app.router.lifespan_context(app):
        calls.append("serving")
    assert calls[:2] == ["runtime start", "on startup"]
    assert calls[-2:] == ["on shutdown", "runtime stop"]
    assert "serving" in calls
    assert background.status() == {"loop": "stopped"}
    assert app.state.runtime is runtime
    assert app.state.token_verifier is runtime.token_verifier
    assert app.state.services == "the services"
    assert app.state.background is background


def test_the_privacy_router_and_the_erased_user_guard_are_installed() -> None:
    runtime = _runtime([])
    app = build_service_app(runtime, title="Probe", description="A probe.", routers=[])
    assert app.url_path_for("export") == "/internal/privacy/export"
    assert len(app.router.dependencies) == 2  # scope check and erased-user guard
    unguarded = build_service_app(
        runtime, title="Probe", description="A probe.", routers=[], refuse_erased_writes=False
    )
    assert len(unguarded.router.dependencies) == 1
