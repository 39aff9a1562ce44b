"""Run a service app under uvicorn (``python -m muninn_<service>``)."""

from __future__ import annotations

import contextlib
import gc
import socket
import sys

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from muninn_shared.logging import get_logger
from muninn_shared.metrics import start_metrics_server
from muninn_shared.settings import ServiceSettings

log = get_logger(__name__)

# CPython's default (700 net new container objects) runs a young collection about twice per
# search, and every collection also walks what each request keeps alive; collections this far
# apart find most of a request's objects already freed by reference counting.
YOUNG_GENERATION_THRESHOLD = 50_000


def settle_heap() -> None:
    """Once started, what the process built (modules, models, routes, pools) lives as long as
    it does: moved out of the collector's sight, a full collection no longer walks it."""
    gc.collect()
    gc.freeze()


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            settle_heap()


def serve(app_factory: str, settings: ServiceSettings) -> None:
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
    config = uvicorn.Config(
        app_factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )
    server = _Server(config)
    metrics_at = start_metrics_server(settings)
    if metrics_at is not None:
        log.info("metrics served", address=f"http://{metrics_at[0]}:{metrics_at[1]}/metrics")
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
