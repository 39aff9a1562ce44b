"""``python -m muninn_devstack run [--demo]|status`` (``make run`` calls ``run``,
``make run-demo`` calls ``run --demo``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from muninn_devstack.demo import DAV_PORT, DAV_PORT_ENV, IMAP_PORT, IMAP_PORT_ENV
from muninn_devstack.layout import Layout
from muninn_devstack.lockfile import RunLock
from muninn_devstack.readiness import probe
from muninn_devstack.state import read_state, still_ours
from muninn_devstack.supervisor import (
    READY_TIMEOUT_ENV,
    Supervisor,
)
from muninn_devstack.topology import PORT_BASE_ENV, SERVICES_ENV

DESCRIPTION = f"""\
Run the whole Muninn suite on this machine: Kafka, MongoDB and every service as its own
process, the gateway on http://127.0.0.1:8080. Data and logs go to ./.muninn.

run --demo (make run-demo) also starts a demo calendar and address book (Radicale, CalDAV
and CardDAV on 127.0.0.1:{DAV_PORT}) and a demo mailbox (pymap, IMAP on 127.0.0.1:{IMAP_PORT}),
seeds them with meetings (one coming up 15 minutes after start), contacts and mails, lets
the integrations service reach them, and prints the accounts to connect.

environment:
  MUNINN_KAFKA_BOOTSTRAP         use this Kafka instead of starting one (host:port)
  MUNINN_MONGO_URI               use this MongoDB instead of starting one
  MUNINN_QDRANT_URL              use this Qdrant server instead of the embedded one
  {PORT_BASE_ENV:<30} move the services: gateway on BASE, identity BASE+1 … byod BASE+6
  {SERVICES_ENV:<30} run only these services, e.g. identity,memory
  {READY_TIMEOUT_ENV:<30} seconds to wait for readiness (default 180)
  {DAV_PORT_ENV:<30} move the demo's Radicale (default {DAV_PORT})
  {IMAP_PORT_ENV:<30} move the demo's IMAP server (default {IMAP_PORT})
  any other MUNINN_* variable is passed to every service
"""


def status(layout: Layout) -> int:
    owner = RunLock(layout.lock_path).owner()
    if owner is None:
        print(f"Muninn is not running (nothing holds {layout.lock_path}).")
        return 3
    state = read_state(layout.state_path)
    if state is None:
        print(f"Muninn is starting (pid {owner}).")
        return 0
    names = {record.name for record in state.processes}
    gateway = state.gateway_url if "gateway" in names else "not running"
    print(f"Muninn is running (pid {owner}) — gateway: {gateway}")
    print(f"  Kafka {state.kafka_bootstrap}   MongoDB {state.mongo_uri}")
    for record in state.processes:
        alive = still_ours(record)
        health = "running" if alive else "down"
        if alive and record.url:
            ready, reason = probe(f"{record.url}/readyz", timeout=2.0)
            health = "ready" if ready else f"not ready ({reason[:80]})"
        where = record.url or ""
        print(f"  {record.name:<13} pid {record.pid:<8} {health:<10} {where}")
    print(f"  logs: {layout.logs_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m muninn_devstack",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="start the stack and supervise it until Ctrl-C")
    run.add_argument(
        "--demo",
        action="store_true",
        help="also start demo calendar, contacts (Radicale) and mail (pymap) servers, seeded, "
        "and let the integrations service connect to them",
    )
    commands.add_parser("status", help="show whether the stack runs and what answers")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    layout = Layout.in_directory(Path.cwd())
    if args.command == "run":
        return Supervisor(layout, demo=args.demo).run()
    return status(layout)


if __name__ == "__main__":
    sys.exit(main())
