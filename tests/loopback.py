"""An ASGI app served for real, under uvicorn on a loopback port, in the test's event loop.

For the fakes and apps that tests reach over HTTP (upstreams of the gateway, webhook
receivers, LLM providers). Service tests import it as ``tests.loopback``, as they do
``tests.keyword_index``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


@asynccontextmanager
async def serving(app: Any, *, port: int = 0, **options: Any) -> AsyncIterator[str]:
    """Serves ``app`` until the block ends; yields its base URL, ``http://127.0.0.1:<port>``.

    ``port`` 0 lets the system choose one. ``options`` go to ``uvicorn.Config``: by default
    no logging setup, no access log, warnings only, and one second to finish open requests.
    """
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        **{
            "log_config": None,
            "access_log": False,
            "log_level": "warning",
            "timeout_graceful_shutdown": 1,
            **options,
        },
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before starting")
        await asyncio.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        await task
