"""Runs assistant replies in the background and keeps every one of them accounted for.

A reply is a message that moves pending → generating → complete | error | stopped. The text
is saved as it streams (every ``save_interval`` seconds), together with a lease. A sweeper
turns generations whose lease expired — their process died — into a visible error that keeps
the partial text, so no reply is ever silently missing or stuck in ``generating``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.model_calls import ModelCallRecorder

from muninn_conversation.generation.live import EventName, LiveEvent, LiveGeneration
from muninn_conversation.generation.prompt import system_prompt
from muninn_conversation.messages.models import FINISHED, GenerationStatus
from muninn_conversation.messages.replies import Replies
from muninn_conversation.profiles.client import ProfileClient, UserContext
from muninn_conversation.providers.metering import metered_stream
from muninn_conversation.providers.models import (
    ChatMessage,
    Completion,
    GenerationRequest,
    ProviderError,
    TextDelta,
)
from muninn_conversation.providers.models import RecalledMemory as PromptMemory
from muninn_conversation.providers.models import UserContext as PromptUserContext
from muninn_conversation.providers.registry import ProviderRegistry, cost_usd
from muninn_conversation.recall.client import MemoryRecallClient, Recall

log = get_logger(__name__)

INTERRUPTED = "The reply was interrupted because the conversation service stopped; what was generated so far is kept. Regenerate to try again."

OnFinished = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class GenerationJob:
    message_id: str
    conversation_id: str
    owner_id: str
    requester_id: str
    """Who posted (or regenerated) the turn: whose profile, token and memories the reply uses."""
    query: str
    history: list[ChatMessage]
    settings: dict[str, Any]
    bearer_token: str
    persona: str | None = None
    advisor_id: str | None = None
    shared: bool = False
    context: str | None = None
    """The conversation's context (work, personal…): its model call is recorded under it."""
    on_finished: list[OnFinished] = field(default_factory=list)


class GenerationEngine:
    def __init__(
        self,
        *,
        replies: Replies,
        registry: ProviderRegistry,
        recall: MemoryRecallClient,
        profiles: ProfileClient,
        instance_id: str,
        lease_seconds: float = 30.0,
        save_interval: float = 0.25,
        calls: ModelCallRecorder | None = None,
    ) -> None:
        """``calls`` records each generation as the requester's ``chat`` model call."""
        self._replies = replies
        self._calls = calls
        self._registry = registry
        self._recall = recall
        self._profiles = profiles
        self._instance = instance_id
        self._lease = timedelta(seconds=lease_seconds)
        self._save_interval = save_interval
        self._live: dict[str, LiveGeneration] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle -----------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Interrupt the generations still running here; each is saved as an error that
        keeps its partial text. (The sweeper runs under the service's BackgroundTasks.)"""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def sweep(self) -> int:
        """Mark generations abandoned by a dead process as errors (partial text kept).

        One pass of the sweeper, which main.py runs periodically under BackgroundTasks."""
        now = datetime.now(UTC)
        swept = 0
        for doc in await self._replies.expired_generations(now):
            if doc["_id"] in self._live:
                continue
            updated = await self._replies.update(
                doc["_id"],
                {
                    "status": GenerationStatus.ERROR.value,
                    "error": INTERRUPTED,
                    "timing.completed_at": now,
                },
                only_if_status=["pending", "generating"],
            )
            if updated is not None:
                swept += 1
                log.warning("abandoned generation marked as error", message_id=doc["_id"])
        return swept

    # -- generations -----------------------------------------------------------------------

    def lease_until(self) -> datetime:
        return datetime.now(UTC) + self._lease

    def launch(self, job: GenerationJob) -> LiveGeneration:
        live = LiveGeneration(job.message_id)
        self._live[job.message_id] = live
        task = asyncio.create_task(self._run(job, live), name=f"generate:{job.message_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return live

    def live(self, message_id: str) -> LiveGeneration | None:
        return self._live.get(message_id)

    async def request_stop(self, message_id: str) -> None:
        live = self._live.get(message_id)
        if live is not None:
            live.stop_requested.set()
        await self._replies.update(
            message_id, {"stop_requested": True}, only_if_status=["pending", "generating"]
        )

    async def _run(self, job: GenerationJob, live: LiveGeneration) -> None:
        started = time.monotonic()
        started_at = datetime.now(UTC)
        first_token_ms: int | None = None
        try:
            user = await self._profiles.context_for(job.requester_id, job.bearer_token)
            recall = await self._recall.recall(
                job.query, bearer_token=job.bearer_token, enabled=user.long_term_memory
            )
            provider, model = self._registry.resolve(
                conversation_provider=job.settings.get("provider"),
                conversation_model=job.settings.get("model"),
                preferred_provider=user.ai_provider,
                preferred_model=user.ai_model,
            )
            await self._replies.update(
                job.message_id,
                {
                    "status": GenerationStatus.GENERATING.value,
                    "provider": provider.name,
                    "model": model,
                    "generation_owner": self._instance,
                    "lease_until": self.lease_until(),
                    "timing.generation_started_at": started_at,
                    "metadata.memory_status": recall.status,
                },
            )
            if recall.memories:
                await self._replies.record_sources(
                    message_id=job.message_id,
                    conversation_id=job.conversation_id,
                    user_id=job.requester_id,
                    sources=[
                        {
                            "kind": m.kind,
                            "ref_id": m.id,
                            "title": m.title,
                            "snippet": m.content[:500],
                            "score": m.score,
                        }
                        for m in recall.memories
                    ],
                )
            request = self._request(job, user, recall, model)
            completion: Completion | None = None
            last_save = time.monotonic()
            events = metered_stream(provider, request, calls=self._calls, context=job.context)
            try:
                async for event in events:
                    if isinstance(event, TextDelta):
                        if first_token_ms is None:
                            first_token_ms = int((time.monotonic() - started) * 1000)
                        live.publish(event.text)
                        if time.monotonic() - last_save >= self._save_interval:
                            last_save = time.monotonic()
                            if await self._save_and_check_stop(job.message_id, live):
                                break
                        if live.stop_requested.is_set():
                            break
                    elif isinstance(event, Completion):
                        completion = event
            finally:
                # Leaving the loop on a stop closes the provider's HTTP stream at once.
                close = getattr(events, "aclose", None)
                if close is not None:
                    await close()
            stopped = live.stop_requested.is_set() or (
                completion is None and await self._stop_flagged(job.message_id)
            )
            await self._finish(
                job,
                live,
                GenerationStatus.STOPPED if stopped else GenerationStatus.COMPLETE,
                started,
                first_token_ms,
                completion,
                provider.name,
                model,
            )
        except ProviderError as exc:
            await self._fail(job, live, started, first_token_ms, str(exc))
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._fail(job, live, started, first_token_ms, INTERRUPTED))
            raise
        except Exception as exc:
            log.exception("generation failed", message_id=job.message_id)
            await self._fail(
                job,
                live,
                started,
                first_token_ms,
                f"The reply failed unexpectedly ({type(exc).__name__}). Regenerate to try again.",
            )
        finally:
            self._live.pop(job.message_id, None)

    def _request(
        self, job: GenerationJob, user: UserContext, recall: Recall, model: str
    ) -> GenerationRequest:
        system = system_prompt(
            user,
            recall.memories,
            conversation_prompt=job.settings.get("system_prompt"),
            persona=job.persona,
            shared=job.shared,
        )
        return GenerationRequest(
            messages=[ChatMessage(role="system", content=system), *job.history],
            model=model,
            temperature=job.settings.get("temperature"),
            max_tokens=job.settings.get("max_tokens"),
            user_id=job.requester_id,
            memories=[
                PromptMemory(id=m.id, content=m.content, score=m.score, created_at=m.created_at)
                for m in recall.memories
            ],
            user_context=PromptUserContext(
                assistant_name=user.assistant_name,
                display_name=user.display_name,
                response_style=user.response_style,
                language=user.language,
            ),
        )

    async def _save_and_check_stop(self, message_id: str, live: LiveGeneration) -> bool:
        doc = await self._replies.save_progress(message_id, live.text, self.lease_until())
        if doc is None or doc.get("stop_requested"):
            live.stop_requested.set()
            return True
        return False

    async def _stop_flagged(self, message_id: str) -> bool:
        doc = await self._replies.by_id(message_id)
        return bool(doc and doc.get("stop_requested"))

    async def _fail(
        self,
        job: GenerationJob,
        live: LiveGeneration,
        started: float,
        first_token_ms: int | None,
        error: str,
    ) -> None:
        """Save the reply as an error, keeping the text generated so far."""
        await self._finish(
            job,
            live,
            GenerationStatus.ERROR,
            started,
            first_token_ms,
            None,
            None,
            None,
            error=error,
        )

    async def _finish(
        self,
        job: GenerationJob,
        live: LiveGeneration,
        status: GenerationStatus,
        started: float,
        first_token_ms: int | None,
        completion: Completion | None,
        provider: str | None,
        model: str | None,
        *,
        error: str | None = None,
    ) -> None:
        now = datetime.now(UTC)
        changes: dict[str, Any] = {
            "status": status.value,
            "content": live.text,
            "error": error,
            "timing.first_token_ms": first_token_ms,
            "timing.completed_at": now,
            "timing.duration_ms": int((time.monotonic() - started) * 1000),
        }
        if completion is not None:
            changes["metadata.finish_reason"] = completion.finish_reason
            usage = completion.usage
            cost = (
                cost_usd(self._registry.config_for(completion.provider), completion.model, usage)
                if provider
                else None
            )
            changes["usage"] = {
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "total_tokens": usage.input_tokens + usage.output_tokens,
                "cost_usd": float(cost) if cost is not None else None,
                "estimated": usage.estimated,
            }
        doc = await self._replies.update(
            job.message_id, changes, only_if_status=["pending", "generating"]
        )
        if doc is None:
            doc = await self._replies.by_id(job.message_id)
        if doc is None:
            return
        for callback in job.on_finished:
            try:
                await callback(doc)
            except Exception:
                log.exception("after-generation step failed", message_id=job.message_id)
        event_name: EventName = (
            "done"
            if doc["status"] in (GenerationStatus.COMPLETE.value, GenerationStatus.STOPPED.value)
            else "error"
        )
        live.finish(
            (
                event_name,
                {"message_id": job.message_id, "status": doc["status"], "error": doc.get("error")},
            )
        )

    # -- reading a generation ----------------------------------------------------------------

    async def follow(
        self, message_id: str, *, poll_interval: float = 0.5
    ) -> AsyncIterator[LiveEvent]:
        """Snapshot, then deltas, then the final event — from this process or, failing that, the store."""
        live = self._live.get(message_id)
        if live is not None:
            text, queue = live.attach()
            try:
                yield ("snapshot", {"content": text})
                while True:
                    event = await queue.get()
                    yield event
                    if event[0] in ("done", "error"):
                        return
            finally:
                live.detach(queue)
        sent = ""
        first = True
        while True:
            doc = await self._replies.by_id(message_id)
            if doc is None:
                yield (
                    "error",
                    {
                        "message_id": message_id,
                        "status": "error",
                        "error": "The message no longer exists.",
                    },
                )
                return
            content = doc.get("content", "")
            if first:
                yield ("snapshot", {"content": content})
                first = False
            elif content.startswith(sent) and len(content) > len(sent):
                yield ("delta", {"text": content[len(sent) :]})
            sent = content
            if GenerationStatus(doc["status"]) in FINISHED:
                name: EventName = (
                    "error" if doc["status"] == GenerationStatus.ERROR.value else "done"
                )
                yield (
                    name,
                    {"message_id": message_id, "status": doc["status"], "error": doc.get("error")},
                )
                return
            live = self._live.get(message_id)
            if live is not None:  # it started here meanwhile
                async for event in self.follow(message_id):
                    if event[0] != "snapshot":
                        yield event
                return
            await asyncio.sleep(poll_interval)
