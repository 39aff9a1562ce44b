"""What the HTTP adapters share: one POST that answers with server-sent events, with retries.

Each adapter says where to POST, with which headers and body, and how to read the events;
this base turns transport failures, error statuses and odd content types into ProviderErrors
and wraps the call in the retry policy.
"""

from __future__ import annotations

import functools
import json
import ssl
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import certifi
import httpx

from muninn_conversation.providers import errors
from muninn_conversation.providers.config import ProviderConfig
from muninn_conversation.providers.models import (
    ErrorKind,
    GenerationRequest,
    ProviderError,
    StreamEvent,
    TextDelta,
)
from muninn_conversation.providers.retry import RetryPolicy, with_retries
from muninn_conversation.providers.sse import ServerSentEvent, iter_events

USER_AGENT = "muninn-conversation"


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle is slow (~0.5 s); every provider shares one context.
    return ssl.create_default_context(cafile=certifi.where())


class StreamingHttpProvider(ABC):
    def __init__(
        self,
        config: ProviderConfig,
        *,
        timeout_seconds: float = 60.0,
        connect_timeout_seconds: float = 10.0,
        retry: RetryPolicy | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not config.base_url:
            raise ValueError(f"provider {config.name!r} needs a base_url")
        self.config = config
        self.name = config.name
        self.models = config.advertised
        self.base_url = config.base_url
        self._timeout = timeout_seconds
        # One read timeout covers both the wait for the first byte and every gap between chunks.
        self._timeouts = httpx.Timeout(
            timeout_seconds, connect=min(connect_timeout_seconds, timeout_seconds)
        )
        self._retry = retry or RetryPolicy()
        self._client = client
        self._owns_client = client is None

    def _http(self) -> httpx.AsyncClient:
        # Created on first use: a provider that is configured but never chosen costs nothing.
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeouts, headers={"user-agent": USER_AGENT}, verify=_tls()
            )
        return self._client

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        return with_retries(lambda: self._attempt(request), self._retry, provider=self.name)

    # -- what each API defines ---------------------------------------------------------------

    @abstractmethod
    def _url(self) -> str: ...

    @abstractmethod
    def _headers(self) -> dict[str, str]: ...

    @abstractmethod
    def _body(self, request: GenerationRequest) -> dict[str, Any]: ...

    @abstractmethod
    def _parse(
        self, events: AsyncIterator[ServerSentEvent], request: GenerationRequest
    ) -> AsyncIterator[StreamEvent]:
        """Read the event stream; yield deltas, then one Completion; raise ProviderError."""

    @abstractmethod
    def _parse_whole(
        self, payload: dict[str, Any], request: GenerationRequest
    ) -> list[StreamEvent]:
        """A complete, non-streamed answer (from servers that ignore ``stream: true``)."""

    # -- one attempt ----------------------------------------------------------------------------

    async def _attempt(self, request: GenerationRequest) -> AsyncGenerator[StreamEvent, None]:
        body = self._body(request)
        headers = {**self.config.headers, **self._headers()}
        started = False
        try:
            async with self._http().stream(
                "POST", self._url(), json=body, headers=headers
            ) as response:
                if response.status_code >= 300:
                    raise errors.from_status(self.name, response, await response.aread())
                content_type = response.headers.get("content-type", "").lower()
                if "json" in content_type:
                    for event in self._parse_whole(self.decode(await response.aread()), request):
                        yield event
                    return
                if "html" in content_type:
                    raise errors.malformed(
                        self.name,
                        f"it answered with a web page instead of an event stream (is {self.base_url} the API URL?)",
                    )
                async for event in self._parse(iter_events(response.aiter_lines()), request):
                    started = started or isinstance(event, TextDelta)
                    yield event
        except httpx.HTTPError as exc:
            raise errors.from_transport(
                self.name, self.base_url, exc, started=started, timeout=self._timeout
            ) from exc

    def decode(self, data: str | bytes) -> dict[str, Any]:
        try:
            payload = json.loads(data)
        except ValueError:
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
            raise errors.malformed(self.name, f"not JSON: {text[:80]!r}") from None
        if not isinstance(payload, dict):
            raise errors.malformed(
                self.name, f"expected a JSON object, got {type(payload).__name__}"
            )
        return payload

    def stream_error(
        self, error: Any, *, started: bool, kind_by_type: dict[str, ErrorKind]
    ) -> ProviderError:
        """An error the provider reported inside an otherwise successful stream."""
        error = error if isinstance(error, dict) else {"message": str(error)}
        error_type = str(error.get("type") or error.get("code") or "error")
        message = str(error.get("message") or "no details")
        kind: ErrorKind = kind_by_type.get(error_type, "unavailable")
        where = " mid-reply" if started else ""
        return ProviderError(
            f"The model provider '{self.name}' reported an error{where} ({error_type}): {message}",
            provider=self.name,
            kind=kind,
        )
