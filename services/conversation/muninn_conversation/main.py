"""Composition root of the conversation service: every store, service and router is built here."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from muninn_shared.background import BackgroundTasks
from muninn_shared.model_calls import ModelCallRecorder
from muninn_shared.privacy import install_erasure_consumer
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.service import build_service_app
from muninn_shared.storage.routed import across_stores

from muninn_conversation.advisors.erasure import advisor_eraser
from muninn_conversation.advisors.memory import AdvisorMemoryService
from muninn_conversation.advisors.router import routers as advisor_routers
from muninn_conversation.advisors.service import AdvisorService
from muninn_conversation.advisors.store import (
    ADVISOR_MEMORIES,
    THREAD_SUMMARIES,
    AdvisorStore,
    MemoryStore,
    SummaryStore,
)
from muninn_conversation.advisors.summaries import ThreadSummaryService
from muninn_conversation.bookmarks.router import router as bookmarks_router
from muninn_conversation.bookmarks.service import BookmarkService
from muninn_conversation.bookmarks.store import BOOKMARKS, BookmarkStore
from muninn_conversation.completions.router import router as completions_router
from muninn_conversation.completions.service import CompletionService
from muninn_conversation.conversations.erasure import owned_conversation_eraser
from muninn_conversation.conversations.router import router as conversations_router
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.conversations.store import ConversationStore
from muninn_conversation.deps import ConversationServices
from muninn_conversation.generation.engine import GenerationEngine
from muninn_conversation.messages.erasure import MessageEraser
from muninn_conversation.messages.reading import MessageReader
from muninn_conversation.messages.replies import Replies
from muninn_conversation.messages.router import router as messages_router
from muninn_conversation.messages.service import MessageService
from muninn_conversation.messages.store import MESSAGES, SOURCES, MessageStore, SourceStore
from muninn_conversation.notes.project_notes import ProjectNotes
from muninn_conversation.notes.router import router as notes_router
from muninn_conversation.notes.service import NoteService
from muninn_conversation.notes.store import NoteStore
from muninn_conversation.proactive.handlers import register_handlers as register_proactive_handlers
from muninn_conversation.profiles.client import ProfileClient
from muninn_conversation.projects.router import router as projects_router
from muninn_conversation.projects.service import ProjectService
from muninn_conversation.projects.store import ProjectStore
from muninn_conversation.providers.config import ProvidersSettings
from muninn_conversation.providers.registry import ProviderRegistry
from muninn_conversation.recall.client import MemoryRecallClient
from muninn_conversation.settings import ConversationSettings
from muninn_conversation.snippets.router import router as snippets_router
from muninn_conversation.snippets.service import SnippetService
from muninn_conversation.snippets.store import SnippetStore
from muninn_conversation.tags.router import router as tags_router
from muninn_conversation.tags.service import TagService
from muninn_conversation.tags.store import TagStore
from muninn_conversation.tags.tagging import TagVocabulary
from muninn_conversation.typing_indicators.router import router as typing_router
from muninn_conversation.typing_indicators.service import TypingService
from muninn_conversation.typing_indicators.store import TYPING_INDICATORS, TypingStore
from muninn_conversation.usage.handlers import register_handlers as register_usage_handlers
from muninn_conversation.usage.router import router as usage_router
from muninn_conversation.usage.service import UsageService
from muninn_conversation.usage.store import CallStore, UsageStore


def create_app(
    settings: ConversationSettings | None = None, providers: ProvidersSettings | None = None
) -> FastAPI:
    settings = settings or ConversationSettings()
    runtime = ServiceRuntime(settings)
    db = runtime.db

    conversation_store = ConversationStore(db)
    message_store = MessageStore(db)
    source_store = SourceStore(db)
    message_reader = MessageReader(message_store)
    http = httpx.AsyncClient(timeout=httpx.Timeout(settings.upstream_timeout_seconds, connect=2.0))
    registry = ProviderRegistry(providers or ProvidersSettings())
    usage_store, call_store = UsageStore(db), CallStore(db)
    usage = UsageService(
        usage_store,
        messages_per_day=settings.usage_messages_per_day,
        spend_per_month_usd=settings.usage_spend_per_month_usd,
        calls=call_store,
        price=registry.call_cost,
    )
    engine = GenerationEngine(
        replies=Replies(message_store, source_store),
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
        # Each reply is a model call of the user who asked, kept beside the other services'.
        calls=ModelCallRecorder(settings.service_name, usage.record_call),
    )
    # Deleting a conversation takes every document that belongs to it along.
    conversations = ConversationService(
        runtime.mongo,
        conversation_store,
        runtime.outbox,
        cascade=[
            MESSAGES,
            SOURCES,
            BOOKMARKS,
            TYPING_INDICATORS,
            ADVISOR_MEMORIES,
            THREAD_SUMMARIES,
        ],
        routes=runtime.routes,
    )
    project_store, note_store, tag_store = ProjectStore(db), NoteStore(db), TagStore(db)
    projects = ProjectService(
        runtime.mongo, project_store, ProjectNotes(note_store), conversations, message_reader
    )
    vocabulary = TagVocabulary(tag_store)
    notes = NoteService(
        note_store, vocabulary, conversations, message_reader, project_exists=projects.exists
    )
    snippet_store = SnippetStore(db)
    snippets = SnippetService(snippet_store, vocabulary, conversations, message_reader)
    advisor_store, advisor_memory_store = AdvisorStore(db), MemoryStore(db)
    advisors = AdvisorService(runtime.mongo, advisor_store, advisor_memory_store, conversations)
    bookmark_store = BookmarkStore(db)
    typing_store = TypingStore(db)
    summary_store = SummaryStore(db)
    messages = MessageService(
        client=runtime.mongo,
        messages=message_store,
        sources=source_store,
        conversations=conversations,
        engine=engine,
        outbox=runtime.outbox,
        usage=usage,
        route_turn=advisors.for_turn,
        project_instructions=projects.instructions,
    )
    services = ConversationServices(
        conversations=conversations,
        messages=messages,
        engine=engine,
        registry=registry,
        usage=usage,
        completions=CompletionService(
            registry=registry, conversations=conversations, messages=messages, engine=engine
        ),
        typing=TypingService(
            typing_store,
            conversations,
            message_reader,
            ttl_seconds=settings.typing_indicator_ttl_seconds,
        ),
        projects=projects,
        notes=notes,
        tags=TagService(runtime.mongo, tag_store, notes, snippets, conversations),
        bookmarks=BookmarkService(bookmark_store, conversations, message_reader),
        snippets=snippets,
        advisors=advisors,
        advisor_memory=AdvisorMemoryService(advisor_memory_store, advisor_store, conversations),
        summaries=ThreadSummaryService(summary_store, message_reader, advisor_store, conversations),
    )
    register_proactive_handlers(runtime.consumers, messages)
    register_usage_handlers(runtime.consumers, usage)
    install_erasure_consumer(
        runtime,
        [
            owned_conversation_eraser(db, MessageEraser(message_store, source_store)),
            advisor_eraser(db),
        ],
    )
    stores = (
        conversation_store,
        message_store,
        source_store,
        usage_store,
        call_store,
        typing_store,
        project_store,
        note_store,
        tag_store,
        bookmark_store,
        snippet_store,
        advisor_store,
        advisor_memory_store,
        summary_store,
    )

    async def start_features() -> None:
        for store in stores:
            await store.ensure_indexes()
        await message_store.drop_inline_sources()
        await advisors.seed_catalogue()

    async def stop_features() -> None:
        await engine.shutdown()
        await registry.aclose()
        await http.aclose()

    # Runtime hooks, not the app's: features start before the consumers and stop after them.
    runtime.on_startup(start_features)
    runtime.on_shutdown(stop_features)
    background = BackgroundTasks(settings.service_name)
    # Turns replies whose process died mid-generation into visible errors.
    background.every(
        "generation-sweeper",
        settings.generation_sweep_interval_seconds,
        lambda: across_stores(runtime.routes, engine.sweep),
    )
    return build_service_app(
        runtime,
        title="Muninn conversation",
        description="Conversations, messages and streaming generation, advisors, workspace content, usage.",
        routers=[
            conversations_router,
            messages_router,
            typing_router,
            usage_router,
            completions_router,
            projects_router,
            notes_router,
            tags_router,
            bookmarks_router,
            snippets_router,
            *advisor_routers,
        ],
        background=background,
        state={"services": services},
    )
