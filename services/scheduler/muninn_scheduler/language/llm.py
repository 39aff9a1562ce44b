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
from muninn_shared.llm import ChatEndpoint
from muninn_shared.logging import get_logger
from pydantic import BaseModel, ValidationError

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class ChatExtractor(ChatEndpoint):
    async def extract(
        self, schema: type[M], system: str, user: str, *, feature: str = "scheduler_language"
    ) -> M | None:
        """``feature``: what the call is for, in the user's usage records."""
        body = {
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        }
        try:
            content = await self.complete(body, feature=feature)
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
