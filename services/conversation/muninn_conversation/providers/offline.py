"""The offline responder: always available, no key, no network, deterministic.

It is the default until an operator connects a real model, and what tests run against. The
reply (see offline_reply) is streamed word by word like a model's, without artificial delays.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from muninn_conversation.providers.config import OFFLINE, OFFLINE_MODEL
from muninn_conversation.providers.models import (
    Completion,
    GenerationRequest,
    StreamEvent,
    TextDelta,
)
from muninn_conversation.providers.offline_reply import compose_reply
from muninn_conversation.providers.tokens import CHARS_PER_TOKEN, estimated_usage

_PIECE = re.compile(r"\s*\S+\s*")


def word_pieces(text: str) -> list[str]:
    """Words with their trailing whitespace; joined they give the text back exactly."""
    return _PIECE.findall(text)


def truncate(text: str, max_tokens: int) -> str:
    limit = max_tokens * CHARS_PER_TOKEN
    kept = ""
    for piece in word_pieces(text):
        if len(kept) + len(piece.rstrip()) > limit:
            break
        kept += piece
    return kept.rstrip()


class OfflineProvider:
    def __init__(self, name: str = OFFLINE, models: list[str] | None = None) -> None:
        self.name = name
        self.models = models or [OFFLINE_MODEL]

    async def aclose(self) -> None:
        return None

    def reply(self, request: GenerationRequest) -> tuple[str, str]:
        """The reply text and its finish reason (``length`` when max_tokens cut it short)."""
        text = compose_reply(request)
        if request.max_tokens is not None and len(text) > request.max_tokens * CHARS_PER_TOKEN:
            return truncate(text, request.max_tokens), "length"
        return text, "stop"

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        text, finish_reason = self.reply(request)
        for piece in word_pieces(text):
            yield TextDelta(text=piece)
        yield Completion(
            finish_reason=finish_reason,
            usage=estimated_usage(request.messages, text),
            model=OFFLINE_MODEL,
            provider=self.name,
        )
