"""Streaming chat under load: time to first token and messages/s with the offline provider.

Starts a Kafka-protocol broker and a MongoDB-protocol server from packages (or uses
``MUNINN_BENCH_KAFKA_BOOTSTRAP`` / ``MUNINN_BENCH_MONGO_URI``), runs the conversation service
under uvicorn on a free port, then drives N concurrent conversations, each sending M messages
with ``Accept: text/event-stream``, and prints the figures.

    .venv/bin/python bench/chat_stream.py --conversations 50 --messages 4
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
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import uvicorn
from muninn_conversation.main import create_app
from muninn_conversation.settings import ConversationSettings
from muninn_devstack.servers import free_port, mongo_uri, start_kafka, start_mongo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.integration.tokens import identity_token_issuer, provision_test_keys


@contextlib.contextmanager
def infrastructure(workdir: Path):  # type: ignore[no-untyped-def]
    kafka = os.environ.get("MUNINN_BENCH_KAFKA_BOOTSTRAP")
    mongo = os.environ.get("MUNINN_BENCH_MONGO_URI")
    if kafka and mongo:
        yield kafka, mongo, False
        return
    kafka_port, mongo_port = free_port(), free_port()
    kafka_server = start_kafka(workdir / "kafka", kafka_port, workdir / "kafka.log")
    mongo_server = start_mongo(workdir / "mongo", mongo_port, workdir / "mongo.log")
    try:
        # The packaged broker answers empty fetches at once: the consumers pace themselves.
        yield f"127.0.0.1:{kafka_port}", mongo_uri(mongo_port), True
    finally:
        mongo_server.stop()
        kafka_server.stop()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def sse_events(response: httpx.Response) -> AsyncIterator[str]:
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            yield line[7:]


async def converse(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    messages: int,
    ttft: list[float],
    totals: list[float],
) -> None:
    created = await client.post("/v1/conversations", json={"context": "personal"}, headers=headers)
    created.raise_for_status()
    cid = created.json()["id"]
    for turn in range(messages):
        started = time.perf_counter()
        first: float | None = None
        async with client.stream(
            "POST",
            f"/v1/conversations/{cid}/messages",
            json={
                "content": f"Message {turn}: I went hiking near the lake with my sister Ana today."
            },
            headers={**headers, "Accept": "text/event-stream"},
        ) as response:
            response.raise_for_status()
            async for event in sse_events(response):
                if event == "delta" and first is None:
                    first = time.perf_counter() - started
                if event in ("done", "error"):
                    if event == "error":
                        raise RuntimeError("generation failed during the benchmark")
                    break
        totals.append(time.perf_counter() - started)
        ttft.append(first if first is not None else totals[-1])


async def run(conversations: int, messages: int) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="muninn-bench-") as tmp,
        infrastructure(Path(tmp)) as (kafka, mongo, development_broker),
    ):
        os.environ.update(provision_test_keys(Path(tmp) / "keys"))
        port = free_port()
        settings = ConversationSettings(
            kafka_bootstrap=kafka,
            mongo_uri=mongo,
            kafka_pace_empty_fetches=development_broker,
            mongo_database_prefix=f"bench{uuid.uuid4().hex[:8]}_",
            memory_url="http://127.0.0.1:9",
            identity_url="http://127.0.0.1:9",
            log_level="WARNING",
            usage_messages_per_day=None,
        )
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                log_config=None,
            )
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        codec = identity_token_issuer()
        limits = httpx.Limits(
            max_connections=conversations * 2, max_keepalive_connections=conversations * 2
        )
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
        ) as client:
            warm = {"Authorization": f"Bearer {codec.issue('warm-up')}"}
            await converse(client, warm, 1, [], [])
            ttft: list[float] = []
            totals: list[float] = []
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    converse(
                        client,
                        {"Authorization": f"Bearer {codec.issue(f'bench-{i}')}"},
                        messages,
                        ttft,
                        totals,
                    )
                    for i in range(conversations)
                )
            )
            elapsed = time.perf_counter() - started
        server.should_exit = True
        await serving
        count = len(totals)
        print(
            f"chat_stream: {conversations} concurrent streaming conversations x {messages} messages, offline provider"
        )
        print(f"  messages          {count}")
        print(f"  wall time         {elapsed:.2f} s")
        print(f"  throughput        {count / elapsed:.1f} messages/s")
        print(
            f"  first token       p50 {percentile(ttft, 50) * 1000:.0f} ms   p95 {percentile(ttft, 95) * 1000:.0f} ms   "
            f"p99 {percentile(ttft, 99) * 1000:.0f} ms   mean {statistics.mean(ttft) * 1000:.0f} ms"
        )
        print(
            f"  full reply        p50 {percentile(totals, 50) * 1000:.0f} ms   p95 {percentile(totals, 95) * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(run(args.conversations, args.messages))


if __name__ == "__main__":
    main()
