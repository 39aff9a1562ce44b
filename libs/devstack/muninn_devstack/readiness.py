"""Waiting for processes to answer ``/readyz`` — with the reason in hand when one never does."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from muninn_devstack.servers import ManagedProcess


class StartupError(RuntimeError):
    """A process exited or never became ready; the message carries its log tail."""


class StartupCancelledError(RuntimeError):
    """The user asked to stop while the stack was still starting."""


Check = Callable[[], tuple[bool, str]]
"""One readiness probe: (ready, why not)."""


@dataclass(frozen=True)
class Target:
    check: Check
    process: ManagedProcess | None = None

    @classmethod
    def http(cls, url: str, process: ManagedProcess | None = None) -> Target:
        return cls(lambda: probe(url), process)

    @classmethod
    def predicate(cls, ready: Callable[[], bool], process: ManagedProcess | None = None) -> Target:
        """A probe that answers True or raises (as the Kafka and MongoDB round-trips do)."""

        def check() -> tuple[bool, str]:
            try:
                return (True, "") if ready() else (False, "not answering yet")
            except Exception as exc:
                return False, f"{type(exc).__name__}: {exc}"

        return cls(check, process)


_client: httpx.Client | None = None


def _probe_client() -> httpx.Client:
    # One client for every probe: a new one per call builds a TLS context each time, which
    # made polling a starting stack cost a tenth of a core.
    global _client
    if _client is None:
        _client = httpx.Client()
    return _client


def probe(url: str, timeout: float = 2.0) -> tuple[bool, str]:
    """(ready, why not) for one ``/readyz`` URL."""
    try:
        response = _probe_client().get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return False, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if response.status_code == 200:
        return True, ""
    return False, f"HTTP {response.status_code}: {response.text[:300]}"


def is_ready(url: str, timeout: float = 2.0) -> bool:
    return probe(url, timeout)[0]


def _exit_description(process: ManagedProcess) -> str:
    code = process.process.returncode if process.process is not None else None
    if code is None:
        return "exited"
    if code < 0:
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


def wait_ready(
    targets: Mapping[str, Target],
    *,
    timeout: float,
    cancelled: Callable[[], bool] = lambda: False,
    on_ready: Callable[[str, float], None] = lambda name, seconds: None,
    interval: float = 0.3,
) -> None:
    """Poll every target until all are ready (for services: ``/readyz`` answers 200).

    Raises :class:`StartupError` as soon as a process exits, or when ``timeout`` passes, with
    the last reason and log tail of each target that is not ready.
    """
    started = time.monotonic()
    deadline = started + timeout
    pending = dict(targets)
    reasons: dict[str, str] = {}
    while pending:
        if cancelled():
            raise StartupCancelledError("stopped while starting")
        for name, target in list(pending.items()):
            if target.process is not None and not target.process.alive():
                raise StartupError(
                    f"{name} {_exit_description(target.process)} while starting "
                    f"(log: {target.process.log_path}):\n{target.process.tail()}"
                )
            ready, reason = target.check()
            if ready:
                del pending[name]
                on_ready(name, time.monotonic() - started)
            else:
                reasons[name] = reason
        if not pending:
            return
        if time.monotonic() >= deadline:
            raise StartupError(_not_ready_report(pending, reasons, timeout))
        time.sleep(interval)


def _not_ready_report(
    pending: Mapping[str, Target], reasons: Mapping[str, str], timeout: float
) -> str:
    parts = [f"not ready after {timeout:.0f}s: {', '.join(pending)}"]
    for name, target in pending.items():
        parts.append(f"--- {name}: {reasons.get(name, 'no answer')}")
        if target.process is not None:
            parts.append(f"(log: {target.process.log_path})\n{target.process.tail()}")
    return "\n".join(parts)
