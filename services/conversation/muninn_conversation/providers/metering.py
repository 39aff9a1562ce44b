"""LLM tokens, latency and errors per provider, recorded around a provider's stream.

Wrapping the stream rather than the provider keeps every adapter as it is (and the registry
handing out the adapters themselves); every generation goes through :func:`metered_stream`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from muninn_shared.metrics import METRICS
from muninn_shared.model_calls import CHAT_ENDPOINT, UNRECORDED, Attribution, ModelCallRecorder

from muninn_conversation.providers.models import (
    ChatProvider,
    Completion,
    GenerationRequest,
    ProviderError,
    StreamEvent,
)

CHAT = "chat"


async def metered_stream(
    provider: ChatProvider,
    request: GenerationRequest,
    *,
    calls: ModelCallRecorder | None = None,
    context: str | None = None,
) -> AsyncIterator[StreamEvent]:
    """``provider.stream(request)``, measured: its duration by outcome (``ok``, ``error``, or
    ``stopped`` when the reader left early), its tokens, and its failures by kind; and, with
    ``calls``, recorded as one ``chat`` model call of the user who asked (``context``: the
    conversation's)."""
    labels = {"provider": provider.name}
    started = time.perf_counter()
    outcome = "stopped"
    events = provider.stream(request)
    async with (calls or UNRECORDED).call(
        provider=provider.name,
        endpoint=CHAT_ENDPOINT,
        model=request.model,
        feature=CHAT,
        attribution=Attribution(request.user_id, context),
    ) as call:
        try:
            async for event in events:
                if isinstance(event, Completion):
                    outcome = "ok"
                    METRICS.llm_tokens.add(
                        event.usage.input_tokens, {**labels, "direction": "input"}
                    )
                    METRICS.llm_tokens.add(
                        event.usage.output_tokens, {**labels, "direction": "output"}
                    )
                    call.tokens(event.usage.input_tokens, event.usage.output_tokens)
                    # Counted as ~chars/4: the record says the provider did not report it.
                    call.tokens_reported = not event.usage.estimated
                yield event
        except ProviderError as exc:
            outcome = "error"
            call.fail(f"provider_{exc.kind}")
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
            METRICS.llm_duration.record(
                time.perf_counter() - started, {**labels, "outcome": outcome}
            )
            if outcome == "stopped":
                # The reader left before the end (a stop): the call ended short of an answer.
                call.fail("stopped")
