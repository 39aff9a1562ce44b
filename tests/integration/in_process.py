"""A service app started in this process (its lifespan run) and a client that calls it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI


@asynccontextmanager
async def started(
    app: FastAPI,
    base_url: str,
    *,
    timeout: float = 5.0,
    startup_timeout: float = 60,
    shutdown_timeout: float = 60,
) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started, with a client of it; ``client.app`` is the app, for its state.

    ``timeout`` is the client's (httpx's default unless given); the others bound the
    app's startup and shutdown.
    """
    async with (
        LifespanManager(app, startup_timeout=startup_timeout, shutdown_timeout=shutdown_timeout),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=base_url, timeout=timeout
        ) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client
