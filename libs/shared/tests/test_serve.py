"""``python -m muninn_<service>`` runs under a tuned collector and settles its heap once up."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from muninn_shared.serve import YOUNG_GENERATION_THRESHOLD, settle_heap

APP_MODULE = """
import gc
from fastapi import FastAPI

def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/collector")
    def collector() -> dict[str, object]:
        return {"frozen": gc.get_freeze_count(), "threshold": list(gc.get_threshold())}

    return app
"""

RUNNER = """
from muninn_shared.serve import serve
from muninn_shared.settings import ServiceSettings
serve("probe_app:create_app", ServiceSettings(service_name="probe", port={port}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_settling_moves_what_exists_out_of_the_collectors_sight() -> None:
    assert gc.get_freeze_count() == 0
    try:
        settle_heap()
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


def test_a_served_app_runs_with_a_raised_young_threshold_and_a_settled_heap(
    tmp_path: Path,
) -> None:
    (tmp_path / "probe_app.py").write_text(APP_MODULE)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER.format(port=port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/collector", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the served app never answered"
                time.sleep(0.1)
        state = answer.json()
        assert state["threshold"][0] == YOUNG_GENERATION_THRESHOLD
        assert state["frozen"] > 1000, "the heap built during start-up is frozen"
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
