"""An ASGI app (a fake of some upstream) under uvicorn on a loopback port, in a thread of its
own: for callers without an event loop to run it in (sync fixtures, the dev stack's fakes).
Tests inside an event loop use ``tests.loopback.serving`` instead."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import uvicorn


@dataclass
class ThreadedApp:
    server: uvicorn.Server
    thread: threading.Thread
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> ThreadedApp:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def serve_in_thread(app: Any, name: str, *, timeout: float = 30) -> ThreadedApp:
    """Serves ``app`` on a free loopback port from a daemon thread called ``name``; returns
    once it accepts connections (``stop``, or the ``with`` block's end, stops it)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return ThreadedApp(server=server, thread=thread, port=port)
