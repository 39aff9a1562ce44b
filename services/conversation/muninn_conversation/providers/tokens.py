"""Token counts when the provider reports none: about four characters per token."""

from __future__ import annotations

from collections.abc import Iterable

from muninn_conversation.providers.models import ChatMessage, Usage

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)  # ceiling division: any text is at least one token


def estimate_input(messages: Iterable[ChatMessage]) -> int:
    return sum(estimate_tokens(m.content) for m in messages)


def estimated_usage(messages: Iterable[ChatMessage], output: str) -> Usage:
    return Usage(
        input_tokens=estimate_input(messages), output_tokens=estimate_tokens(output), estimated=True
    )
