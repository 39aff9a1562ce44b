"""FastAPI dependency: the conversation service's container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from muninn_conversation.completions.service import CompletionService
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.generation.engine import GenerationEngine
from muninn_conversation.messages.service import MessageService
from muninn_conversation.messages.store import MessageStore
from muninn_conversation.providers.registry import ProviderRegistry
from muninn_conversation.usage.service import UsageService


@dataclass(frozen=True)
class ConversationServices:
    conversations: ConversationService
    messages: MessageService
    message_store: MessageStore
    engine: GenerationEngine
    registry: ProviderRegistry
    usage: UsageService
    completions: CompletionService


async def get_services(request: Request) -> ConversationServices:
    services: ConversationServices = request.app.state.services
    return services


Services = Annotated[ConversationServices, Depends(get_services)]
