"""What an HTTP client itself costs per call on loopback: httpx vs aiohttp.

A uvicorn server (separate process) answers a small POST with a ~15 KB JSON body, the shape
of a memory search answer; each client makes the same calls one at a time over a kept-alive
connection, reading the body whole. The gateway forwards over aiohttp and
bench/memory_search.py times its calls with it, because of these figures.

    .venv/bin/python bench/http_clients.py [--calls 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx
import uvicorn

BODY = json.dumps({"results": [{"id": i, "content": "x" * 1200} for i in range(12)]}).encode()
QUESTION = json.dumps({"query": "where do I live?", "limit": 10}).encode()
HEADERS = {"content-type": "application/json", "authorization": "Bearer " + "t" * 300}


async def answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def serve(port: int) -> None:
    uvicorn.run(answer, host="127.0.0.1", port=port, log_level="error", access_log=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {at(0.5):.2f} ms, p95 {at(0.95):.2f} ms, p99 {at(0.99):.2f} ms"


async def timed(call: Callable[[], Awaitable[bytes]], calls: int) -> list[float]:
    for _ in range(100):
        await call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        body = await call()
        samples.append(time.perf_counter() - started)
        assert len(body) == len(BODY)
    return samples


async def compare(url: str, calls: int) -> None:
    async with httpx.AsyncClient() as client:

        async def with_httpx() -> bytes:
            response = await client.post(url, content=QUESTION, headers=HEADERS)
            return response.content

        httpx_samples = await timed(with_httpx, calls)
    async with aiohttp.ClientSession() as session:

        async def with_aiohttp() -> bytes:
            async with session.post(url, data=QUESTION, headers=HEADERS) as response:
                return await response.read()

        aiohttp_samples = await timed(with_aiohttp, calls)
    print(f"httpx   {percentiles(httpx_samples)} (n={calls})")
    print(f"aiohttp {percentiles(aiohttp_samples)} (n={calls})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    server = multiprocessing.Process(target=serve, args=(port,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{port}/v1/memories/search"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        asyncio.run(compare(url, args.calls))
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
