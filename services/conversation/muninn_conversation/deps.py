"""The conversation service's dependency container, built once by main.py.

Every router reaches its feature's service the same way: a ``services: Services`` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from muninn_shared.http.services import services_of

from muninn_conversation.advisors.memory import AdvisorMemoryService
from muninn_conversation.advisors.service import AdvisorService
from muninn_conversation.advisors.summaries import ThreadSummaryService
from muninn_conversation.bookmarks.service import BookmarkService
from muninn_conversation.completions.service import CompletionService
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.generation.engine import GenerationEngine
from muninn_conversation.messages.service import MessageService
from muninn_conversation.notes.service import NoteService
from muninn_conversation.projects.service import ProjectService
from muninn_conversation.providers.registry import ProviderRegistry
from muninn_conversation.snippets.service import SnippetService
from muninn_conversation.tags.service import TagService
from muninn_conversation.typing_indicators.service import TypingService
from muninn_conversation.usage.service import UsageService


@dataclass(frozen=True)
class ConversationServices:
    conversations: ConversationService
    messages: MessageService
    engine: GenerationEngine
    registry: ProviderRegistry
    usage: UsageService
    completions: CompletionService
    typing: TypingService
    projects: ProjectService
    notes: NoteService
    tags: TagService
    bookmarks: BookmarkService
    snippets: SnippetService
    advisors: AdvisorService
    advisor_memory: AdvisorMemoryService
    summaries: ThreadSummaryService


Services = Annotated[ConversationServices, Depends(services_of(ConversationServices))]
