"""Run a service app under uvicorn (``python -m muninn_<service>``)."""

from __future__ import annotations

import uvicorn

from muninn_shared.settings import ServiceSettings


def serve(app_factory: str, settings: ServiceSettings) -> None:
    uvicorn.run(
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
