"""What a rate-limit check costs a gateway request: buckets in the process against windows
shared in MongoDB (the embedded MongoDB-protocol server that `make run` uses).

    .venv/bin/python bench/rate_limits.py [--repeat 500] [--keys 1000]

Prints the median and p95 in milliseconds of one limit check (what a signed-in request takes
twice, per address and per user, concurrently), and of a sign-in's claim and settle.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from muninn_devstack.servers import running_mongo
from muninn_gateway.ratelimit.buckets import BucketPolicy
from muninn_gateway.ratelimit.stores import (
    LOGINS,
    WINDOWS,
    LimitStore,
    LoginBackoff,
    MemoryStore,
    MongoStore,
)
from muninn_shared.storage.mongo import create_mongo_client

POLICY = BucketPolicy.per_minute("user", rate=600, burst=120)
BACKOFF = LoginBackoff(base_seconds=1, cap_seconds=60, hold_seconds=12, forget_seconds=3600)


async def timed(call: Callable[[int], Awaitable[object]], repeat: int) -> tuple[float, float]:
    samples = []
    for n in range(repeat):
        started = time.perf_counter()
        await call(n)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


async def measure_store(name: str, store: LimitStore, repeat: int, keys: int) -> None:
    async def check(n: int) -> None:
        await store.take(POLICY, f"user-{n % keys}")

    async def two_checks(n: int) -> None:
        await asyncio.gather(
            store.take(POLICY, f"addr-{n % keys}"), store.take(POLICY, f"user-{n % keys}")
        )

    async def sign_in(n: int) -> None:
        account = f"account-{n}"
        await store.claim_login(account)
        await store.settle_login(account, "failed")

    for label, call in (("one check", check), ("address + user", two_checks), ("sign-in", sign_in)):
        p50, p95 = await timed(call, repeat)
        print(f"{name:8} {label:15} p50 {p50:6.3f} ms  p95 {p95:6.3f} ms", flush=True)


async def measure(uri: str, repeat: int, keys: int) -> None:
    await measure_store("memory", MemoryStore(BACKOFF, max_keys=100_000), repeat, keys)
    client = create_mongo_client(uri)
    db = client[f"bench_{uuid.uuid4().hex[:8]}"]
    shared = MongoStore(db[WINDOWS], db[LOGINS], BACKOFF)
    await shared.ensure_indexes()
    try:
        await measure_store("mongodb", shared, repeat, keys)
    finally:
        await client.drop_database(db.name)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--keys", type=int, default=1000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="muninn-bench-limits-") as workdir,
        running_mongo(Path(workdir)) as uri,
    ):
        asyncio.run(measure(uri, args.repeat, args.keys))


if __name__ == "__main__":
    main()
