"""Chat Completions on top of Muninn conversations.

A call is stateless for the client (it sends the history) but not for Muninn: its last
user turn and the reply are stored in a conversation — chosen by the ``X-Muninn-Conversation-Id``
header or ``metadata.conversation_id``, else one conversation per API ``user`` — so memory
extraction, reminders and usage work exactly as for the native API. Memory recall is applied
to the prompt transparently.
"""

from __future__ import annotations

import time
from typing import Any

from muninn_shared.auth import Principal
from muninn_shared.problems import ProblemError

from muninn_conversation.completions.models import ChatCompletionRequest, ModelCard, ModelList
from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.service import MessageService, Started
from muninn_conversation.providers.models import ChatMessage
from muninn_conversation.providers.registry import ProviderRegistry

DEFAULT_MODEL = "muninn"
_ROLE_MAP = {"developer": "system", "function": "tool"}


class CompletionService:
    def __init__(
        self,
        *,
        registry: ProviderRegistry,
        conversations: ConversationService,
        messages: MessageService,
    ) -> None:
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
    ) -> tuple[Started, dict[str, Any]]:
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
        return started, conversation
