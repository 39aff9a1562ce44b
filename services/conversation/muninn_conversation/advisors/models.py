"""Advisors: personas, the marketplace, a user's advisory board, team templates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from muninn_shared.pagination import CursorPage
from muninn_shared.patches import refuse_null, require_change
from muninn_shared.strict import Strict
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

SLUG = r"^[a-z0-9][a-z0-9-]{0,39}$"
HANDLE = r"^[a-z0-9][a-z0-9_-]{1,39}$"
MEMORY_KEY = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
PERSONA_SCHEMA_VERSION = "1"


def _clean_list(values: list[str]) -> list[str]:
    """Trim, drop blanks and case-insensitive duplicates, keep order."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in (v.strip() for v in values):
        if value and value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


def _clean_tags(values: list[str]) -> list[str]:
    return _clean_list([v.lower() for v in values])


Phrases = Annotated[list[Annotated[str, Field(max_length=400)]], AfterValidator(_clean_list)]
Tags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=40)]], AfterValidator(_clean_tags)
]


# -- the persona object -------------------------------------------------------------------------


class Education(Strict):
    degree_level: str | None = Field(default=None, max_length=80)
    degree_name: str | None = Field(default=None, max_length=120)
    major: str | None = Field(default=None, max_length=120)
    institution: str | None = Field(default=None, max_length=160)
    graduation_year: int | None = Field(default=None, ge=1900, le=2100)


class Location(Strict):
    city: str | None = Field(default=None, max_length=120)
    region: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=120)
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    timezone: str | None = Field(default=None, max_length=64)


class AdviceDelivery(Strict):
    """How the advisor gives advice: the voice the model is asked to keep."""

    mode: str | None = Field(
        default=None, max_length=120, description="e.g. 'coaching questions first, then a plan'"
    )
    formality: str | None = Field(
        default=None, max_length=40, description="casual, neutral or formal"
    )
    use_emojis: bool = False
    voice_guidelines: Phrases = Field(default_factory=list, max_length=20)
    sign_off: str | None = Field(default=None, max_length=200)


class Persona(Strict):
    """Who the advisor is. ``name`` and ``title`` are required; everything else enriches the prompt."""

    name: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=120)
    image: str | None = Field(default=None, max_length=1024)
    description: str | None = Field(default=None, max_length=2000)
    one_liner: str | None = Field(default=None, max_length=200)
    archetype: str | None = Field(default=None, max_length=80)
    temperament: str | None = Field(default=None, max_length=80)
    bio: str | None = Field(default=None, max_length=4000)
    detailed_background: str | None = Field(default=None, max_length=8000)
    experience: str | None = Field(default=None, max_length=2000)
    specialties: Phrases = Field(default_factory=list, max_length=30)
    personal_interests: Phrases = Field(default_factory=list, max_length=30)
    communication_style: str | None = Field(default=None, max_length=1000)
    personality: Phrases = Field(default_factory=list, max_length=30)
    expertise: Phrases = Field(default_factory=list, max_length=30)
    core_beliefs_or_principles: Phrases = Field(default_factory=list, max_length=30)
    education: Education | None = None
    location: Location | None = None
    advice_delivery: AdviceDelivery | None = None
    marital_status: str | None = Field(default=None, max_length=40)

    @field_validator("name", "title")
    @classmethod
    def _stripped(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class RoleDefinition(Strict):
    """What the advisor is for and where it stops (e.g. 'not a substitute for a doctor')."""

    role: str | None = Field(default=None, max_length=500)
    responsibilities: Phrases = Field(default_factory=list, max_length=20)
    boundaries: Phrases = Field(default_factory=list, max_length=20)


class Localization(Strict):
    default_language: str | None = Field(
        default=None, max_length=16, description="BCP 47 tag, e.g. en or pt-BR"
    )
    supported_languages: list[Annotated[str, Field(max_length=16)]] = Field(
        default_factory=list, max_length=20
    )


class AdvisorStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"


class AdvisorCreate(Strict):
    persona: Persona
    handle: str | None = Field(
        default=None,
        pattern=HANDLE,
        description="For @mentions; derived from the name when absent.",
    )
    role_definition: RoleDefinition | None = None
    category: str | None = Field(default=None, pattern=SLUG)
    tags: Tags = Field(default_factory=list, max_length=20)
    is_public: bool = Field(default=False, description="Publish in the marketplace for every user.")
    localization: Localization | None = None
    model_hint: str | None = Field(
        default=None, max_length=120, description="Preferred model, when the provider offers it."
    )
    image_url: str | None = Field(default=None, max_length=1024)


class AdvisorPatch(Strict):
    """Fields to change; ``persona``, ``role_definition`` and ``localization`` are replaced whole."""

    persona: Persona | None = None
    handle: str | None = Field(default=None, pattern=HANDLE)
    role_definition: RoleDefinition | None = None
    category: str | None = Field(default=None, pattern=SLUG)
    tags: Tags | None = Field(default=None, max_length=20)
    is_public: bool | None = None
    status: AdvisorStatus | None = None
    localization: Localization | None = None
    model_hint: str | None = Field(default=None, max_length=120)
    image_url: str | None = Field(default=None, max_length=1024)

    @model_validator(mode="after")
    def _not_empty(self) -> AdvisorPatch:
        require_change(self)
        refuse_null(self, "persona", "handle", "is_public", "status", "tags")
        return self


class Advisor(BaseModel):
    id: str
    handle: str
    persona: Persona
    role_definition: RoleDefinition | None = None
    category: str | None = None
    tags: list[str] = Field(default_factory=list)
    is_public: bool
    featured: bool = False
    status: AdvisorStatus
    built_in: bool = Field(description="Part of Muninn's catalogue; nobody can change it.")
    is_mine: bool = False
    on_board: bool = False
    localization: Localization | None = None
    model_hint: str | None = None
    image_url: str | None = None
    schema_version: str = PERSONA_SCHEMA_VERSION
    created_at: datetime
    updated_at: datetime


class AdvisorPage(CursorPage[Advisor]):
    pass


# -- the advisory board -------------------------------------------------------------------------


class BoardSource(StrEnum):
    MANUAL = "manual"
    TEMPLATE = "template"
    RECOMMENDATION = "recommendation"


class BoardSelect(Strict):
    source: BoardSource = BoardSource.MANUAL
    team_id: str | None = Field(
        default=None, max_length=64, description="The team template it came from."
    )

    @model_validator(mode="after")
    def _team_only_for_templates(self) -> BoardSelect:
        if self.team_id is not None and self.source != BoardSource.TEMPLATE:
            raise ValueError("team_id is only given with source 'template'")
        return self


class BoardEntry(BaseModel):
    advisor: Advisor
    source: BoardSource
    team_id: str | None = None
    selected_at: datetime


class Board(BaseModel):
    items: list[BoardEntry]


class TeamTemplate(BaseModel):
    id: str
    name: str
    description: str
    category: str
    advisor_ids: list[str]
    advisors: list[Advisor] = Field(default_factory=list)
    icon: str | None = None
    featured: bool = False
    sort_order: int = 0
    created_at: datetime
    updated_at: datetime


class TemplateApplied(BaseModel):
    template_id: str
    added: list[str] = Field(description="Advisors newly put on the board.")
    already_on_board: list[str]
    board: Board


# -- advisors in a conversation -----------------------------------------------------------------


class ConversationAdvisors(BaseModel):
    conversation_id: str
    items: list[Advisor]


class MemoryValue(Strict):
    value: JsonValue = Field(description="Any JSON value; at most 8 KiB encoded.")


class MemoryEntry(BaseModel):
    key: str
    value: JsonValue
    updated_by: str | None = None
    created_at: datetime
    updated_at: datetime


class AdvisorMemory(BaseModel):
    conversation_id: str
    advisor_id: str
    items: list[MemoryEntry]


# -- thread summaries ---------------------------------------------------------------------------


class SummaryMethod(StrEnum):
    EXTRACTIVE = "extractive"
    PROVIDED = "provided"


class SummaryCreate(Strict):
    content: str | None = Field(
        default=None,
        min_length=1,
        max_length=20000,
        description="Your own summary; without it one is extracted from the messages.",
    )
    up_to_message_id: str | None = Field(
        default=None,
        max_length=64,
        description="Last message covered; default: the active branch's last one.",
    )


class ThreadSummary(BaseModel):
    id: str
    conversation_id: str
    content: str
    method: SummaryMethod
    start_message_id: str | None = None
    end_message_id: str | None = None
    message_count: int
    created_by: str | None = None
    created_at: datetime


class ThreadSummaries(BaseModel):
    conversation_id: str
    items: list[ThreadSummary]
