"""What a briefing is made from (facts), what it becomes (a composition), and what the API
answers (seed 003: ai_memories — summary, insight, briefing, talking_point)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from muninn_shared.pagination import CursorPage
from pydantic import BaseModel, Field

MAX_TITLE = 200
MAX_CONTENT = 2_000
MAX_POINT = 200


class MemoryKind(StrEnum):
    SUMMARY = "summary"
    INSIGHT = "insight"
    BRIEFING = "briefing"
    TALKING_POINT = "talking_point"


@dataclass(frozen=True)
class InteractionFacts:
    """One interaction with the contact, as a briefing reads it."""

    id: str
    kind: str  # email|meeting|call|message|manual
    direction: str  # inbound|outbound|mutual
    occurred_at: datetime
    subject: str | None = None
    summary: str | None = None
    sentiment: float | None = None
    thread_id: str | None = None


@dataclass(frozen=True)
class InterestFacts:
    category: str
    topic: str
    confidence: float


@dataclass(frozen=True)
class JobChange:
    company: str | None
    title: str | None
    previous_company: str | None = None
    previous_title: str | None = None
    effective_on: str | None = None


@dataclass(frozen=True)
class ContactFacts:
    """Who the contact is and how the user knows them."""

    id: str
    name: str
    title: str | None = None
    company: str | None = None
    relationship_strength: float | None = None
    interaction_frequency: str | None = None
    last_interaction_at: datetime | None = None
    going_cold: bool = False
    job_change: JobChange | None = None
    archived: bool = False


@dataclass(frozen=True)
class EventFacts:
    record_id: str
    title: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class BriefingFacts:
    contact: ContactFacts
    recent: list[InteractionFacts] = field(default_factory=list)
    open_threads: list[InteractionFacts] = field(default_factory=list)
    interests: list[InterestFacts] = field(default_factory=list)
    event: EventFacts | None = None


@dataclass(frozen=True)
class TalkingPoint:
    text: str
    source_interactions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Composition:
    """A written briefing: ``writer`` says whether the offline assembly or an LLM wrote it."""

    title: str
    content: str
    talking_points: tuple[TalkingPoint, ...]
    source_interactions: tuple[str, ...]
    confidence: float
    writer: str


# --- HTTP ---------------------------------------------------------------------------------


class InteractionFactOut(BaseModel):
    id: str
    kind: str
    direction: str
    occurred_at: datetime
    subject: str | None = None


class InterestFactOut(BaseModel):
    category: str
    topic: str
    confidence: float


class BriefingFactsOut(BaseModel):
    """The facts a briefing was written from."""

    contact_id: str
    name: str
    title: str | None = None
    company: str | None = None
    relationship_strength: float | None = None
    interaction_frequency: str | None = None
    going_cold: bool = False
    recent_interactions: list[InteractionFactOut]
    open_threads: list[InteractionFactOut]
    interests: list[InterestFactOut]


class BriefingOut(BaseModel):
    contact_id: str
    event_record_id: str | None = None
    event_title: str | None = None
    event_start: datetime | None = None
    title: str
    content: str
    talking_points: list[str]
    confidence: float
    source_interactions: list[str]
    writer: str = Field(description="'offline' (facts assembled) or 'llm:<model>'")
    facts: BriefingFactsOut


class ContactMemoryOut(BaseModel):
    id: str
    contact_id: str
    kind: MemoryKind
    title: str
    content: str
    confidence: float
    source_interactions: list[str]
    expires_at: datetime | None = None
    event_record_id: str | None = None
    event_title: str | None = None
    event_start: datetime | None = None
    deliver_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class ContactMemoryPage(CursorPage[ContactMemoryOut]):
    pass


def _interaction_out(item: InteractionFacts) -> InteractionFactOut:
    return InteractionFactOut(
        id=item.id,
        kind=item.kind,
        direction=item.direction,
        occurred_at=item.occurred_at,
        subject=item.subject,
    )


def briefing_out(facts: BriefingFacts, composed: Composition) -> BriefingOut:
    contact, event = facts.contact, facts.event
    return BriefingOut(
        contact_id=contact.id,
        event_record_id=event.record_id if event else None,
        event_title=event.title if event else None,
        event_start=event.start if event else None,
        title=composed.title,
        content=composed.content,
        talking_points=[p.text for p in composed.talking_points],
        confidence=composed.confidence,
        source_interactions=list(composed.source_interactions),
        writer=composed.writer,
        facts=BriefingFactsOut(
            contact_id=contact.id,
            name=contact.name,
            title=contact.title,
            company=contact.company,
            relationship_strength=contact.relationship_strength,
            interaction_frequency=contact.interaction_frequency,
            going_cold=contact.going_cold,
            recent_interactions=[_interaction_out(i) for i in facts.recent],
            open_threads=[_interaction_out(i) for i in facts.open_threads],
            interests=[
                InterestFactOut(category=i.category, topic=i.topic, confidence=i.confidence)
                for i in facts.interests
            ],
        ),
    )
