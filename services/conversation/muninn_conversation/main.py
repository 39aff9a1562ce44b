"""Composition root of the conversation service: settings, runtime (stores, broker, outbox), features."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Depends, FastAPI
from muninn_shared.http.app import create_service_app
from muninn_shared.http.erased_users import refuse_writes_of_erased_users
from muninn_shared.privacy import install_erasure_consumer, privacy_router
from muninn_shared.runtime import ServiceRuntime

from muninn_conversation.advisors.service import TurnAdvisor
from muninn_conversation.advisors.wiring import advisor_eraser, persona_for_turn
from muninn_conversation.advisors.wiring import install as install_advisors
from muninn_conversation.completions.router import router as completions_router
from muninn_conversation.completions.service import CompletionService
from muninn_conversation.conversations.erasure import owned_conversation_eraser
from muninn_conversation.conversations.router import router as conversations_router
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.conversations.store import ConversationStore
from muninn_conversation.deps import ConversationServices
from muninn_conversation.generation.engine import GenerationEngine
from muninn_conversation.messages.router import router as messages_router
from muninn_conversation.messages.service import MessageService
from muninn_conversation.messages.store import MessageStore, SourceStore
from muninn_conversation.proactive.handlers import register_handlers as register_proactive_handlers
from muninn_conversation.profiles.client import ProfileClient
from muninn_conversation.providers.config import ProvidersSettings
from muninn_conversation.providers.registry import ProviderRegistry
from muninn_conversation.recall.client import MemoryRecallClient
from muninn_conversation.settings import ConversationSettings
from muninn_conversation.typing_indicators.router import router as typing_router
from muninn_conversation.typing_indicators.service import TypingService
from muninn_conversation.typing_indicators.store import TypingStore
from muninn_conversation.usage.router import router as usage_router
from muninn_conversation.usage.service import UsageService
from muninn_conversation.usage.store import UsageStore
from muninn_conversation.workspace_wiring import install as install_workspace


def create_app(
    settings: ConversationSettings | None = None, providers: ProvidersSettings | None = None
) -> FastAPI:
    settings = settings or ConversationSettings()
    runtime = ServiceRuntime(settings)
    db = runtime.db

    conversation_store = ConversationStore(db)
    message_store = MessageStore(db)
    source_store = SourceStore(db)
    http = httpx.AsyncClient(timeout=httpx.Timeout(settings.upstream_timeout_seconds, connect=2.0))
    registry = ProviderRegistry(providers or ProvidersSettings())
    engine = GenerationEngine(
        messages=message_store,
        sources=source_store,
        registry=registry,
        recall=MemoryRecallClient(
            http,
            settings.service_url("memory"),
            timeout=settings.memory_recall_timeout_seconds,
            limit=settings.memory_recall_limit,
        ),
        profiles=ProfileClient(http, settings.service_url("identity")),
        instance_id=settings.instance_id,
        lease_seconds=settings.generation_lease_seconds,
        save_interval=settings.generation_save_interval_seconds,
        sweep_interval=settings.generation_sweep_interval_seconds,
    )
    conversations = ConversationService(runtime.mongo, conversation_store, runtime.outbox)
    usage_store = UsageStore(db)
    usage = UsageService(
        usage_store,
        messages_per_day=settings.usage_messages_per_day,
        spend_per_month_usd=settings.usage_spend_per_month_usd,
    )
    messages = MessageService(
        client=runtime.mongo,
        messages=message_store,
        sources=source_store,
        conversations=conversation_store,
        access=conversations,
        engine=engine,
        outbox=runtime.outbox,
        usage=usage,
    )
    services = ConversationServices(
        conversations=conversations,
        messages=messages,
        message_store=message_store,
        engine=engine,
        registry=registry,
        usage=usage,
        completions=CompletionService(
            registry=registry, conversations=conversations, messages=messages
        ),
    )
    typing_store = TypingStore(db)
    typing = TypingService(
        typing_store, conversations, ttl_seconds=settings.typing_indicator_ttl_seconds
    )
    register_proactive_handlers(runtime.consumers, messages)
    install_erasure_consumer(runtime, [owned_conversation_eraser(db), advisor_eraser(db)])

    async def start_features() -> None:
        await conversation_store.ensure_indexes()
        await message_store.ensure_indexes()
        await message_store.drop_inline_sources()
        await source_store.ensure_indexes()
        await usage_store.ensure_indexes()
        await typing_store.ensure_indexes()
        engine.start()

    async def stop_features() -> None:
        await engine.shutdown()
        await registry.aclose()
        await http.aclose()

    runtime.on_startup(start_features)
    runtime.on_shutdown(stop_features)

    app = create_service_app(
        service=settings.service_name,
        title="Muninn conversation",
        description="Conversations, messages and streaming generation, advisors, workspace content, usage.",
        routers=[
            conversations_router,
            messages_router,
            typing_router,
            usage_router,
            completions_router,
            privacy_router(runtime),
        ],
        lifespan=runtime.lifespan(),
        dependencies=[Depends(refuse_writes_of_erased_users(runtime.tombstones))],
        readiness_checks=runtime.readiness_checks,
        tracer_provider=runtime.tracer_provider,
    )
    app.state.runtime = runtime
    app.state.token_verifier = runtime.token_verifier
    app.state.services = services
    app.state.typing = typing
    workspace = install_workspace(app, runtime, conversations=conversations)
    messages.use_project_instructions(workspace.projects.instructions)
    advisors = install_advisors(app, runtime, conversations)

    async def route_turn(
        conversation: dict[str, Any], user_id: str, content: str, explicit: str | None
    ) -> TurnAdvisor | None:
        return await persona_for_turn(advisors.advisors, conversation, user_id, content, explicit)

    messages.use_turn_router(route_turn)
    return app
