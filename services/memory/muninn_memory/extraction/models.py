"""What extractors read (messages) and produce (facts), whichever extractor it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from muninn_memory.memories.models import MemoryType, Role, Sentiment

FactCategory = Literal[
    "personal_info", "preference", "relationship", "plan", "goal", "experience", "task", "statement"
]

CATEGORY_TYPES: dict[str, MemoryType] = {
    "personal_info": MemoryType.PERSONAL_INFO,
    "preference": MemoryType.PREFERENCE_LEARNED,
    "relationship": MemoryType.RELATIONSHIP_INFO,
    "plan": MemoryType.GOAL_SETTING,
    "goal": MemoryType.GOAL_SETTING,
    "experience": MemoryType.EXPERIENCE_REVIEW,
    "task": MemoryType.TASK_COMPLETION,
    "statement": MemoryType.PERSONAL_INFO,
}


@dataclass(frozen=True)
class SourceMessage:
    content: str
    created_at: datetime
    role: Role = "user"
    message_id: str | None = None
    conversation_id: str | None = None
    speaker: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # The end of the reply this message follows, when it came without it (a chat message from
    # the conversation service): where the question it answers is looked for.
    replying_to: str | None = None

    @property
    def subject(self) -> str:
        """Who 'I' is in this message: the named speaker, else the user."""
        return self.speaker or "User"


@dataclass(frozen=True)
class ExtractedFact:
    content: str
    category: FactCategory
    sentence: str
    message_index: int = 0
    slot: str | None = None
    negated: bool = False
    """Takes a statement back ("I no longer work at Acme"); reconciliation deletes what it matches."""
    retract_only: bool = False
    """A request to forget ("forget that I like sushi"): nothing to store if nothing matches."""
    correction: bool = False
    event_at: datetime | None = None
    stated_at: datetime | None = None
    """When the source message was written (its historical time, not ingestion time)."""
    importance: int = 5
    sentiment: Sentiment = "neutral"
    confidence: float = 0.8
    context: str | None = None

    @property
    def type(self) -> MemoryType:
        return CATEGORY_TYPES[self.category]


@dataclass
class Extraction:
    facts: list[ExtractedFact]
    extractor: str
    notes: list[str] = field(default_factory=list)
    """Why a message yielded no fact (a question, small talk, …): never silently nothing."""
    over_budget: list[int] = field(default_factory=list)
    """Indexes of the messages whose extraction ran past its time budget (stored unread)."""


class Extractor(Protocol):
    @property
    def name(self) -> str: ...

    async def extract(self, messages: list[SourceMessage]) -> Extraction: ...
