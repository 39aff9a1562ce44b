"""The webhook sender against raw loopback receivers: it reads no answer body, and whatever
went wrong the person is told only "delivery failed"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from ipaddress import ip_network

import pytest
from muninn_devstack.servers import free_port
from muninn_scheduler.delivery.webhook import DELIVERY_FAILED, DeliveryError, WebhookSender
from muninn_shared.outbound import OutboundGuard, OutboundPolicy, guarded_client

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
CHUNKS = 400


def loopback_sender(timeout: float = 2.0) -> WebhookSender:
    guard = OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),), require_https=False)
    )
    return WebhookSender(guarded_client(guard, timeout=timeout), timeout=timeout)


async def read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> int:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        port: int = server.sockets[0].getsockname()[1]
        return port

    yield start
    for server in servers:
        server.close()


async def test_the_answer_body_is_never_read(
    serve: Callable[[Handler], Awaitable[int]],
) -> None:
    written = 0
    finished = asyncio.Event()

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal written
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        try:
            for _ in range(CHUNKS):
                writer.write(b"10000\r\n" + b"x" * 65536 + b"\r\n")
                await writer.drain()
                written += 1
                await asyncio.sleep(0.02)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except OSError:
            pass  # the sender hung up
        finally:
            finished.set()
            writer.close()

    port = await serve(endless)
    sender = loopback_sender(timeout=60)
    await sender.send(f"http://127.0.0.1:{port}/hook", "whsec_x", {"id": "n1"}, delivery_id="n1:1")
    await finished.wait()
    assert written < CHUNKS


async def test_every_failure_reads_the_same(serve: Callable[[Handler], Awaitable[int]]) -> None:
    async def answering(status: bytes) -> Handler:
        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
            writer.close()

        return handler

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    targets = [
        f"http://127.0.0.1:{free_port()}/hook",
        f"http://127.0.0.1:{await serve(await answering(b'404 Not Found'))}/hook",
        f"http://127.0.0.1:{await serve(await answering(b'500 Oops'))}/hook",
        f"http://127.0.0.1:{await serve(await answering(b'302 Found'))}/hook",
        f"http://127.0.0.1:{await serve(silent)}/hook",
        f"http://127.0.0.1:{await serve(hang_up)}/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
    ]
    sender = loopback_sender(timeout=1)
    seen = set()
    for url in targets:
        with pytest.raises(DeliveryError) as failed:
            await sender.send(url, "whsec_x", {"id": "n1"}, delivery_id="n1:1")
        assert failed.value.retryable, url
        seen.add(str(failed.value))
    assert seen == {DELIVERY_FAILED}
