"""The supervisor behind ``make run``: start the stack, keep it up, stop it cleanly.

Kafka and MongoDB first (unless the environment points at existing ones), then every service
as its own process, then a banner once the gateway answers ``/readyz``. A process that dies is
restarted with exponential backoff; one that keeps dying is left down and reported. Ctrl-C or
SIGTERM stops the services, then the servers, and removes the lock.
"""

from __future__ import annotations

import contextlib
import functools
import imaplib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, Literal

from muninn_shared.signing import development_key_ring

from muninn_devstack.backing import (
    Backing,
    PortTakenError,
    check_server_ports,
    plan_backing,
    port_taken_message,
    server_probe,
)
from muninn_devstack.demo import DemoSeedError, DemoServers, integrations_env, plan_demo
from muninn_devstack.demo_data import DemoData
from muninn_devstack.layout import Layout
from muninn_devstack.lockfile import AlreadyRunningError, RunLock
from muninn_devstack.readiness import (
    StartupCancelledError,
    StartupError,
    Target,
    is_ready,
    wait_ready,
)
from muninn_devstack.servers import (
    ManagedProcess,
    end_orphaned_transactions,
    port_open,
    wait_until,
)
from muninn_devstack.state import (
    ProcessRecord,
    RunState,
    end_leftovers,
    read_state,
    remove_state,
    write_state,
)
from muninn_devstack.topology import (
    PORT_BASE_ENV,
    StackConfig,
    port_base_from_env,
    ports_from_base,
    replica_ports_for,
    replicas_from_env,
    selected_services,
)

READY_TIMEOUT_ENV = "MUNINN_DEVSTACK_READY_TIMEOUT"
DEFAULT_READY_TIMEOUT = 180.0
STOP_GRACE_SECONDS = 10.0
RESTART_LIMIT = 5
"""Consecutive crashes after which a process is left down (it would only crash again)."""
STABLE_AFTER_SECONDS = 60.0
"""A process that ran this long before dying starts its backoff afresh."""
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0


def restart_delay(failures: int) -> float:
    """1 s, 2 s, 4 s … capped: quick recovery from a one-off crash, no busy loop on a broken one."""
    exponent: int = max(failures - 1, 0)
    return float(min(BACKOFF_BASE_SECONDS * 2.0**exponent, BACKOFF_CAP_SECONDS))


def already_running_message(pid: int | None, gateway_url: str) -> str:
    who = f"pid {pid}" if pid else "another process"
    how = f"kill {pid}" if pid else "stop that process"
    return (
        f"Muninn is already running ({who}) — gateway at {gateway_url}; "
        f"stop it with Ctrl-C in its terminal or {how}"
    )


def exit_description(code: int | None) -> str:
    if code is None:
        return "exited"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Reporter:
    """Plain lines on the terminal, the same lines with timestamps in ``supervisor.log``."""

    def __init__(self, out: IO[str], err: IO[str]) -> None:
        self._out = out
        self._err = err
        self._log: IO[str] | None = None

    def open_log(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._log = path.open("a", encoding="utf-8")

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def say(self, message: str, *, error: bool = False) -> None:
        stream = self._err if error else self._out
        print(message, file=stream, flush=True)
        if self._log is not None:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            for line in message.splitlines() or [""]:
                self._log.write(f"{stamp} {line}\n")
            self._log.flush()


@dataclass
class Supervised:
    process: ManagedProcess
    kind: Literal["server", "service"]
    url: str | None = None
    """The ``/readyz`` URL of a service."""
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    awaiting_ready: bool = False
    given_up: bool = False
    on_restart: Callable[[], None] | None = None
    """Called after a restart (the demo mail server forgets its mail when it stops)."""

    @property
    def name(self) -> str:
        return self.process.name

    def start(self) -> None:
        self.process.start()
        self.started_at = time.monotonic()
        self.restart_at = None

    def record(self) -> ProcessRecord | None:
        if self.process.pid is None:
            return None
        return ProcessRecord(
            name=self.name,
            kind=self.kind,
            pid=self.process.pid,
            argv=self.process.argv,
            url=self.url.removesuffix("/readyz") if self.url else None,
            log=str(self.process.log_path),
        )


def terminate(processes: list[ManagedProcess], grace: float, force: threading.Event) -> None:
    """SIGTERM to all at once, SIGKILL to whatever still runs after ``grace`` (or on a 2nd Ctrl-C)."""
    running = [p for p in processes if p.alive()]
    for process in running:
        if process.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(p.alive() for p in running) and time.monotonic() < deadline and not force.is_set():
        time.sleep(0.1)
    for process in running:
        process.kill()
    for process in processes:
        process.stop()  # closes the log handle of an exited process


class Supervisor:
    def __init__(
        self,
        layout: Layout,
        *,
        environ: Mapping[str, str] | None = None,
        out: IO[str] | None = None,
        err: IO[str] | None = None,
        demo: bool = False,
    ) -> None:
        self.layout = layout
        self.demo = demo
        self.demo_servers: DemoServers | None = None
        self.demo_data: DemoData | None = None
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.reporter = Reporter(out or sys.stdout, err or sys.stderr)
        self.lock = RunLock(layout.lock_path)
        self.stop_requested = threading.Event()
        self.force_requested = threading.Event()
        self.children: list[Supervised] = []
        self.backing: Backing | None = None
        self.config: StackConfig | None = None

    # -- entry point -------------------------------------------------------------------------

    def run(self) -> int:
        try:
            ports = ports_from_base(port_base_from_env(self.environ))
            only = selected_services(self.environ)
            replica_ports = replica_ports_for(ports, replicas_from_env(self.environ))
        except ValueError as exc:
            self.reporter.say(f"muninn: {exc}", error=True)
            return 2
        try:
            stale = self.lock.acquire()
        except AlreadyRunningError as exc:
            state = read_state(self.layout.state_path)
            gateway = state.gateway_url if state else f"http://127.0.0.1:{ports['gateway']}"
            self.reporter.say(already_running_message(exc.pid, gateway), error=True)
            return 1
        previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            self.layout.create()
            self.reporter.open_log(self.layout.log("supervisor"))
            self._end_leftovers(stale)
            self._start(ports, only, replica_ports)
            self._banner()
            self._supervise()
            return 0
        except StartupCancelledError:
            self.reporter.say("Stopped before start-up finished.")
            return 0
        except PortTakenError as exc:
            self.reporter.say(f"muninn: {exc}", error=True)
            return 1
        except StartupError as exc:
            self.reporter.say(f"muninn: start-up failed — {exc}", error=True)
            return 1
        except (OSError, ValueError) as exc:  # a missing server binary, an unusable directory …
            self.reporter.say(f"muninn: cannot start — {exc}", error=True)
            return 1
        finally:
            self._shutdown()
            remove_state(self.layout.state_path)
            self.lock.release()
            self.reporter.close()
            signal.signal(signal.SIGINT, previous[0])
            signal.signal(signal.SIGTERM, previous[1])

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only flags here: the main loop notices within half a second and does the talking.
        if self.stop_requested.is_set():
            self.force_requested.set()
        self.stop_requested.set()

    # -- start-up ----------------------------------------------------------------------------

    def _end_leftovers(self, stale_pid: int | None) -> None:
        """We hold the lock, so a state file left behind belongs to a supervisor that died."""
        state = read_state(self.layout.state_path)
        if state is None:
            return
        ended = end_leftovers(state)
        if ended:
            names = ", ".join(record.name for record in ended)
            who = f"pid {stale_pid or state.supervisor_pid}"
            self.reporter.say(
                f"A previous run ({who}) ended without stopping its processes; "
                f"stopped them: {names}"
            )
        remove_state(self.layout.state_path)

    def _start(
        self,
        ports: Mapping[str, int],
        only: frozenset[str] | None,
        replica_ports: Mapping[str, list[int]],
    ) -> None:
        backing = plan_backing(self.layout, self.environ)
        self.backing = backing
        demo = (
            plan_demo(self.layout.data_dir, self.layout.logs_dir, self.environ)
            if self.demo
            else None
        )
        self.demo_servers = demo
        qdrant_url = self.environ.get("MUNINN_QDRANT_URL", "").strip() or None
        qdrant_path = self.environ.get("MUNINN_QDRANT_PATH", "").strip()
        config = StackConfig(
            kafka_bootstrap=backing.kafka_bootstrap,
            mongo_uri=backing.mongo_uri,
            ports=ports,
            qdrant_url=qdrant_url,
            qdrant_path=Path(qdrant_path) if qdrant_path else self.layout.qdrant_data,
            only=only,
            signing_keys_file=self._signing_keys_file(),
            development_broker=backing.kafka is not None,
            event_key_encryption_key_file=self.layout.event_key_encryption_key,
            service_env={"integrations": integrations_env(self.environ)}
            if demo is not None
            else {},
            replica_ports=replica_ports,
        )
        self.config = config
        services = config.services()
        self._check_service_ports(config, services)
        check_server_ports(backing)
        if demo is not None:
            check_demo_ports(demo)

        servers = backing.servers()
        probes: dict[str, Callable[[], bool]] = {
            s.name: functools.partial(server_probe, backing, s) for s in servers
        }
        if demo is not None:
            servers += demo.processes()
            probes.update({s.name: functools.partial(demo.ready, s) for s in demo.processes()})
        if servers:
            self.reporter.say(f"Starting {' and '.join(s.name for s in servers)} …")
            for server in servers:
                restart_hook = (
                    self._reseed_after_restart
                    if demo is not None and server is demo.pymap
                    else None
                )
                self._launch(Supervised(server, "server", on_restart=restart_hook))
            wait_ready(
                {s.name: Target.predicate(probes[s.name], s) for s in servers},
                timeout=self._ready_timeout(),
                cancelled=self.stop_requested.is_set,
            )
        if demo is not None:
            try:
                self.demo_data = demo.seed(datetime.now(UTC))
            except DemoSeedError as exc:
                raise StartupError(
                    f"{exc}\n{demo.radicale.tail(10)}\n{demo.pymap.tail(10)}"
                ) from None
            self.reporter.say("Demo calendar, address book and mailbox seeded.")
        if "gateway" not in services and (only is None or "gateway" in only):
            self.reporter.say(
                "muninn_gateway is not installed: starting the services without the gateway."
            )
        self.reporter.say(f"Starting {', '.join(services)} …")
        # Further replicas start once the first ones are ready: members joining a consumer
        # group at the same moment can be handed an empty assignment by the packaged broker,
        # which aiokafka cannot decode.
        most = max((config.replica_count(name) for name in services), default=1)
        for replica in range(1, most + 1):
            launched = [
                Supervised(
                    config.process(name, self.layout.logs_dir, replica),
                    "service",
                    url=config.readyz_url(name, replica),
                )
                for name in services
                if replica <= config.replica_count(name)
            ]
            for child in launched:
                self._launch(child)
            wait_ready(
                {
                    child.name: Target.http(child.url, child.process)
                    for child in launched
                    if child.url is not None
                },
                timeout=self._ready_timeout(),
                cancelled=self.stop_requested.is_set,
                on_ready=lambda name, seconds: self.reporter.say(
                    f"  {name} ready ({seconds:.1f}s)"
                ),
            )

    def _reseed_after_restart(self) -> None:
        """Seed the restarted demo mail server in the background: the supervision loop goes on."""
        demo = self.demo_servers
        if demo is None:
            return

        def reseed() -> None:
            try:
                wait_until(
                    lambda: demo.ready(demo.pymap),
                    timeout=self._ready_timeout(),
                    what="IMAP (pymap)",
                    process=demo.pymap,
                )
                demo.reseed_mail(datetime.now(UTC))
            except (OSError, RuntimeError, TimeoutError, imaplib.IMAP4.error) as exc:
                self.reporter.say(f"The demo mailbox could not be seeded again: {exc}", error=True)
                return
            self.reporter.say("The demo mailbox was seeded again after pymap's restart.")

        threading.Thread(target=reseed, name="demo-reseed", daemon=True).start()

    def _launch(self, child: Supervised) -> None:
        child.start()
        self.children.append(child)
        self._write_state()

    def _ready_timeout(self) -> float:
        raw = self.environ.get(READY_TIMEOUT_ENV, "").strip()
        try:
            return float(raw) if raw else DEFAULT_READY_TIMEOUT
        except ValueError:
            return DEFAULT_READY_TIMEOUT

    def _signing_keys_file(self) -> Path:
        """The operator's ring when MUNINN_SIGNING_KEYS_FILE is set, else the development one."""
        configured = self.environ.get("MUNINN_SIGNING_KEYS_FILE", "").strip()
        if configured:
            return Path(configured)
        development_key_ring(self.layout.signing_keys)
        return self.layout.signing_keys

    def _check_service_ports(self, config: StackConfig, services: list[str]) -> None:
        for name in services:
            ports = [config.port_of(name, n) for n in range(1, config.replica_count(name) + 1)]
            for port in ports:
                if not port_open(port):
                    continue
                raise PortTakenError(
                    port_taken_message(
                        port,
                        f"the {name} service",
                        f"move every Muninn service with {PORT_BASE_ENV}=<port> "
                        f"(gateway on <port>, identity on <port>+1 … byod on <port>+6)",
                    )
                )

    def _write_state(self) -> None:
        if self.backing is None:
            return
        gateway = self.config.url("gateway") if self.config else ""
        records = [r for r in (child.record() for child in self.children) if r is not None]
        write_state(
            self.layout.state_path,
            RunState(
                supervisor_pid=os.getpid(),
                started_at=time.time(),
                gateway_url=gateway,
                kafka_bootstrap=self.backing.kafka_bootstrap,
                mongo_uri=self.backing.mongo_uri,
                processes=records,
            ),
        )

    def _banner(self) -> None:
        config, backing = self.config, self.backing
        if config is None or backing is None:
            return
        services = config.services()
        lines = ["", "Muninn is running."]
        if "gateway" in services:
            lines += [
                f"  Gateway    {config.url('gateway')}",
                f"  API docs   {config.url('gateway')}/docs",
            ]
        else:
            lines.append(
                "  Gateway    not running (muninn_gateway is not installed or not selected)"
            )
        others = [name for name in services if name != "gateway"]
        lines.append(
            "  Services   "
            + ", ".join(
                f"{n} :"
                + ",".join(str(config.port_of(n, r)) for r in range(1, config.replica_count(n) + 1))
                for n in others
            )
        )
        for label, value in backing.describe().items():
            lines.append(f"  {label:<10} {value}")
        if self.demo_servers is not None and self.demo_data is not None:
            lines += self.demo_servers.describe(self.demo_data)
        lines += [
            f"  Logs       {self.layout.logs_dir}/<name>.log",
            f"  Data       {self.layout.data_dir}",
            f"Stop with Ctrl-C here (or: kill {os.getpid()}). "
            f"Status: python -m muninn_devstack status",
            "",
        ]
        self.reporter.say("\n".join(lines))

    # -- supervision -------------------------------------------------------------------------

    def _supervise(self) -> None:
        while not self.stop_requested.wait(0.5):
            for child in self.children:
                self._look_after(child)

    def _look_after(self, child: Supervised) -> None:
        if child.given_up:
            return
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.start()
                child.awaiting_ready = child.url is not None
                self._write_state()
                self.reporter.say(f"{child.name} restarted (pid {child.process.pid})")
                if child.on_restart is not None:
                    child.on_restart()
            return
        if child.process.alive():
            if child.awaiting_ready and child.url is not None and is_ready(child.url, 1.0):
                child.awaiting_ready = False
                self.reporter.say(f"{child.name} is ready again")
            return
        code = child.process.process.returncode if child.process.process else None
        child.process.stop()  # close the log before the next start appends to it
        if child.kind == "service":
            self._end_orphaned_transactions(child)
        if now - child.started_at >= STABLE_AFTER_SECONDS:
            child.failures = 0
        child.failures += 1
        log = child.process.log_path
        if child.failures > RESTART_LIMIT:
            child.given_up = True
            self.reporter.say(
                f"{child.name} {exit_description(code)} again — it crashed {RESTART_LIMIT + 1} "
                f"times in a row, so it stays down. See {log}, then restart Muninn.\n"
                f"{child.process.tail(15)}",
                error=True,
            )
            return
        delay = restart_delay(child.failures)
        child.restart_at = now + delay
        self.reporter.say(
            f"{child.name} {exit_description(code)}; restarting in {delay:.0f}s "
            f"(attempt {child.failures} of {RESTART_LIMIT}; log: {log})",
            error=True,
        )

    def _end_orphaned_transactions(self, dead: Supervised) -> None:
        """The development MongoDB keeps a dead client's transaction, and its locks, for good
        (mongod ends it after 60 s): end it before the replacement starts writing. A database
        of the user's own is left to do that itself."""
        backing = self.backing
        if backing is None or backing.mongo is None:
            return
        if not end_orphaned_transactions(backing.mongo_uri):
            self.reporter.say(
                f"could not end {dead.name}'s open MongoDB transactions; its replacement may "
                "wait on their locks",
                error=True,
            )

    # -- shutdown ----------------------------------------------------------------------------

    def _shutdown(self) -> None:
        if not self.children:
            return
        self.reporter.say("Stopping Muninn … (press Ctrl-C again to force)")
        services = [c.process for c in reversed(self.children) if c.kind == "service"]
        servers = [c.process for c in reversed(self.children) if c.kind == "server"]
        terminate(services, STOP_GRACE_SECONDS, self.force_requested)
        terminate(servers, STOP_GRACE_SECONDS, self.force_requested)
        self.children.clear()
        self.reporter.say("Muninn stopped.")


def check_demo_ports(demo: DemoServers) -> None:
    """The demo servers listen on fixed ports, so the accounts printed stay the same."""
    for what, port, variable in demo.ports():
        if port_open(port):
            raise PortTakenError(
                port_taken_message(port, what, f"move it: {variable}=<port> make run-demo")
            )
