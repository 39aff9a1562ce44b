"""Chat Completions on top of Muninn conversations.

A call is stateless for the client (it sends the history) but not for Muninn: its last
user turn and the reply are stored in a conversation — chosen by the ``X-Muninn-Conversation-Id``
header or ``metadata.conversation_id``, else one conversation per API ``user`` — so memory
extraction, reminders and usage work exactly as for the native API. Memory recall is applied
to the prompt transparently.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from muninn_shared.auth import Principal
from muninn_shared.problems import ProblemError

from muninn_conversation.completions import encoding
from muninn_conversation.completions.models import (
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    CompletionMessage,
    ModelCard,
    ModelList,
)
from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.generation.engine import GenerationEngine
from muninn_conversation.messages.models import GenerationStatus
from muninn_conversation.messages.service import MessageService
from muninn_conversation.providers.models import ChatMessage
from muninn_conversation.providers.registry import ProviderRegistry

DEFAULT_MODEL = "muninn"
_ROLE_MAP = {"developer": "system", "function": "tool"}


@dataclass(frozen=True)
class StartedCompletion:
    """A completion whose reply is being generated into ``message_id`` of the conversation."""

    conversation_id: str
    message_id: str
    reader_id: str
    requested_model: str
    created: int

    @property
    def completion_id(self) -> str:
        return f"chatcmpl-{self.message_id}"


class CompletionService:
    def __init__(
        self,
        *,
        registry: ProviderRegistry,
        conversations: ConversationService,
        messages: MessageService,
        engine: GenerationEngine,
    ) -> None:
        self._engine = engine
        self._registry = registry
        self._conversations = conversations
        self._messages = messages
        self._created = int(time.time())

    def models(self) -> ModelList:
        cards = [ModelCard(id=DEFAULT_MODEL, created=self._created, owned_by="muninn")]
        cards += [
            ModelCard(id=f"{provider}/{model}", created=self._created, owned_by=provider)
            for provider, model in self._registry.all_models()
        ]
        return ModelList(data=cards)

    def route(self, requested: str) -> dict[str, Any]:
        """Conversation-level settings for a requested model id; 404 for one nobody serves."""
        if requested in (DEFAULT_MODEL, "default"):
            return {}
        names = set(self._registry.names())
        provider, slash, model = requested.partition("/")
        if slash and provider in names:
            return {"provider": provider, "model": model or None}
        if requested in names:
            return {"provider": requested}
        for provider_name, model_name in self._registry.all_models():
            if model_name == requested:
                return {"provider": provider_name, "model": model_name}
        raise ProblemError(
            404,
            f"The model '{requested}' is not served here; GET /v1/models lists the ones that are "
            f"('{DEFAULT_MODEL}' uses your preferred provider).",
            code="model-not-found",
        )

    async def start(
        self,
        principal: Principal,
        body: ChatCompletionRequest,
        bearer_token: str,
        conversation_id: str | None,
    ) -> StartedCompletion:
        overrides = self.route(body.model)
        overrides["temperature"] = body.temperature
        overrides["max_tokens"] = body.max_completion_tokens or body.max_tokens
        chosen = conversation_id or (body.metadata or {}).get("conversation_id")
        if chosen:
            conversation, _ = await self._conversations.authorize(
                chosen, principal.user_id, Operation.POST
            )
        else:
            client = body.user or "default"
            conversation = await self._conversations.for_client(
                principal.user_id, f"openai:{client}", title=f"API ({client})"
            )
        history = [
            ChatMessage(
                role=_ROLE_MAP.get(turn.role, turn.role), content=turn.text(), name=turn.name
            )  # type: ignore[arg-type]
            for turn in body.messages[:-1]
            if turn.text()
        ]
        started = await self._messages.post_with_history(
            conversation, principal, body.messages[-1].text(), history, bearer_token, overrides
        )
        return StartedCompletion(
            conversation_id=conversation["_id"],
            message_id=started.assistant_message.id,
            reader_id=principal.user_id,
            requested_model=body.model,
            created=int(time.time()),
        )

    async def stream(
        self, started: StartedCompletion, *, include_usage: bool
    ) -> AsyncIterator[bytes]:
        """The reply as ``chat.completion.chunk`` events, ending with ``[DONE]`` (or an error)."""
        completion_id, created, requested = (
            started.completion_id,
            started.created,
            started.requested_model,
        )
        yield encoding.chunk(
            completion_id, created, requested, {"role": "assistant", "content": ""}
        )
        async for name, data in self._engine.follow(started.message_id):
            if name == "snapshot":
                if data["content"]:
                    yield encoding.chunk(
                        completion_id, created, requested, {"content": data["content"]}
                    )
                continue
            if name == "delta":
                yield encoding.chunk(completion_id, created, requested, {"content": data["text"]})
                continue
            reply = await self._messages.reply_as_seen_by(started.message_id, started.reader_id)
            if name == "error":
                yield encoding.error_chunk(reply)
                return
            model = encoding.served_model(reply, requested)
            yield encoding.chunk(completion_id, created, model, {}, encoding.finish_reason(reply))
            if include_usage:
                yield encoding.usage_chunk(completion_id, created, model, reply)
            yield encoding.DONE
            return

    async def complete(self, started: StartedCompletion) -> ChatCompletion:
        """The finished reply as one ``chat.completion``; 502 problem when the provider failed."""
        async for name, _ in self._engine.follow(started.message_id):
            if name in ("done", "error"):
                break
        reply = await self._messages.reply_as_seen_by(started.message_id, started.reader_id)
        if reply is not None and reply.status == GenerationStatus.ERROR:
            raise ProblemError(
                502,
                reply.error or "The model provider failed.",
                code="provider-error",
                title="Bad Gateway",
            )
        return ChatCompletion(
            id=started.completion_id,
            created=started.created,
            model=encoding.served_model(reply, started.requested_model),
            choices=[
                Choice(
                    message=CompletionMessage(content=reply.content if reply else ""),
                    finish_reason=encoding.finish_reason(reply),
                )
            ],
            usage=encoding.usage_of(reply),
            muninn={
                "conversation_id": started.conversation_id,
                "message_id": started.message_id,
                "memory_status": reply.metadata.memory_status if reply else None,
                "sources": [source.ref_id for source in reply.sources] if reply else [],
            },
        )
