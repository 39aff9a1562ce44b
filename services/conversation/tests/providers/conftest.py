"""Fake LLM servers on loopback that speak the providers' real HTTP + SSE formats.

Each fake records every request (path, headers, JSON body) and answers from a script the test
sets up: an event stream written byte for byte as the provider sends it, an error status with
the provider's error body, a JSON answer, or a hang. Servers run under uvicorn in the test
event loop, one per module, and are reset between tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from muninn_conversation.providers.config import ProviderConfig
from muninn_conversation.providers.models import (
    ChatMessage,
    Completion,
    GenerationRequest,
    ProviderError,
    TextDelta,
)
from muninn_conversation.providers.retry import RetryPolicy
from muninn_devstack.servers import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.loopback import serving

Action = Callable[[], Awaitable[Response]]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeServer:
    """One provider endpoint; ``script`` answers requests in order, then ``default`` answers."""

    path: str
    requests: list[Recorded] = field(default_factory=list)
    script: deque[Action] = field(default_factory=deque)
    default: Action | None = None
    release: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.release.set()  # let hung handlers of the previous test finish
        self.release = asyncio.Event()
        self.requests.clear()
        self.script.clear()
        self.default = None

    def then(self, *actions: Action) -> None:
        self.script.extend(actions)

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        self.requests.append(
            Recorded(request.url.path, dict(request.headers), json.loads(raw or b"{}"))
        )
        action = self.script.popleft() if self.script else self.default
        if action is None:
            return JSONResponse({"error": {"message": "no scripted answer"}}, status_code=418)
        return await action()

    # -- answers --------------------------------------------------------------------------------

    def stream(self, frames: list[bytes], *, stall_after: int | None = None) -> Action:
        """An event stream of raw frames; with ``stall_after``, it goes silent after that many frames."""

        async def body() -> AsyncIterator[bytes]:
            for index, frame in enumerate(frames):
                if stall_after is not None and index == stall_after:
                    await self._hang()
                    return
                yield frame

        async def action() -> Response:
            return StreamingResponse(body(), media_type="text/event-stream; charset=utf-8")

        return action

    def status(self, code: int, body: Any, headers: dict[str, str] | None = None) -> Action:
        async def action() -> Response:
            return JSONResponse(body, status_code=code, headers=headers)

        return action

    def raw(self, code: int, content: bytes, media_type: str) -> Action:
        async def action() -> Response:
            return Response(content, status_code=code, media_type=media_type)

        return action

    def json(self, body: Any) -> Action:
        return self.status(200, body)

    def hang(self) -> Action:
        async def action() -> Response:
            await self._hang()
            return JSONResponse({}, status_code=504)

        return action

    async def _hang(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.release.wait(), timeout=30)


def _sse(data: Any, event: str | None = None) -> bytes:
    """One frame as the providers write it: optional ``event:`` line, ``data:`` line, blank line."""
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


async def _serve(fake: FakeServer) -> AsyncIterator[FakeServer]:
    fake.port = free_port()
    app = Starlette(routes=[Route(fake.path, fake.handle, methods=["POST"])])
    async with serving(app, port=fake.port, lifespan="off"):
        try:
            yield fake
        finally:
            fake.release.set()  # hung handlers finish before the server stops


@pytest.fixture(scope="module")
async def _openai_server() -> AsyncIterator[FakeServer]:
    async for fake in _serve(FakeServer("/v1/chat/completions")):
        yield fake


@pytest.fixture(scope="module")
async def _anthropic_server() -> AsyncIterator[FakeServer]:
    async for fake in _serve(FakeServer("/v1/messages")):
        yield fake


@pytest.fixture
def openai_server(_openai_server: FakeServer) -> FakeServer:
    _openai_server.reset()
    return _openai_server


@pytest.fixture
def anthropic_server(_anthropic_server: FakeServer) -> FakeServer:
    _anthropic_server.reset()
    return _anthropic_server


@dataclass
class SleepRecorder:
    """Stands in for asyncio.sleep in the retry policy: records the waits, waits for nothing."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def retry(sleeps: SleepRecorder) -> RetryPolicy:
    return RetryPolicy(max_retries=2, base_seconds=0.5, max_seconds=20.0, sleep=sleeps)


def _request(*messages: tuple[str, str], **overrides: Any) -> GenerationRequest:
    turns = [ChatMessage(role=role, content=content) for role, content in messages]  # type: ignore[arg-type]
    fields: dict[str, Any] = {
        "messages": turns,
        "model": "test-model",
        "temperature": None,
        "user_id": "user-1",
    }
    fields.update(overrides)
    return GenerationRequest(**fields)


def _provider_config(**overrides: Any) -> ProviderConfig:
    fields: dict[str, Any] = {"name": "openai", "kind": "openai", "default_model": "gpt-4o-mini"}
    fields.update(overrides)
    return ProviderConfig(**fields)


# Test modules cannot import this conftest (importlib import mode), so the helpers travel as fixtures.


@pytest.fixture
def sse() -> Callable[..., bytes]:
    return _sse


@pytest.fixture
def make_request() -> Callable[..., GenerationRequest]:
    return _request


@pytest.fixture
def make_config() -> Callable[..., ProviderConfig]:
    return _provider_config


async def _texts_until_error(provider: Any, request: GenerationRequest, into: list[str]) -> None:
    async for event in provider.stream(request):
        if isinstance(event, TextDelta):
            into.append(event.text)


async def _collect(provider: Any, request: GenerationRequest) -> tuple[list[str], Completion]:
    deltas: list[str] = []
    completions: list[Completion] = []
    async for event in provider.stream(request):
        if isinstance(event, TextDelta):
            deltas.append(event.text)
        else:
            completions.append(event)
    assert len(completions) == 1
    return deltas, completions[0]


@pytest.fixture
def collect() -> Callable[[Any, GenerationRequest], Awaitable[tuple[list[str], Completion]]]:
    """Stream a request: the text deltas and the one final completion."""
    return _collect


@pytest.fixture
def texts_until_error() -> Callable[[Any, GenerationRequest, list[str]], Awaitable[None]]:
    """Stream a request, keeping its text deltas in ``into`` until the stream raises."""
    return _texts_until_error


@dataclass
class AdapterUnderTest:
    """A provider adapter, the fake server it calls and the retry waits it asked for.

    What an adapter test takes together; the requests default to one user turn, "hi".
    """

    provider: Any
    server: FakeServer
    sleeps: SleepRecorder

    async def reply(
        self, *messages: tuple[str, str], **overrides: Any
    ) -> tuple[list[str], Completion]:
        """Streams a request: the text deltas and the one final completion."""
        return await self.stream(_request(*(messages or (("user", "hi"),)), **overrides))

    async def stream(self, request: GenerationRequest) -> tuple[list[str], Completion]:
        return await _collect(self.provider, request)

    async def failure(self, *messages: tuple[str, str], **overrides: Any) -> ProviderError:
        """Streams a request that must fail: the error it raised."""
        with pytest.raises(ProviderError) as caught:
            await self.reply(*messages, **overrides)
        return caught.value

    async def failure_after(self, received: list[str]) -> ProviderError:
        """Streams "hi" until it fails, keeping the text deltas that arrived in ``received``."""
        with pytest.raises(ProviderError) as caught:
            await _texts_until_error(self.provider, _request(("user", "hi")), received)
        return caught.value


@pytest.fixture
async def adapter_under_test(
    sleeps: SleepRecorder,
) -> AsyncIterator[Callable[[Any, FakeServer], AdapterUnderTest]]:
    """Bundles a provider with the fake server it calls and this test's retry waits; closes it after."""
    bundled: list[AdapterUnderTest] = []

    def bundle(provider: Any, server: FakeServer) -> AdapterUnderTest:
        bundled.append(AdapterUnderTest(provider, server, sleeps))
        return bundled[-1]

    yield bundle
    for adapter in bundled:
        await adapter.provider.aclose()
