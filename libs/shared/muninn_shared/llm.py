"""An OpenAI-compatible ``/chat/completions`` endpoint, as the services that ask an LLM call
it: one request, the text of the first choice back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


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
    ) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout

    @property
    def model(self) -> str:
        return self._model

    async def complete(self, body: Mapping[str, Any]) -> str:
        """The answer's text to ``body`` (all of the request but the model, which this adds).

        Raises :class:`ChatEndpointError` (or ``httpx.HTTPError`` when the endpoint is not
        reached)."""
        response = await self._http.post(
            self._url,
            json={"model": self._model, **body},
            headers=self._headers,
            timeout=self._timeout,
        )
        if response.status_code >= 400:
            raise ChatEndpointError(
                f"LLM endpoint answered {response.status_code}: {response.text[:300]}"
            )
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ChatEndpointError(f"LLM endpoint gave no message: {exc!r}") from exc
        if not isinstance(content, str):
            raise ChatEndpointError("LLM message has no text content")
        return content

    async def aclose(self) -> None:
        """Close the HTTP client (where the endpoint has one of its own)."""
        await self._http.aclose()
