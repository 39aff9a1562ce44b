"""Liveness and readiness: /healthz says the process runs, /readyz that its dependencies answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from muninn_shared.problems import PROBLEM_MEDIA_TYPE
from muninn_shared.storage.mongo import mongo_deadline

ReadinessCheck = Callable[[], Awaitable[str | None]]
"""Raises when its dependency is not ready; may return a note that does not fail readiness."""


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    status: str
    service: str
    checks: dict[str, str]


CANCEL_MARGIN_SECONDS = 1.0
"""How long after its deadline a check that PyMongo did not end is cancelled."""


async def run_checks(checks: dict[str, ReadinessCheck], timeout: float = 2.0) -> dict[str, str]:
    async def one(check: ReadinessCheck) -> str:
        try:
            # The database's own deadline ends a MongoDB probe (see mongo_deadline); the
            # asyncio timeout, a moment later, only ends checks that are not PyMongo's.
            with mongo_deadline(timeout):
                async with asyncio.timeout(timeout + CANCEL_MARGIN_SECONDS):
                    note = await check()
        except Exception as exc:
            return f"failing: {type(exc).__name__}: {exc}"[:300]
        return f"ok: {note}"[:300] if note else "ok"

    names = list(checks)
    results = await asyncio.gather(*(one(checks[n]) for n in names))
    return dict(zip(names, results, strict=True))


def is_ok(result: str) -> bool:
    return result == "ok" or result.startswith("ok: ")


def health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        return Health(status="ok", service=service)

    @router.get(
        "/readyz",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A dependency is not ready."}},
    )
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, ReadinessCheck] = getattr(request.app.state, "readiness_checks", {})
        results = await run_checks(checks)
        ready = all(is_ok(v) for v in results.values())
        body = Readiness(status="ready" if ready else "not-ready", service=service, checks=results)
        if ready:
            return JSONResponse(body.model_dump())
        # problem+json owns "status" (the HTTP code); the readiness word moves to "readiness".
        payload = {
            **body.model_dump(exclude={"status"}),
            "type": "https://muninn.dev/problems/not-ready",
            "title": "Service unavailable",
            "status": 503,
            "readiness": body.status,
            "detail": "One or more dependencies are not ready.",
        }
        return JSONResponse(payload, status_code=503, media_type=PROBLEM_MEDIA_TYPE)

    return router
