"""``.muninn/run.json``: what the running supervisor started, for ``status`` and for clean-up.

If a supervisor is killed outright its children keep running (they live in their own process
groups so a terminal's Ctrl-C reaches only the supervisor). The next supervisor reads this
file and ends those leftovers before it needs their ports.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from pydantic import BaseModel, Field

from muninn_devstack.lockfile import pid_alive, process_cmdline


class ProcessRecord(BaseModel):
    name: str
    kind: str = Field(description="'server' (Kafka, MongoDB) or 'service'.")
    pid: int
    argv: list[str]
    url: str | None = None
    log: str


class RunState(BaseModel):
    supervisor_pid: int
    started_at: float
    gateway_url: str
    kafka_bootstrap: str
    mongo_uri: str
    processes: list[ProcessRecord] = Field(default_factory=list)


def read_state(path: Path) -> RunState | None:
    try:
        return RunState.model_validate_json(path.read_text())
    except (OSError, ValueError):
        return None


def write_state(path: Path, state: RunState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(state.model_dump_json(indent=2))
    temporary.replace(path)


def remove_state(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def still_ours(record: ProcessRecord) -> bool:
    """The pid is alive and still runs the command we started (pids are reused).

    A console script shows up behind its interpreter (``python /venv/bin/noida-db …``), so the
    recorded argv only has to end the live command line.
    """
    if not pid_alive(record.pid):
        return False
    cmdline = process_cmdline(record.pid)
    if cmdline is None:
        return True
    return len(cmdline) >= len(record.argv) and cmdline[-len(record.argv) :] == record.argv


def end_leftovers(state: RunState, grace: float = 10.0) -> list[ProcessRecord]:
    """Stop the processes a dead supervisor left running; returns the ones that were alive."""
    leftovers = [record for record in state.processes if still_ours(record)]
    for record in leftovers:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    # A zombie has an empty command line, so still_ours() also treats it as gone.
    while time.monotonic() < deadline and any(still_ours(r) for r in leftovers):
        time.sleep(0.2)
    for record in leftovers:
        if still_ours(record):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(record.pid, signal.SIGKILL)
    return leftovers
