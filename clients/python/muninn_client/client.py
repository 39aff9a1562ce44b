"""``Muninn`` and ``AsyncMuninn``: the API's resource groups over one authenticated transport."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from pydantic import BaseModel

from muninn_client._generated import models as m
from muninn_client._generated.resources import (
    AsyncConversationsResource,
    AsyncGroups,
    ConversationsResource,
    SyncGroups,
)
from muninn_client._resource import _segment
from muninn_client._transport import AsyncTransport, RetryPolicy, SyncTransport
from muninn_client.auth import ApiKey, Credential, Tokens
from muninn_client.streaming import ChatEvent, async_chat_events, chat_events

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
# Replies stream for as long as the model writes; the gateway allows 300 s of silence.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0, read=300.0)
STREAM_HEADERS = {"Accept": "text/event-stream"}
ENV_BASE_URL = "MUNINN_BASE_URL"
ENV_API_KEY = "MUNINN_API_KEY"

MessageBody = m.MessageIn | Mapping[str, Any]
OnRefresh = Callable[[Tokens], None]


def _credential(api_key: str | None, tokens: Tokens | None) -> Credential | None:
    if api_key and tokens:
        raise ValueError("give an API key or tokens, not both")
    key = api_key or (None if tokens else os.environ.get(ENV_API_KEY))
    return ApiKey(key) if key else tokens


def _tokens_from(session: m.Session, on_refresh: OnRefresh | None) -> Tokens:
    pair = session.tokens
    return Tokens.from_pair(pair.access_token, pair.refresh_token, pair.expires_in, on_refresh)


def _messages_path(conversation_id: str) -> str:
    return f"/v1/conversations/{_segment(conversation_id)}/messages"


def _message_path(conversation_id: str, message_id: str) -> str:
    return f"{_messages_path(conversation_id)}/{_segment(message_id)}"


class Conversations(ConversationsResource):
    """``/v1/conversations``, plus replies streamed as typed events."""

    def stream_message(self, conversation_id: str, body: MessageBody) -> Iterator[ChatEvent]:
        """Send a message and follow the reply: ``MessageStarted``, ``Delta``…, ``Done``."""
        yield from self._stream("POST", _messages_path(conversation_id), body)

    def stream_regenerate(self, conversation_id: str, message_id: str) -> Iterator[ChatEvent]:
        yield from self._stream("POST", _message_path(conversation_id, message_id) + "/regenerate")

    def stream_edit(
        self, conversation_id: str, message_id: str, body: m.MessageEdit | Mapping[str, Any]
    ) -> Iterator[ChatEvent]:
        yield from self._stream("POST", _message_path(conversation_id, message_id) + "/edit", body)

    def follow(self, conversation_id: str, message_id: str) -> Iterator[ChatEvent]:
        """Re-attach to a reply (after a dropped connection): ``Snapshot``, ``Delta``…, ``Done``."""
        yield from self._stream("GET", _message_path(conversation_id, message_id) + "/stream")

    def _stream(
        self, method: str, path: str, body: BaseModel | Mapping[str, Any] | None = None
    ) -> Iterator[ChatEvent]:
        with self._transport.stream(method, path, json=body, headers=STREAM_HEADERS) as answer:
            yield from chat_events(answer.iter_lines())


class AsyncConversations(AsyncConversationsResource):
    """``/v1/conversations``, plus replies streamed as typed events."""

    async def stream_message(
        self, conversation_id: str, body: MessageBody
    ) -> AsyncIterator[ChatEvent]:
        async for event in self._stream("POST", _messages_path(conversation_id), body):
            yield event

    async def stream_regenerate(
        self, conversation_id: str, message_id: str
    ) -> AsyncIterator[ChatEvent]:
        path = _message_path(conversation_id, message_id) + "/regenerate"
        async for event in self._stream("POST", path):
            yield event

    async def stream_edit(
        self, conversation_id: str, message_id: str, body: m.MessageEdit | Mapping[str, Any]
    ) -> AsyncIterator[ChatEvent]:
        path = _message_path(conversation_id, message_id) + "/edit"
        async for event in self._stream("POST", path, body):
            yield event

    async def follow(self, conversation_id: str, message_id: str) -> AsyncIterator[ChatEvent]:
        path = _message_path(conversation_id, message_id) + "/stream"
        async for event in self._stream("GET", path):
            yield event

    async def _stream(
        self, method: str, path: str, body: BaseModel | Mapping[str, Any] | None = None
    ) -> AsyncIterator[ChatEvent]:
        async with self._transport.stream(
            method, path, json=body, headers=STREAM_HEADERS
        ) as answer:
            async for event in async_chat_events(answer.aiter_lines()):
                yield event


class Muninn(SyncGroups):
    """The Muninn API, synchronously.

    ``Muninn(api_key="mk_…")``, ``Muninn(tokens=Tokens(...))``, or ``Muninn()`` then
    ``login(email, password)``. Without arguments the base URL and API key come from
    ``MUNINN_BASE_URL`` and ``MUNINN_API_KEY``.
    """

    conversations: Conversations

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        tokens: Tokens | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        self._transport = SyncTransport(
            self.base_url,
            _credential(api_key, tokens),
            timeout=timeout,
            retry=retry or RetryPolicy(),
            http=http,
        )
        super().__init__(self._transport)
        self.conversations = Conversations(self._transport)

    @property
    def credential(self) -> Credential | None:
        return self._transport.credential

    def login(self, email: str, password: str, *, on_refresh: OnRefresh | None = None) -> m.Session:
        """Sign in; later requests carry the access token, refreshed before it expires."""
        session = self.auth.login(m.Credentials(email=email, password=password))
        self._transport.credential = _tokens_from(session, on_refresh)
        return session

    def register(
        self, body: m.Registration | Mapping[str, Any], *, on_refresh: OnRefresh | None = None
    ) -> m.Session:
        """Create an account and use it."""
        session = self.auth.register(body)
        self._transport.credential = _tokens_from(session, on_refresh)
        return session

    def logout(self) -> None:
        """End the session of the refresh token (the access token lapses on its own)."""
        credential = self._transport.credential
        if isinstance(credential, Tokens) and credential.refresh_token:
            self.auth.logout(m.LogoutRequest(refresh_token=credential.refresh_token))
        self._transport.credential = None

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Muninn:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def raw_stream(self, method: str, path: str) -> Iterator[httpx.Response]:
        """A raw answer read as it arrives (a large export), with this client's credentials."""
        with self._transport.stream(method, path, headers={"Accept": "*/*"}) as answer:
            yield answer


class AsyncMuninn(AsyncGroups):
    """The Muninn API, asynchronously: the same groups and methods, awaited."""

    conversations: AsyncConversations

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        tokens: Tokens | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        self._transport = AsyncTransport(
            self.base_url,
            _credential(api_key, tokens),
            timeout=timeout,
            retry=retry or RetryPolicy(),
            http=http,
        )
        super().__init__(self._transport)
        self.conversations = AsyncConversations(self._transport)

    @property
    def credential(self) -> Credential | None:
        return self._transport.credential

    async def login(
        self, email: str, password: str, *, on_refresh: OnRefresh | None = None
    ) -> m.Session:
        session = await self.auth.login(m.Credentials(email=email, password=password))
        self._transport.credential = _tokens_from(session, on_refresh)
        return session

    async def register(
        self, body: m.Registration | Mapping[str, Any], *, on_refresh: OnRefresh | None = None
    ) -> m.Session:
        session = await self.auth.register(body)
        self._transport.credential = _tokens_from(session, on_refresh)
        return session

    async def logout(self) -> None:
        credential = self._transport.credential
        if isinstance(credential, Tokens) and credential.refresh_token:
            await self.auth.logout(m.LogoutRequest(refresh_token=credential.refresh_token))
        self._transport.credential = None

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> AsyncMuninn:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @asynccontextmanager
    async def raw_stream(self, method: str, path: str) -> AsyncIterator[httpx.Response]:
        async with self._transport.stream(method, path, headers={"Accept": "*/*"}) as answer:
            yield answer
