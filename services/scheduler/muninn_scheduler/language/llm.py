"""Structured extraction through an OpenAI-compatible ``/chat/completions`` endpoint.

The model is asked for one JSON object (``response_format: json_object``) and the answer is
validated against a Pydantic model; anything else — a timeout, an HTTP error, prose, a
field out of range — returns None so the caller falls back to its offline rules.
"""

from __future__ import annotations

import json
import re
from typing import TypeVar

import httpx
from muninn_shared.logging import get_logger
from pydantic import BaseModel, ValidationError

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class ChatExtractor:
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
        self._api_key = api_key
        self._timeout = timeout

    async def extract(self, schema: type[M], system: str, user: str) -> M | None:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        body = {
            "model": self._model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        }
        try:
            response = await self._http.post(
                self._url, json=body, headers=headers, timeout=self._timeout
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
            return schema.model_validate(json.loads(FENCE.sub("", content.strip())))
        except (
            httpx.HTTPError,
            KeyError,
            IndexError,
            TypeError,
            ValueError,
            ValidationError,
        ) as exc:
            log.warning("llm extraction failed; using the offline rules", error=repr(exc)[:300])
            return None
