"""Durable timers under load: firing throughput and lateness with 100,000 pending timers.

Starts a MongoDB-protocol server from packages on a free port (or uses
``MUNINN_BENCH_MONGO_URI``), wires the scheduler's features in-process with the system clock,
and seeds ``--timers`` one-shot reminders with their timers (normal priority, so quiet-hours
and rate-limit checks run): ``--backlog`` of them already due, the rest spread over the next
day. Every fire is the real path: claim with a lease, read the reminder, create and deliver
an in-app notification (inbox + proactive message), update the reminder, close the timer and
record the events in the outbox, in one transaction per claimed batch.

1. Backlog: the wheel drains the due backlog; throughput = backlog / time to the last fire.
2. On time: timers arriving at ``--load`` x the measured throughput come due over
   ``--window`` seconds while the rest stay pending; lateness = fire time - due time.

Kafka is not started: the outbox fills but no relay publishes it (its cost is not counted).

    .venv/bin/python bench/scheduler.py --timers 100000 --backlog 10000 --window 120
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from muninn_devstack.servers import running_mongo
from muninn_scheduler.clock import SystemClock
from muninn_scheduler.main import build_features
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.background import BackgroundTasks
from muninn_shared.outbound import guarded_client
from muninn_shared.runtime import ServiceRuntime

# The seeding helper is shared with the replica test; run from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.integration.scheduler_load import seed_reminders


@contextlib.contextmanager
def mongo(workdir: Path) -> Iterator[str]:
    existing = os.environ.get("MUNINN_BENCH_MONGO_URI")
    if existing:
        yield existing
        return
    with running_mongo(workdir) as uri:
        yield uri


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def wait_fired(
    runtime: ServiceRuntime, ids: list[str], horizon: datetime, timeout: float
) -> list[dict[str, Any]]:
    """Wait until no timer due by ``horizon`` is left unfired; returns the documents of ``ids``.

    The check counts what is left (a small, shrinking range) rather than what fired, so
    watching costs the server next to nothing.
    """
    timers = runtime.db["timers"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = await timers.count_documents(
            {"status": "scheduled", "due_at": {"$lte": horizon}}
        ) + await timers.count_documents({"status": "firing"})
        if not waiting and datetime.now(UTC) >= horizon:
            break
        await asyncio.sleep(1.0)
    fields = {"due_at": 1, "fired_at": 1, "ref_id": 1}
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), 50):
        query = {"ref_id": {"$in": ids[start : start + 50]}, "kind": "reminder"}
        found += [d async for d in timers.find(query, fields) if d.get("fired_at")]
    return found


async def run(args: argparse.Namespace, uri: str) -> None:
    settings = SchedulerSettings(
        mongo_uri=uri,
        mongo_database_prefix=f"muninn_bench{uuid.uuid4().hex[:8]}_",
        log_level="WARNING",
        timer_batch_size=args.batch,
        timer_poll_interval_seconds=args.poll,
        timer_lease_seconds=args.lease,
    )
    runtime = ServiceRuntime(settings)
    http = httpx.AsyncClient()
    guard = settings.outbound_guard()
    features = build_features(settings, SystemClock(), runtime, http, guard, guarded_client(guard))
    await runtime.outbox.ensure_indexes()
    for store in features.stores:
        await store.ensure_indexes()
    database = settings.mongo_database
    wheel = features.services.wheel
    # As the service runs it: one supervised task, started once the timers are seeded.
    background = BackgroundTasks(settings.service_name)
    background.add("timer-wheel", wheel.run)
    users = max(1, args.timers // 10)
    try:
        started = time.monotonic()
        pending = args.timers - args.backlog
        now = datetime.now(UTC)
        await seed_reminders(
            runtime.mongo,
            database,
            pending,
            due=now + timedelta(days=1),
            spread=timedelta(days=1),
            users=users,
            priority="normal",
        )
        backlog = await seed_reminders(
            runtime.mongo,
            database,
            args.backlog,
            due=now - timedelta(seconds=1),
            users=users,
            priority="normal",
        )
        seeding = time.monotonic() - started
        print(f"seeded {args.timers:,} reminders and timers in {seeding:.0f} s")

        began = datetime.now(UTC)
        await background.start()
        fired = await wait_fired(runtime, backlog, now, args.timeout)
        last = max(d["fired_at"] for d in fired)
        drained = (last - began).total_seconds()
        throughput = len(fired) / drained
        print(
            f"backlog: {len(fired):,} of {args.backlog:,} due timers fired in {drained:.1f} s "
            f"= {throughput:.0f} timers/s ({args.timers - args.backlog:,} others pending)"
        )

        rate = max(1.0, throughput * args.load)
        count = max(1, round(rate * args.window))
        # Far enough ahead that seeding (at the rate measured above, twice over) ends
        # before the first of them is due: a timer inserted late would count as late.
        lead = 10 + 2 * count * seeding / args.timers
        start = datetime.now(UTC) + timedelta(seconds=lead)
        arriving = await seed_reminders(
            runtime.mongo,
            database,
            count,
            due=start,
            spread=timedelta(seconds=args.window),
            users=users,
            priority="normal",
        )
        wheel.poke()
        horizon = start + timedelta(seconds=args.window)
        docs = await wait_fired(runtime, arriving, horizon, lead + args.window + args.timeout)
        late = [(d["fired_at"] - d["due_at"]).total_seconds() for d in docs]
        print(
            f"on time: {len(docs):,} of {count:,} timers arriving at {rate:.0f}/s over "
            f"{args.window:.0f} s, {args.timers - args.backlog:,}+ pending"
        )
        if late:
            print(
                f"lateness: p50 {percentile(late, 50) * 1000:.0f} ms, "
                f"p99 {percentile(late, 99) * 1000:.0f} ms, max {max(late) * 1000:.0f} ms, "
                f"mean {statistics.fmean(late) * 1000:.0f} ms (poll interval {args.poll:.1f} s; "
                "fire time = start of the firing transaction)"
            )
        load = os.getloadavg()
        print(f"machine: {os.cpu_count()} cpus, load average {load[0]:.1f} / {load[1]:.1f}")
    finally:
        await background.stop()
        await http.aclose()
        await runtime.mongo.drop_database(database)
        await runtime.mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timers", type=int, default=100_000, help="pending timers in total")
    parser.add_argument("--backlog", type=int, default=10_000, help="of which due at start")
    parser.add_argument("--window", type=float, default=120.0, help="on-time phase, seconds")
    parser.add_argument("--load", type=float, default=0.5, help="arrival rate / throughput")
    parser.add_argument("--batch", type=int, default=200, help="timers per claim")
    parser.add_argument("--poll", type=float, default=0.2, help="wheel poll interval, s")
    parser.add_argument("--lease", type=float, default=30.0, help="claim lease, s")
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up after, s")
    args = parser.parse_args()
    if not 0 < args.backlog < args.timers:
        parser.error("--backlog must be between 0 and --timers")
    with tempfile.TemporaryDirectory(prefix="muninn-bench-") as tmp, mongo(Path(tmp)) as uri:
        asyncio.run(run(args, uri))


if __name__ == "__main__":
    main()
