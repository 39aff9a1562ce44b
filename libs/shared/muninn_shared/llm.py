"""An OpenAI-compatible ``/chat/completions`` endpoint, as the services that ask an LLM call
it: one request, the text of the first choice back.

Every request is one model call for :mod:`muninn_shared.model_calls`: timed, its ``usage``
read from the answer, and recorded for the user being served under the caller's feature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from muninn_shared.model_calls import (
    CHAT_ENDPOINT,
    UNRECORDED,
    CallMeter,
    ModelCallRecorder,
    provider_of,
)


class ChatEndpointError(ValueError):
    """The endpoint refused the request, or answered without a message's text."""


class ChatEndpoint:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 20.0,
        recorder: ModelCallRecorder | None = None,
        feature: str = "llm",
    ) -> None:
        """``feature``: what the calls are for when ``complete`` is not told (``memory_extraction``…)."""
        self._http = http
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout
        self._recorder = recorder or UNRECORDED
        self._provider = provider_of(base_url)
        self._feature = feature

    @property
    def model(self) -> str:
        return self._model

    @property
    def provider(self) -> str:
        return self._provider

    async def complete(self, body: Mapping[str, Any], *, feature: str | None = None) -> str:
        """The answer's text to ``body`` (all of the request but the model, which this adds).

        Raises :class:`ChatEndpointError` (or ``httpx.HTTPError`` when the endpoint is not
        reached)."""
        async with self._recorder.call(
            provider=self._provider,
            endpoint=CHAT_ENDPOINT,
            model=self._model,
            feature=feature or self._feature,
        ) as call:
            return await self._post_chat(body, call)

    async def _post_chat(self, body: Mapping[str, Any], call: CallMeter) -> str:
        response = await self._http.post(
            self._url,
            json={"model": self._model, **body},
            headers=self._headers,
            timeout=self._timeout,
        )
        if response.status_code >= 400:
            call.fail(f"http_{response.status_code}")
            raise ChatEndpointError(
                f"LLM endpoint answered {response.status_code}: {response.text[:300]}"
            )
        try:
            answer = response.json()
            call.usage_from(answer)
            content = answer["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            call.fail("invalid_answer")
            raise ChatEndpointError(f"LLM endpoint gave no message: {exc!r}") from exc
        if not isinstance(content, str):
            call.fail("invalid_answer")
            raise ChatEndpointError("LLM message has no text content")
        return content

    async def aclose(self) -> None:
        """Close the HTTP client (where the endpoint has one of its own)."""
        await self._http.aclose()
