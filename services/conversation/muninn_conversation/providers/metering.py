"""LLM tokens, latency and errors per provider, recorded around a provider's stream.

Wrapping the stream rather than the provider keeps every adapter as it is (and the registry
handing out the adapters themselves); every generation goes through :func:`metered_stream`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from muninn_shared.metrics import METRICS

from muninn_conversation.providers.models import (
    ChatProvider,
    Completion,
    GenerationRequest,
    ProviderError,
    StreamEvent,
)


async def metered_stream(
    provider: ChatProvider, request: GenerationRequest
) -> AsyncIterator[StreamEvent]:
    """``provider.stream(request)``, measured: its duration by outcome (``ok``, ``error``, or
    ``stopped`` when the reader left early), its tokens, and its failures by kind."""
    labels = {"provider": provider.name}
    started = time.perf_counter()
    outcome = "stopped"
    events = provider.stream(request)
    try:
        async for event in events:
            if isinstance(event, Completion):
                outcome = "ok"
                METRICS.llm_tokens.add(event.usage.input_tokens, {**labels, "direction": "input"})
                METRICS.llm_tokens.add(event.usage.output_tokens, {**labels, "direction": "output"})
            yield event
    except ProviderError as exc:
        outcome = "error"
        METRICS.llm_errors.add(1, {**labels, "kind": exc.kind})
        raise
    except Exception:
        outcome = "error"
        METRICS.llm_errors.add(1, {**labels, "kind": "unexpected"})
        raise
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
        METRICS.llm_duration.record(time.perf_counter() - started, {**labels, "outcome": outcome})
