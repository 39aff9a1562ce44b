"""Wiring of the workspace features (projects, notes, tags, bookmarks, snippets) into the app.

Called from the composition root: ``install(app, runtime, conversations=...)`` builds the
stores and services, creates their indexes at startup and mounts their routers.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from muninn_shared.runtime import ServiceRuntime

from muninn_conversation.bookmarks.router import router as bookmarks_router
from muninn_conversation.bookmarks.service import BookmarkService
from muninn_conversation.bookmarks.store import BookmarkStore
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.conversations.store import ConversationStore
from muninn_conversation.messages.store import MessageStore
from muninn_conversation.notes.router import router as notes_router
from muninn_conversation.notes.service import NoteService
from muninn_conversation.notes.store import NoteStore
from muninn_conversation.projects.router import router as projects_router
from muninn_conversation.projects.service import ProjectService
from muninn_conversation.projects.store import ProjectStore
from muninn_conversation.snippets.router import router as snippets_router
from muninn_conversation.snippets.service import SnippetService
from muninn_conversation.snippets.store import SnippetStore
from muninn_conversation.tags.router import router as tags_router
from muninn_conversation.tags.service import TagService
from muninn_conversation.tags.store import TagStore


@dataclass(frozen=True)
class WorkspaceServices:
    projects: ProjectService
    notes: NoteService
    tags: TagService
    bookmarks: BookmarkService
    snippets: SnippetService


def install(
    app: FastAPI, runtime: ServiceRuntime, *, conversations: ConversationService | None = None
) -> WorkspaceServices:
    """Build the workspace features over ``runtime.db`` and mount them on ``app``.

    ``conversations`` is the app's conversation service (for access checks); without it an
    equivalent one is built over the same database.
    """
    db = runtime.db
    conversation_store = ConversationStore(db)
    conversations = conversations or ConversationService(
        runtime.mongo, conversation_store, runtime.outbox
    )
    message_store = MessageStore(db)
    project_store = ProjectStore(db)
    note_store = NoteStore(db)
    tag_store = TagStore(db)
    bookmark_store = BookmarkStore(db)
    snippet_store = SnippetStore(db)

    notes = NoteService(note_store, project_store, tag_store, conversations, message_store)
    snippets = SnippetService(snippet_store, tag_store, conversations, message_store)
    services = WorkspaceServices(
        projects=ProjectService(runtime.mongo, project_store, note_store, conversations),
        notes=notes,
        tags=TagService(
            runtime.mongo, tag_store, notes, note_store, snippets, snippet_store, conversations
        ),
        bookmarks=BookmarkService(bookmark_store, conversations, conversation_store, message_store),
        snippets=snippets,
    )

    async def ensure_indexes() -> None:
        for store in (project_store, note_store, tag_store, bookmark_store, snippet_store):
            await store.ensure_indexes()

    runtime.on_startup(ensure_indexes)
    for router in (projects_router, notes_router, tags_router, bookmarks_router, snippets_router):
        app.include_router(router)
    app.state.workspace = services
    return services
