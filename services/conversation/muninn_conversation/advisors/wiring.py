"""How the composition root plugs advisors into the conversation service.

``main.create_app`` calls :func:`install` once; the message flow calls
:func:`persona_for_turn` before starting a reply; the erasure consumer gets
:func:`advisor_eraser`; deleting a conversation cascades to ``CONVERSATION_CASCADE``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from muninn_shared.privacy import ExtraEraser
from muninn_shared.runtime import ServiceRuntime
from pydantic import JsonValue
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_conversation.advisors.deps import AdvisorServices
from muninn_conversation.advisors.memory import AdvisorMemoryService
from muninn_conversation.advisors.models import MemoryEntry
from muninn_conversation.advisors.router import routers
from muninn_conversation.advisors.service import AdvisorService, TurnAdvisor
from muninn_conversation.advisors.store import (
    ADVISOR_MEMORIES,
    ADVISORS,
    BOARD,
    CONVERSATION_CASCADE,
    AdvisorStore,
    MemoryStore,
    SummaryStore,
)
from muninn_conversation.advisors.summaries import ThreadSummaryService
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.store import MessageStore

__all__ = [
    "CONVERSATION_CASCADE",
    "AdvisorServices",
    "TurnAdvisor",
    "advisor_eraser",
    "install",
    "persona_for_turn",
    "remember",
]


def install(
    app: FastAPI, runtime: ServiceRuntime, conversations: ConversationService | None = None
) -> AdvisorServices:
    """Create the advisor stores and services, seed the catalogue at start-up, mount the routes.

    ``conversations`` defaults to ``app.state.services.conversations``.
    """
    if conversations is None:
        conversations = app.state.services.conversations
    db = runtime.db
    advisor_store = AdvisorStore(db)
    memory_store = MemoryStore(db)
    summary_store = SummaryStore(db)
    advisors = AdvisorService(runtime.mongo, advisor_store, memory_store, conversations)
    services = AdvisorServices(
        advisors=advisors,
        memory=AdvisorMemoryService(memory_store, advisor_store, conversations),
        summaries=ThreadSummaryService(
            summary_store, MessageStore(db), advisor_store, conversations
        ),
    )

    async def start() -> None:
        await advisor_store.ensure_indexes()
        await memory_store.ensure_indexes()
        await summary_store.ensure_indexes()
        await advisors.seed_catalogue()

    runtime.on_startup(start)
    for router in routers:
        app.include_router(router)
    app.state.advisors = services
    return services


async def persona_for_turn(
    advisors: AdvisorService,
    conversation: dict[str, Any],
    user_id: str,
    content: str,
    explicit_advisor_id: str | None,
) -> TurnAdvisor | None:
    """Who answers this message, with the persona text for the system prompt; None: the assistant.

    An explicit ``advisor_id`` wins (404 problem if the user cannot see it, 409 if inactive);
    else the first ``@mention`` of an advisor on the conversation; else the conversation's only
    advisor. The persona includes that advisor's notes in this conversation.
    """
    return await advisors.for_turn(conversation, user_id, content, explicit_advisor_id)


async def remember(
    services: AdvisorServices,
    advisor_id: str,
    conversation_id: str,
    user_id: str,
    key: str,
    value: JsonValue,
) -> MemoryEntry:
    """Store one note of an advisor in a conversation, with the user's access checked."""
    return await services.memory.remember(advisor_id, conversation_id, user_id, key, value)


def advisor_eraser(db: AsyncDatabase[dict[str, Any]]) -> ExtraEraser:
    """Erasing a user also takes their custom advisors off everyone else's boards.

    The generic erasure deletes the user's own documents (advisors, board, notes and summaries
    of conversations they own) by ``user_id``; other users' board entries and notes of the
    erased advisors are not the user's documents, so they are removed here, as deleting the
    advisor would.
    """

    async def erase(user_id: str, session: AsyncClientSession) -> dict[str, int]:
        owned = [
            d["_id"]
            async for d in db[ADVISORS].find({"user_id": user_id}, {"_id": 1}, session=session)
        ]
        if not owned:
            return {}
        boards = await db[BOARD].delete_many({"advisor_id": {"$in": owned}}, session=session)
        notes = await db[ADVISOR_MEMORIES].delete_many(
            {"advisor_id": {"$in": owned}}, session=session
        )
        counts = {
            "board_entries_of_erased_advisors": boards.deleted_count,
            "notes_of_erased_advisors": notes.deleted_count,
        }
        return {name: count for name, count in counts.items() if count}

    return erase
