"""MCP recall latency through the gateway, beside the plain search it wraps, in one run.

What runs: the whole suite as processes (every service and the gateway, as the end-to-end
tests start it) on the packaged Kafka- and MongoDB-protocol servers. One user gets
``--memories`` facts; then the same questions are asked alternately as
``POST /v1/memories/search`` (httpx, with an API key) and as the MCP ``recall`` tool (the
official SDK's client over streamable HTTP, same key, same limit and token budget). Both go
through the gateway's API-key exchange (cached) and the same memory search; the difference
is the MCP layer: JSON-RPC framing, the SDK's transport, argument validation and the
gateway's call to the memory service.

    .venv/bin/python bench/mcp_recall.py [--memories 200] [--calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.infra import provide_infra  # noqa: E402
from tests.integration.suite import provide_suite  # noqa: E402
from tests.integration.tokens import provision_test_keys  # noqa: E402

FACTS = [
    "My sister {n} lives in Bergen.",
    "I started learning the cello in {n}.",
    "My landlord {n} wants the deposit by Friday.",
    "I prefer window seats on trains to {n}.",
    "Dinner with {n} at Bistro Verde was lovely.",
    "{n} recommended a dentist near the office.",
    "I am allergic to hazelnuts, {n} reminded me.",
    "The project with {n} ships in March.",
]
NAMES = ["Ingrid", "Ana", "Bruno", "Chen", "Dara", "Emeka", "Farah", "Goran", "Hana", "Ivo"]
QUESTIONS = [
    "Where does my sister live?",
    "Which instrument am I learning?",
    "What does the landlord want?",
    "What am I allergic to?",
    "When does the project ship?",
    "Who recommended a dentist?",
    "Where did I have dinner?",
    "How do I like to sit on trains?",
]
SEARCH = {"limit": 10, "token_budget": 2000}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(samples: list[float]) -> str:
    return (
        f"p50 {percentile(samples, 0.50) * 1000:6.1f} ms  "
        f"p95 {percentile(samples, 0.95) * 1000:6.1f} ms  "
        f"mean {statistics.fmean(samples) * 1000:6.1f} ms  (n={len(samples)})"
    )


async def measure(gateway: str, memories: int, calls: int) -> None:
    async with httpx.AsyncClient(base_url=gateway, timeout=60.0) as http:
        registered = await http.post(
            "/v1/auth/register",
            json={"email": "bench-mcp@example.org", "password": "correct horse battery"},
        )
        registered.raise_for_status()
        session = {"authorization": f"Bearer {registered.json()['tokens']['access_token']}"}
        created = await http.post(
            "/v1/me/api-keys", headers=session, json={"name": "bench", "scopes": ["read", "write"]}
        )
        created.raise_for_status()
        key = {"authorization": f"Bearer {created.json()['key']}"}
        started = time.perf_counter()
        for i in range(memories):
            text = FACTS[i % len(FACTS)].format(n=NAMES[(i // len(FACTS)) % len(NAMES)])
            answer = await http.post(
                "/v1/memories", headers=key, json={"content": f"{text} (note {i})", "wait": True}
            )
            answer.raise_for_status()
        print(f"seeded {memories} memories in {time.perf_counter() - started:.1f} s")

        plain: list[float] = []
        recall: list[float] = []
        mcp_http = httpx2.AsyncClient(headers=key, timeout=60.0)
        url = f"{gateway}/mcp"
        async with mcp_http, Client(streamable_http_client(url, http_client=mcp_http)) as mcp:
            for i in range(calls + 20):
                question = QUESTIONS[i % len(QUESTIONS)]
                t0 = time.perf_counter()
                searched = await http.post(
                    "/v1/memories/search", headers=key, json={"query": question, **SEARCH}
                )
                t1 = time.perf_counter()
                result = await mcp.call_tool("recall", {"query": question, **SEARCH})
                t2 = time.perf_counter()
                searched.raise_for_status()
                if result.is_error:
                    raise RuntimeError(f"recall failed: {result.content}")
                if i >= 20:  # the first calls warm caches and connections
                    plain.append(t1 - t0)
                    recall.append(t2 - t1)
    print(f"plain POST /v1/memories/search  {figures(plain)}")
    print(f"MCP recall tool call            {figures(recall)}")
    print(
        "MCP layer adds                  "
        f"p50 {(percentile(recall, 0.50) - percentile(plain, 0.50)) * 1000:6.1f} ms  "
        f"p95 {(percentile(recall, 0.95) - percentile(plain, 0.95)) * 1000:6.1f} ms"
    )
    print(f"load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memories", type=int, default=200)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="muninn-bench-mcp-") as tmp:
        workdir = Path(tmp)
        os.environ.update(provision_test_keys(workdir / "keys"))
        with provide_infra(workdir / "infra") as infra:
            env = {"MUNINN_LOG_LEVEL": "WARNING"}
            with provide_suite(infra, workdir / "suite", env) as suite:
                asyncio.run(measure(suite.gateway_url, args.memories, args.calls))


if __name__ == "__main__":
    main()
