"""Every call to a model provider, measured once and recorded for the user it served.

A service wraps each request to a provider (an LLM's chat completion, an embedding request)
in :meth:`ModelCallRecorder.call`. The wrapper times it, takes the token counts the caller
reads from the answer, and then

- records the system metrics (``muninn.model.*``, OpenTelemetry, bounded labels: provider,
  endpoint, feature, outcome) for every call, whoever it was for;
- hands a :class:`~muninn_shared.events.payloads.ModelCallRecorded` to the service's sink when
  the call was made for a user: the services that call models put it in their outbox
  (:func:`outbox_recorder`, event ``usage.call.recorded``), conversation — which owns
  ``/v1/usage`` — writes its own calls straight into its store.

Who a call is for is not passed down through every port: it is the user being served, a
context variable the request's authentication and the event consumer set (:func:`act_for`),
and background work done for one user sets with :func:`on_behalf_of`. A call made for no one
in particular (an operator's re-embedding of every user's memories) is measured, not
attributed.

Recording never fails the call it describes: a sink error is logged and the caller gets the
model's answer (or its error) as if nothing had been recorded.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from muninn_shared.events import new_event, spec_for
from muninn_shared.events.payloads import ModelCallRecorded
from muninn_shared.logging import get_logger
from muninn_shared.metrics import METRICS

if TYPE_CHECKING:
    from muninn_shared.storage.outbox import Outbox

log = get_logger(__name__)

RECORDED_SUFFIX = "model_call.recorded"
CHAT_ENDPOINT = "chat/completions"
EMBEDDINGS_ENDPOINT = "embeddings"


@dataclass(frozen=True)
class Attribution:
    """The user a model call is made for, and the context (work, personal…) when known."""

    user_id: str
    context: str | None = None


_acting_for: ContextVar[Attribution | None] = ContextVar("muninn_model_calls_for", default=None)


def acting_for() -> Attribution | None:
    """The user the calls made now are for, or None."""
    return _acting_for.get()


def act_for(user_id: str | None, context: str | None = None) -> None:
    """Attribute the rest of this task's calls to ``user_id`` (a request, an event)."""
    _acting_for.set(Attribution(user_id, context) if user_id else None)


@contextmanager
def on_behalf_of(user_id: str | None, context: str | None = None) -> Iterator[None]:
    """Attribute the calls made in the block to ``user_id`` (background work for one user)."""
    token = _acting_for.set(Attribution(user_id, context) if user_id else None)
    try:
        yield
    finally:
        _acting_for.reset(token)


def provider_of(base_url: str) -> str:
    """A provider's name from its endpoint: ``openai`` and ``anthropic`` for their APIs (whose
    prices are known), else the host, which is what tells self-hosted servers apart."""
    host = (urlsplit(base_url).hostname or "unknown").lower()
    if host == "api.openai.com":
        return "openai"
    if host == "api.anthropic.com":
        return "anthropic"
    return host[:80]


class CallMeter:
    """What the caller learns during a call: the tokens of the answer, or why it failed."""

    def __init__(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.tokens_reported = False
        self.error_code: str | None = None

    def tokens(self, prompt: int | None, completion: int | None = 0) -> None:
        """The answer's token counts (None when the provider did not say)."""
        if prompt is None and completion is None:
            return
        self.prompt_tokens = max(0, int(prompt or 0))
        self.completion_tokens = max(0, int(completion or 0))
        self.tokens_reported = True

    def usage_from(self, answer: object) -> None:
        """The OpenAI-shaped ``usage`` object of a JSON answer, if it has one."""
        usage = answer.get("usage") if isinstance(answer, dict) else None
        if not isinstance(usage, dict):
            return
        prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
        completion = usage.get("completion_tokens", usage.get("output_tokens"))
        if isinstance(prompt, int) or isinstance(completion, int):
            self.tokens(
                prompt if isinstance(prompt, int) else None,
                completion if isinstance(completion, int) else None,
            )

    def fail(self, code: str) -> None:
        """The call failed (``http_429``, ``timeout``, ``invalid_answer``…)."""
        self.error_code = code[:80]


def error_code_of(exc: BaseException) -> str:
    """A bounded name for an exception that ended a call."""
    name = type(exc).__name__
    if "Timeout" in name:
        return "timeout"
    if name in {"ConnectError", "ConnectTimeout", "NetworkError", "RemoteProtocolError"}:
        return "unreachable"
    if name == "CancelledError":
        return "cancelled"
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")[:80]


Sink = Callable[[ModelCallRecorded], Awaitable[object]]


class ModelCallRecorder:
    """Measures a service's model calls and hands the attributed ones to ``sink``."""

    def __init__(self, service: str, sink: Sink | None = None) -> None:
        self.service = service
        self._sink = sink

    @asynccontextmanager
    async def call(
        self,
        *,
        provider: str,
        endpoint: str,
        model: str,
        feature: str,
        attribution: Attribution | None = None,
    ) -> AsyncIterator[CallMeter]:
        """Around one request to a provider; raise out of the block when it fails.

        ``attribution``: who the call is for, when the caller knows better than the context
        (a stream read across a generator's yields, where a context variable must not be set)."""
        meter = CallMeter()
        attribution = attribution or _acting_for.get()
        called_at = datetime.now(UTC)
        started = time.perf_counter()
        try:
            yield meter
        except BaseException as exc:
            # A generator closed by its reader is not a failure of the call in itself: the
            # caller, who knows whether the answer had come, says (CallMeter.fail).
            if meter.error_code is None and not isinstance(exc, GeneratorExit):
                meter.fail(error_code_of(exc))
            raise
        finally:
            latency = time.perf_counter() - started
            self._measure(meter, provider, endpoint, feature, latency)
            if attribution is not None and self._sink is not None:
                await self._record(
                    ModelCallRecorded(
                        user_id=attribution.user_id,
                        call_id=uuid.uuid4().hex,
                        service=self.service,
                        provider=provider,
                        endpoint=endpoint,
                        model=model,
                        feature=feature,
                        context=attribution.context,
                        prompt_tokens=meter.prompt_tokens,
                        completion_tokens=meter.completion_tokens,
                        total_tokens=meter.prompt_tokens + meter.completion_tokens,
                        tokens_reported=meter.tokens_reported,
                        latency_ms=int(latency * 1000),
                        success=meter.error_code is None,
                        error_code=meter.error_code,
                        called_at=called_at,
                    )
                )

    @staticmethod
    def _measure(
        meter: CallMeter, provider: str, endpoint: str, feature: str, seconds: float
    ) -> None:
        labels = {"provider": provider, "endpoint": endpoint, "feature": feature}
        outcome = "ok" if meter.error_code is None else "error"
        METRICS.model_calls.add(1, {**labels, "outcome": outcome})
        METRICS.model_duration.record(seconds, {**labels, "outcome": outcome})
        if meter.tokens_reported:
            METRICS.model_tokens.add(meter.prompt_tokens, {**labels, "direction": "input"})
            METRICS.model_tokens.add(meter.completion_tokens, {**labels, "direction": "output"})

    async def _record(self, call: ModelCallRecorded) -> None:
        assert self._sink is not None
        try:
            await self._sink(call)
        except Exception as exc:
            log.warning(
                "model call not recorded",
                provider=call.provider,
                feature=call.feature,
                error=repr(exc)[:300],
            )


def outbox_recorder(event_type: str, outbox: Outbox) -> ModelCallRecorder:
    """A recorder whose calls travel as ``event_type`` events (``memory.model_call.recorded``:
    the service's own, on its own topic) through ``outbox``.

    Written outside any transaction: a call was made (and maybe billed) even when the work
    that made it is rolled back and retried. The consumer keeps one record per ``call_id``."""
    (service,) = spec_for(event_type).producers
    if event_type != f"{service}.{RECORDED_SUFFIX}":
        raise ValueError(f"{event_type} is not a model call record")

    async def sink(call: ModelCallRecorded) -> None:
        event = new_event(event_type, source=service, subject=call.user_id, data=call)
        await outbox.put(event, None)

    return ModelCallRecorder(service, sink)


UNRECORDED = ModelCallRecorder("unknown")
"""Measures calls (metrics) and records none: where a port is built without a recorder."""
