"""Another user's time to searchable while hostile messages are being ingested, beside the
quiet figure, through the gateway.

What runs: a real MongoDB and Kafka (the packaged servers), the memory service and the
gateway as separate processes, as ``make run`` starts them, with their default settings (two
ingestion workers, the offline extractor and embedder). First a quiet user posts one-line
facts one at a time, each timed from the ``202`` to the first search that returns it. Then two
hostile users keep a backlog of messages of 19,000 characters (within the API's 20,000) in
the queue — runs of U+1680 and other Unicode whitespace between words, clause words
repeated, nested punctuation — while the quiet user posts and times the same facts again.
Each hostile message's time from ``202`` to its job done is printed too, with what the job
says about its extraction.

    .venv/bin/python bench/hostile_ingestion.py [--facts 20] [--backlog 6]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The same two processes (memory, gateway) and settings as the search benchmark.
from memory_search import processes, seconds_to_searchable  # noqa: E402

LIMIT = 19_000
HOSTILE_SHAPES = [
    "I love" + "\u1680" * (LIMIT - 10) + "cats",
    ("I love cats and I " + "\u3000" * 40) * (LIMIT // 58),
    "I'm not " * (LIMIT // 8),
    "I love cats" + ", and" * (LIMIT // 5 - 3),
    ("My sister Ingrid" + "\u2028\u200b\t" * 30 + "lives in Bergen. ") * (LIMIT // 123),
    "I love (" + "([" * (LIMIT // 2 - 5),
    "Dr. " * (LIMIT // 4),
    "Ab-" * (LIMIT // 3),
    " ".join(f"I love dish number {i}." for i in range(LIMIT // 25)),  # ~760 distinct facts
]
GIVE_UP_SECONDS = 300


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return (
        f"p50 {statistics.median(ordered):.2f} s, p95 {at(0.95):.2f} s, max {ordered[-1]:.2f} s"
        f" (n={len(ordered)})"
    )


async def time_to_searchable(http: httpx.AsyncClient, token: str) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    marker, seconds = await seconds_to_searchable(http, headers, give_up=GIVE_UP_SECONDS, poll=0.05)
    if seconds is None:
        print(f"  fact {marker} not searchable after {GIVE_UP_SECONDS} s; counted as that")
        return GIVE_UP_SECONDS
    return seconds


async def quiet_user(http: httpx.AsyncClient, token: str, facts: int) -> list[float]:
    return [await time_to_searchable(http, token) for _ in range(facts)]


async def hostile_user(
    http: httpx.AsyncClient,
    token: str,
    shapes: Iterator[str],
    backlog: int,
    stop: asyncio.Event,
    done: list[tuple[float, str]],
) -> None:
    """Keep ``backlog`` hostile messages of this user queued until told to stop."""
    headers = {"Authorization": f"Bearer {token}"}
    waiting: dict[str, float] = {}
    while not stop.is_set():
        while len(waiting) < backlog and not stop.is_set():
            response = await http.post(
                "/v1/memories", json={"messages": [{"content": next(shapes)}]}, headers=headers
            )
            response.raise_for_status()
            waiting[response.json()["status_url"]] = time.perf_counter()
        for url, posted in list(waiting.items()):
            if stop.is_set():
                return
            job = (await http.get(url, headers=headers)).json()
            if job["status"] in ("done", "failed"):
                notes = (job.get("result") or {}).get("notes") or [job.get("error") or ""]
                done.append((time.perf_counter() - posted, "; ".join(notes)[:120]))
                del waiting[url]
        await asyncio.sleep(0.2)


async def run(args: argparse.Namespace) -> None:
    from tests.integration.infra import provide_infra
    from tests.integration.tokens import identity_token_issuer, provision_test_keys

    # The services started below read the ring's public half for as long as they run.
    os.environ.update(provision_test_keys(Path(tempfile.mkdtemp(prefix="hostile-keys-"))))
    codec = identity_token_issuer(ttl_seconds=24 * 3600)
    quiet, attackers = codec.issue("quiet-user"), [codec.issue(f"hostile-{i}") for i in (1, 2)]
    with (
        tempfile.TemporaryDirectory(prefix="hostile-ingestion-") as tmp,
        provide_infra(Path(tmp) / "infra") as infra,
        processes(infra, Path(tmp), f"bench{uuid.uuid4().hex[:8]}_") as urls,
    ):
        async with httpx.AsyncClient(base_url=urls["gateway"], timeout=120) as http:
            await quiet_user(http, quiet, 3)  # warm-up: models loaded, caches filled
            calm = await quiet_user(http, quiet, args.facts)
            print(f"quiet: another user's fact posted -> searchable: {percentiles(calm)}")
            stop, done = asyncio.Event(), []
            shapes = itertools.cycle(HOSTILE_SHAPES)
            attacks = [
                asyncio.create_task(hostile_user(http, token, shapes, args.backlog, stop, done))
                for token in attackers
            ]
            await asyncio.sleep(2)  # the hostile backlog is queued and being worked on
            loaded = await quiet_user(http, quiet, args.facts)
            stop.set()
            await asyncio.gather(*attacks)
            print(
                f"while 2 users keep {args.backlog} hostile messages of {LIMIT:,} characters"
                f" queued each: {percentiles(loaded)}"
            )
            if done:
                print(f"hostile message posted -> job done: {percentiles([d for d, _ in done])}")
                for note in sorted({note for _, note in done}):
                    print(f"  job notes: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--facts", type=int, default=20)
    parser.add_argument("--backlog", type=int, default=6)
    args = parser.parse_args()
    os.environ.setdefault("MUNINN_LOG_LEVEL", "WARNING")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
