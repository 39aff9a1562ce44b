"""The API's models, generated from the merged OpenAPI document: do not edit.

Regenerate with ``make sdk`` (tools/generate_sdk.py).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field


class ApiModel(BaseModel):
    """Every model: unknown fields kept, fields settable by name or by wire alias."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())


AdvisorStatus: TypeAlias = Literal["active", "inactive", "archived"]

BoardSource: TypeAlias = Literal["manual", "template", "recommendation"]

ChannelName: TypeAlias = Literal["in_app", "webhook", "email"]

ChannelStatus: TypeAlias = Literal["pending", "retrying", "delivered", "failed", "skipped"]

ConnectionStatus: TypeAlias = Literal["connected", "error", "expired"]

Context: TypeAlias = Literal["work", "personal", "family"]

EventStatus: TypeAlias = Literal["confirmed", "tentative", "cancelled"]

ExperienceStatus: TypeAlias = Literal[
    "scheduled", "in_progress", "completed", "cancelled", "no_show"
]

GenerationStatus: TypeAlias = Literal["pending", "generating", "complete", "error", "stopped"]

JobKind: TypeAlias = Literal["full_sync", "incremental_sync"]

JobStatus: TypeAlias = Literal["pending", "running", "completed", "failed", "cancelled"]

JsonValue: TypeAlias = Any

LinkType: TypeAlias = Literal[
    "colleague",
    "friend",
    "family",
    "partner",
    "client",
    "vendor",
    "mentor",
    "classmate",
    "neighbour",
    "acquaintance",
]

MemberStatus: TypeAlias = Literal["invited", "active"]

MemoryJobStatus: TypeAlias = Literal["queued", "processing", "done", "failed"]

MemoryKind: TypeAlias = Literal["summary", "insight", "briefing", "talking_point"]

MemoryStatus: TypeAlias = Literal["active", "superseded", "deleted"]

MemoryType: TypeAlias = Literal[
    "conversation",
    "task_completion",
    "preference_learned",
    "context_switch",
    "personal_info",
    "experience_review",
    "goal_setting",
    "relationship_info",
    "calendar_event",
    "email",
]

MessageRole: TypeAlias = Literal["user", "assistant", "system"]

MigrationState: TypeAlias = Literal["running", "done", "failed"]

Misfire: TypeAlias = Literal["fire_late", "skip", "collapse"]

MoveDirection: TypeAlias = Literal["to_own", "to_hosted"]

MovePhase: TypeAlias = Literal["copying", "switching", "done", "failed"]

NotificationStatus: TypeAlias = Literal["scheduled", "unread", "read", "dismissed", "acted_upon"]

ParticipantStatus: TypeAlias = Literal["invited", "active"]

PatternSource: TypeAlias = Literal["offline", "llm"]

PatternStatus: TypeAlias = Literal["active", "dismissed"]

Priority: TypeAlias = Literal["low", "normal", "high", "urgent"]

Product: TypeAlias = Literal["calendar", "mail", "contacts"]

ProfilePart: TypeAlias = Literal["interactions", "interests", "relationships", "memories"]

Provider: TypeAlias = Literal["caldav", "carddav", "imap", "ics", "google"]

RecordKind: TypeAlias = Literal[
    "calendar_event", "contact", "email", "interaction", "contact_memory"
]

ReminderStatus: TypeAlias = Literal["active", "fired", "completed"]

ResponseStatus: TypeAlias = Literal["needs-action", "accepted", "declined", "tentative"]

ResponseStyle: TypeAlias = Literal["concise", "detailed", "casual"]

Role: TypeAlias = Literal["owner", "collaborator", "viewer"]

SchedulerRole: TypeAlias = Literal["owner", "collaborator"]

StoreStatus: TypeAlias = Literal[
    "provisioning", "migrating", "copying", "active", "degraded", "disconnecting"
]

SubscriptionTier: TypeAlias = Literal["free", "pro", "enterprise"]

SummaryMethod: TypeAlias = Literal["extractive", "provided"]

SummaryPeriod: TypeAlias = Literal["week", "month"]

SyncFrequency: TypeAlias = Literal["realtime", "hourly", "daily"]

TaskPriority: TypeAlias = Literal["low", "medium", "high", "urgent"]

TaskStatus: TypeAlias = Literal["todo", "in_progress", "completed", "cancelled"]

Theme: TypeAlias = Literal["light", "dark", "system"]

Topology: TypeAlias = Literal["replica_set", "sharded"]

Trend: TypeAlias = Literal["up", "down", "same", "new"]


class AdminUser(ApiModel):
    id: str
    email: str
    name: str | None = None
    status: Literal["active", "erasing"]
    created_at: _dt.datetime
    last_login_at: _dt.datetime | None = None
    last_active_at: _dt.datetime | None = None
    operator: bool


class AdminUserPage(ApiModel):
    items: list[AdminUser]
    next_cursor: str | None = None


class AdviceDelivery(ApiModel):
    """How the advisor gives advice: the voice the model is asked to keep."""

    mode: str | None = None
    formality: str | None = None
    use_emojis: bool = False
    voice_guidelines: list[str] | None = None
    sign_off: str | None = None


class Advisor(ApiModel):
    id: str
    handle: str
    persona: Persona
    role_definition: RoleDefinition | None = None
    category: str | None = None
    tags: list[str] | None = None
    is_public: bool
    featured: bool = False
    status: Literal["active", "inactive", "archived"]
    built_in: bool
    is_mine: bool = False
    on_board: bool = False
    localization: Localization | None = None
    model_hint_: str | None = Field(default=None, alias="model_hint")
    image_url: str | None = None
    schema_version: str = "1"
    created_at: _dt.datetime
    updated_at: _dt.datetime


class AdvisorCreate(ApiModel):
    persona: Persona
    handle: str | None = None
    role_definition: RoleDefinition | None = None
    category: str | None = None
    tags: list[str] | None = None
    is_public: bool = False
    localization: Localization | None = None
    model_hint_: str | None = Field(default=None, alias="model_hint")
    image_url: str | None = None


class AdvisorMemory(ApiModel):
    conversation_id: str
    advisor_id: str
    items: list[MemoryEntry]


class AdvisorPage(ApiModel):
    items: list[Advisor]
    next_cursor: str | None = None


class AdvisorPatch(ApiModel):
    """Fields to change; ``persona``, ``role_definition`` and ``localization`` are replaced whole."""

    persona: Persona | None = None
    handle: str | None = None
    role_definition: RoleDefinition | None = None
    category: str | None = None
    tags: list[str] | None = None
    is_public: bool | None = None
    status: Literal["active", "inactive", "archived"] | None = None
    localization: Localization | None = None
    model_hint_: str | None = Field(default=None, alias="model_hint")
    image_url: str | None = None


class Alarm(ApiModel):
    """A VALARM: ``minutes_before`` the start, or at an absolute time ``at``."""

    action: str = "display"
    minutes_before: int | None = None
    at: _dt.datetime | None = None


class ApiKey(ApiModel):
    id: str
    name: str
    prefix: str
    scopes: list[Literal["read", "write", "admin"]]
    created_at: _dt.datetime
    expires_at: _dt.datetime | None = None
    last_used_at: _dt.datetime | None = None
    revoked_at: _dt.datetime | None = None


class ApiKeyCreate(ApiModel):
    name: str
    scopes: list[Literal["read", "write", "admin"]] | None = None
    expires_in_days: int | None = None


class ApiKeyCreated(ApiModel):
    id: str
    name: str
    prefix: str
    scopes: list[Literal["read", "write", "admin"]]
    created_at: _dt.datetime
    expires_at: _dt.datetime | None = None
    last_used_at: _dt.datetime | None = None
    revoked_at: _dt.datetime | None = None
    key: str


class ApiKeyList(ApiModel):
    items: list[ApiKey]


class Attachment(ApiModel):
    filename: str
    mime_type: str
    size: int
    storage_ref: str | None = None
    id: str


class AttachmentIn(ApiModel):
    filename: str
    mime_type: str
    size: int
    storage_ref: str | None = None


class Attendee(ApiModel):
    email: str | None = None
    name: str | None = None
    response_status: Literal["needs-action", "accepted", "declined", "tentative"] = "needs-action"
    role: str | None = None


class AttendeeWrite(ApiModel):
    email: str
    name: str | None = None


class AuditActor(ApiModel):
    kind: str
    id: str | None = None


class AuditEntry(ApiModel):
    id: str
    action: str
    resource_type: str
    resource_id: str | None = None
    old_values: dict[str, Any] | None = None
    new_values: dict[str, Any] | None = None
    actor: AuditActor | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    api_endpoint: str | None = None
    details: dict[str, Any] | None = None
    created_at: _dt.datetime


class AuditPage(ApiModel):
    items: list[AuditEntry]
    next_cursor: str | None = None


class Board(ApiModel):
    items: list[BoardEntry]


class BoardEntry(ApiModel):
    advisor: Advisor
    source: Literal["manual", "template", "recommendation"]
    team_id: str | None = None
    selected_at: _dt.datetime


class BoardSelect(ApiModel):
    source: Literal["manual", "template", "recommendation"] = "manual"
    team_id: str | None = None


class Bookmark(ApiModel):
    id: str
    conversation_id: str
    message_id: str
    note: str | None = None
    conversation_title: str | None = None
    message: BookmarkedMessage | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class BookmarkCreate(ApiModel):
    conversation_id: str
    message_id: str
    note: str | None = None


class BookmarkPage(ApiModel):
    items: list[Bookmark]
    next_cursor: str | None = None


class BookmarkPatch(ApiModel):
    note: str | None


class BookmarkedMessage(ApiModel):
    """The message as it is now (it may have been edited or deleted since)."""

    role: Literal["user", "assistant", "system"]
    author_id: str | None = None
    preview: str
    is_deleted: bool = False
    created_at: _dt.datetime


class BranchInfo(ApiModel):
    """Where a message sits among its siblings (same parent)."""

    sibling_ids: list[str]
    index: int


class BriefingFactsOut(ApiModel):
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


class BriefingOut(ApiModel):
    contact_id: str
    event_record_id: str | None = None
    event_title: str | None = None
    event_start: _dt.datetime | None = None
    title: str
    content: str
    talking_points: list[str]
    confidence: float
    source_interactions: list[str]
    writer: str
    facts: BriefingFactsOut


class BulkDeleteRequest(ApiModel):
    filters: MemoryFilters | None = None
    status: Literal["active", "superseded", "any"] = "active"
    all: bool = False
    dry_run: bool = False


class BulkDeleteResult(ApiModel):
    matched: int
    deleted: int
    dry_run: bool


class CalendarPerson(ApiModel):
    email: str | None = None
    name: str | None = None


class Category(ApiModel):
    id: str
    name: str
    keywords: list[str]
    your_keywords: list[str] | None = None
    custom: bool = False


class CategoryRules(ApiModel):
    name: str | None = None
    keywords: list[str]


class ChannelSettings(ApiModel):
    in_app: bool = True
    webhook: WebhookSettings | None = None
    webhook_secret: str | None = None
    email: EmailSettings | None = None
    email_confirmed: bool = False
    max_per_hour: int = 10


class ChannelSettingsIn(ApiModel):
    in_app: bool = True
    webhook: WebhookSettings | None = None
    email: EmailSettings | None = None
    max_per_hour: int = 10
    rotate_webhook_secret: bool = False


class ChannelState(ApiModel):
    status: Literal["pending", "retrying", "delivered", "failed", "skipped"] = "pending"
    attempts: int = 0
    last_error: str | None = None
    delivered_at: _dt.datetime | None = None


class ChatCompletion(ApiModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    system_fingerprint: str | None = None
    muninn: dict[str, Any] | None = None


class ChatCompletionRequest(ApiModel):
    model: str
    messages: list[ChatTurn]
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    n: int | None = None
    user: str | None = None
    metadata: dict[str, str] | None = None


class ChatTurn(ApiModel):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None


class Choice(ApiModel):
    index: int = 0
    message: CompletionMessage
    finish_reason: str
    logprobs: None = None


class Cleared(ApiModel):
    cleared: int


class Cluster(ApiModel):
    label: str | None
    size: int
    members: list[GraphPerson]


class ClusterList(ApiModel):
    items: list[Cluster]


class CollectionCheck(ApiModel):
    collection: str
    source: Fingerprint
    target: Fingerprint
    equal: bool


class CompanyContact(ApiModel):
    id: str
    display_name: str | None = None
    company: str | None = None
    relationship_strength: float
    matched_by: Literal["company", "domain"]


class CompanyContacts(ApiModel):
    company: str
    domains: list[str]
    items: list[CompanyContact]


class Completion(ApiModel):
    task: Task
    next: Task | None = None


class CompletionMessage(ApiModel):
    role: Literal["assistant"] = "assistant"
    content: str


class CompletionUsage(ApiModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class Connection(ApiModel):
    id: str
    provider: Literal["caldav", "carddav", "imap", "ics", "google"]
    display_name: str
    server_url: str
    username: str | None = None
    status: Literal["connected", "error", "expired"]
    error_message: str | None = None
    enabled: bool = True
    scopes: list[str] | None = None
    token_expires_at: _dt.datetime | None = None
    sync_frequency: Literal["realtime", "hourly", "daily"]
    collections: list[SourceCollection] | None = None
    last_sync_at: _dt.datetime | None = None
    sync_count: int = 0
    error_count: int = 0
    created_at: _dt.datetime
    updated_at: _dt.datetime


class ConnectionPage(ApiModel):
    items: list[Connection]
    next_cursor: str | None = None


class ConnectionPatch(ApiModel):
    display_name: str | None = None
    sync_frequency: Literal["realtime", "hourly", "daily"] | None = None
    enabled: bool | None = None


class ConnectionPath(ApiModel):
    origin: str
    nodes: list[GraphPerson]
    hops: list[PathHop]
    strength: float


class ContactCreate(ApiModel):
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    emails: list[EmailIn] | None = None
    phones: list[PhoneIn] | None = None
    company: str | None = None
    title: str | None = None
    birthday: str | None = None
    notes: str | None = None
    tags: list[str] | None = None


class ContactInterest(ApiModel):
    id: str
    contact_id: str
    category: str
    topic: str
    confidence: float
    evidence_count: int
    source: Literal["inferred", "user"]
    source_interactions: list[str]
    first_detected_at: _dt.datetime
    last_reinforced_at: _dt.datetime
    created_at: _dt.datetime
    updated_at: _dt.datetime


class ContactLink(ApiModel):
    """Two of the user's contacts who know each other; stored once per pair (a < b)."""

    id: str
    a: str
    b: str
    type: Literal[
        "colleague",
        "friend",
        "family",
        "partner",
        "client",
        "vendor",
        "mentor",
        "classmate",
        "neighbour",
        "acquaintance",
    ]
    type_source: Literal["inferred", "user"]
    strength: float
    shared_interactions: int
    evidence: list[Evidence] | None = None
    mutual_connections: int
    detected_at: _dt.datetime
    updated_at: _dt.datetime


class ContactMemoryOut(ApiModel):
    id: str
    contact_id: str
    kind: Literal["summary", "insight", "briefing", "talking_point"]
    title: str
    content: str
    confidence: float
    source_interactions: list[str]
    expires_at: _dt.datetime | None = None
    event_record_id: str | None = None
    event_title: str | None = None
    event_start: _dt.datetime | None = None
    deliver_at: _dt.datetime | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class ContactMemoryPage(ApiModel):
    items: list[ContactMemoryOut]
    next_cursor: str | None = None


class ContactMerge(ApiModel):
    """Merge ``merge`` into ``into``: one person kept, the others' history moved to it."""

    into: str
    merge: list[str]


class ContactNudgeIn(ApiModel):
    opt_out: bool | None = None
    snooze_days: int | None = None
    snoozed_until: _dt.datetime | None = None


class ContactPage(ApiModel):
    items: list[ContactRecord]
    next_cursor: str | None = None


class ContactPatch(ApiModel):
    """Fields not sent are left as they are; a field sent as null is cleared."""

    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    emails: list[EmailIn] | None = None
    phones: list[PhoneIn] | None = None
    company: str | None = None
    title: str | None = None
    birthday: str | None = None
    notes: str | None = None
    tags: list[str] | None = None


class ContactProfile(ApiModel):
    id: str
    connection_id: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    emails: list[LabeledValue] | None = None
    phones: list[LabeledValue] | None = None
    company: str | None = None
    title: str | None = None
    birthday: str | None = None
    addresses: list[PostalAddress] | None = None
    notes: str | None = None
    tags: list[str] | None = None
    photo_url: str | None = None
    is_archived: bool = False
    source_provider: str
    sources: list[ContactSource] | None = None
    edited_by_hand: bool = False
    job_history: list[JobChange] | None = None
    relationship_strength: float = 0.0
    interaction_frequency: str | None = None
    last_interaction_at: _dt.datetime | None = None
    going_cold: bool = False
    usual_gap_days: float | None = None
    cold_after_days: float | None = None
    strength_updated_at: _dt.datetime | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime
    interactions: list[InteractionRecord] | None = None
    interests: list[ContactInterest] | None = None
    relationships: list[Relationship] | None = None
    memories: list[ContactMemoryOut] | None = None


class ContactRecord(ApiModel):
    id: str
    connection_id: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    emails: list[LabeledValue] | None = None
    phones: list[LabeledValue] | None = None
    company: str | None = None
    title: str | None = None
    birthday: str | None = None
    addresses: list[PostalAddress] | None = None
    notes: str | None = None
    tags: list[str] | None = None
    photo_url: str | None = None
    is_archived: bool = False
    source_provider: str
    sources: list[ContactSource] | None = None
    edited_by_hand: bool = False
    job_history: list[JobChange] | None = None
    relationship_strength: float = 0.0
    interaction_frequency: str | None = None
    last_interaction_at: _dt.datetime | None = None
    going_cold: bool = False
    usual_gap_days: float | None = None
    cold_after_days: float | None = None
    strength_updated_at: _dt.datetime | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class ContactSource(ApiModel):
    """One account a contact is synced from (a contact merged from two sources has two)."""

    connection_id: str
    external_id: str
    etag: str | None = None
    provider: str | None = None


class ContentPart(ApiModel):
    type: str
    text: str | None = None


class Conversation(ApiModel):
    id: str
    owner_id: str
    title: str | None
    title_generated: bool = False
    context: Literal["work", "personal", "family"]
    project_id: str | None = None
    tags: list[str] | None = None
    settings: GenerationSettings
    advisor_ids: list[str] | None = None
    is_archived: bool = False
    is_pinned: bool = False
    message_count: int = 0
    last_message_at: _dt.datetime | None = None
    last_message_preview: str | None = None
    active_leaf_id: str | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime
    my_role: Literal["owner", "collaborator", "viewer"] = "owner"


class ConversationAdvisors(ApiModel):
    conversation_id: str
    items: list[Advisor]


class ConversationCreate(ApiModel):
    title: str | None = None
    context: Literal["work", "personal", "family"] = "personal"
    project_id: str | None = None
    settings: GenerationSettings | None = None
    advisor_ids: list[str] | None = None


class ConversationPage(ApiModel):
    items: list[Conversation]
    next_cursor: str | None = None


class ConversationPatch(ApiModel):
    title: str | None = None
    context: Literal["work", "personal", "family"] | None = None
    is_archived: bool | None = None
    is_pinned: bool | None = None
    project_id: str | None = None
    settings: GenerationSettings | None = None


class Credentials(ApiModel):
    email: str
    password: str


class CredentialsConnect(ApiModel):
    """Connect a server that takes a user name and an app password (or a public feed URL)."""

    provider: Literal["caldav", "carddav", "imap", "ics", "google"]
    server_url: str
    username: str | None = None
    password: str | None = None
    display_name: str | None = None
    sync_frequency: Literal["realtime", "hourly", "daily"] = "hourly"


class DataSizes(ApiModel):
    """What the store's database holds, as its server reported it (bytes)."""

    objects: int
    data_bytes: int
    storage_bytes: int
    index_bytes: int
    measured_at: _dt.datetime


class Document(ApiModel):
    id: str
    title: str
    filename: str | None = None
    media_type: str
    size_bytes: int
    context: str
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    page_count: int | None = None
    chunk_count: int
    token_count: int
    occurred_at: _dt.datetime
    created_at: _dt.datetime
    updated_at: _dt.datetime


class DocumentChunk(ApiModel):
    id: str
    document_id: str
    index: int
    content: str
    page: int | None = None
    heading: str | None = None
    token_count: int
    embedding_model: str | None = None


class DocumentChunkPage(ApiModel):
    items: list[DocumentChunk]
    next_cursor: str | None = None


class DocumentHit(ApiModel):
    """A matching chunk in search results, with the document it belongs to."""

    document_id: str
    chunk_id: str
    title: str
    filename: str | None = None
    media_type: str
    chunk_index: int
    page: int | None = None
    heading: str | None = None
    content: str


class DocumentPage(ApiModel):
    items: list[Document]
    next_cursor: str | None = None


class DocumentSource(ApiModel):
    document_id: str
    chunk_id: str
    filename: str | None = None
    page: int | None = None
    heading: str | None = None


class Education(ApiModel):
    degree_level: str | None = None
    degree_name: str | None = None
    major: str | None = None
    institution: str | None = None
    graduation_year: int | None = None


class EmailConfirmation(ApiModel):
    token: str


class EmailIn(ApiModel):
    value: str
    kinds: list[str] | None = None
    preferred: bool = False


class EmailSettings(ApiModel):
    address: str
    enabled: bool = True


class Entity(ApiModel):
    id: str
    name: str
    type: Literal["person", "place", "organization", "project", "event", "product", "service"]
    aliases: list[str]
    role: str | None = None
    roles: list[str] | None = None
    description: str | None = None
    primary_context: str
    contexts: list[str]
    mention_count: int
    first_mentioned_at: _dt.datetime
    last_mentioned_at: _dt.datetime
    importance: int
    contact_ids: list[str] | None = None
    preferences: list[EntityPreference] | None = None
    corrected: bool = False
    created_at: _dt.datetime
    updated_at: _dt.datetime


class EntityChange(ApiModel):
    id: str
    entity_id: str
    at: _dt.datetime
    operation: Literal["edited", "merged", "absorbed", "split", "created", "deleted"]
    actor: Literal["user"] = "user"
    reason: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    related_entity_id: str | None = None
    memory_ids: list[str] | None = None


class EntityDetail(ApiModel):
    id: str
    name: str
    type: Literal["person", "place", "organization", "project", "event", "product", "service"]
    aliases: list[str]
    role: str | None = None
    roles: list[str] | None = None
    description: str | None = None
    primary_context: str
    contexts: list[str]
    mention_count: int
    first_mentioned_at: _dt.datetime
    last_mentioned_at: _dt.datetime
    importance: int
    contact_ids: list[str] | None = None
    preferences: list[EntityPreference] | None = None
    corrected: bool = False
    created_at: _dt.datetime
    updated_at: _dt.datetime
    relationships: list[MemoryRelationship]
    memories: list[Memory]


class EntityHistory(ApiModel):
    entity_id: str
    entity: Entity | None
    merged_into: str | None = None
    deleted: bool = False
    changes: list[EntityChange]


class EntityMerge(ApiModel):
    into: str
    reason: str | None = None


class EntityPage(ApiModel):
    items: list[Entity]
    next_cursor: str | None = None


class EntityPatch(ApiModel):
    """A user's correction of an entity; lists replace what the entity had."""

    name: str | None = None
    type: (
        Literal["person", "place", "organization", "project", "event", "product", "service"] | None
    ) = None
    aliases: list[str] | None = None
    description: str | None = None
    roles: list[str] | None = None
    preferences: list[EntityPreference] | None = None
    reason: str | None = None


class EntityPreference(ApiModel):
    """What the user thinks of the entity (seed: entity preferences)."""

    preference: str
    sentiment: Literal["positive", "negative", "neutral"] = "neutral"
    confidence: float = 1.0
    evidence: list[str] | None = None


class EntityRef(ApiModel):
    id: str
    name: str
    type: str


class EntitySplit(ApiModel):
    name: str
    type: (
        Literal["person", "place", "organization", "project", "event", "product", "service"] | None
    ) = None
    aliases: list[str] | None = None
    roles: list[str] | None = None
    memory_ids: list[str]
    reason: str | None = None


class ErasureStatus(ApiModel):
    id: str
    status: Literal["in_progress", "completed"]
    requested_at: _dt.datetime
    completed_at: _dt.datetime | None = None
    services: dict[str, ServiceErasure]
    status_url: str


class EventCreate(ApiModel):
    """A new event, written to the calendar at the source and stored once it is there."""

    location: str | None = None
    description: str | None = None
    time_zone: str | None = None
    attendees: list[AttendeeWrite] | None = None
    connection_id: str
    calendar: str
    title: str
    start: _dt.datetime
    end: _dt.datetime
    all_day: bool = False


class EventDetail(ApiModel):
    """A series master (or single event) as stored, with its people and alarms."""

    id: str
    connection_id: str | None
    calendar: str
    uid: str
    title: str
    description: str | None = None
    location: str | None = None
    start: _dt.datetime
    end: _dt.datetime
    all_day: bool
    time_zone: str | None = None
    status: Literal["confirmed", "tentative", "cancelled"]
    organizer: CalendarPerson | None = None
    attendees: list[Attendee]
    alarms: list[Alarm]
    recurring: bool
    recurrence_rule: str | None = None
    excluded_dates: list[_dt.datetime] | None = None
    overrides: list[OverrideSummary] | None = None
    url: str | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class EventOccurrence(ApiModel):
    """One occurrence in a time range: a single event, or one instance of a series."""

    event_id: str
    connection_id: str | None
    calendar: str
    title: str
    start: _dt.datetime
    end: _dt.datetime
    all_day: bool
    time_zone: str | None = None
    location: str | None = None
    status: Literal["confirmed", "tentative", "cancelled"]
    recurring: bool
    recurrence_id: _dt.datetime | None = None


class EventPatch(ApiModel):
    """The fields to change; absent fields stay as they are."""

    location: str | None = None
    description: str | None = None
    time_zone: str | None = None
    attendees: list[AttendeeWrite] | None = None
    title: str | None = None
    start: _dt.datetime | None = None
    end: _dt.datetime | None = None
    all_day: bool | None = None


class Evidence(ApiModel):
    record_id: str
    kind: Literal["meeting", "email"]
    at: _dt.datetime


class Exchange(ApiModel):
    """What posting a message produced: the user's message and the assistant's reply."""

    user_message: Message | None
    assistant_message: Message


class Expense(ApiModel):
    id: str
    description: str
    amount: str
    currency: str
    category: str
    date: _dt.date
    merchant: str | None = None
    metadata: dict[str, Any] | None = None
    timezone: str
    source: ExpenseSource | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class ExpenseIn(ApiModel):
    description: str
    amount: str
    currency: str | None = None
    category: str | None = None
    date: _dt.date | None = None
    merchant: str | None = None
    metadata: dict[str, Any] | None = None


class ExpensePage(ApiModel):
    items: list[Expense]
    next_cursor: str | None = None


class ExpensePatch(ApiModel):
    description: str | None = None
    amount: str | None = None
    currency: str | None = None
    category: str | None = None
    date: _dt.date | None = None
    merchant: str | None = None
    metadata: dict[str, Any] | None = None


class ExpenseSource(ApiModel):
    """Where an expense came from: the API, or a message in a conversation."""

    kind: Literal["api", "conversation"] = "api"
    conversation_id: str | None = None
    message_id: str | None = None
    text: str | None = None
    extractor: str | None = None


class ExpenseSummary(ApiModel):
    period: Literal["week", "month"]
    start: _dt.date
    end: _dt.date
    previous_start: _dt.date
    previous_end: _dt.date
    timezone: str
    totals: list[Total]
    categories: list[Total]


class Experience(ApiModel):
    id: str
    type: str
    title: str
    description: str | None = None
    provider: str | None = None
    location: str | None = None
    scheduled_at: _dt.datetime
    ends_at: _dt.datetime
    duration_minutes: int
    timezone: str
    status: Literal["scheduled", "in_progress", "completed", "cancelled", "no_show"]
    context: Literal["work", "personal", "family"]
    completed_at: _dt.datetime | None = None
    follow_up: bool
    follow_up_at: _dt.datetime | None = None
    follow_up_sent_at: _dt.datetime | None = None
    follow_up_attempts: int = 0
    follow_up_conversation_id: str | None = None
    awaiting_review: bool = False
    review: NaturalReview | None = None
    conversation_id: str | None = None
    created_from: str = "manual"
    created_at: _dt.datetime
    updated_at: _dt.datetime


class ExperienceIn(ApiModel):
    type: str = "appointment"
    title: str
    description: str | None = None
    provider: str | None = None
    location: str | None = None
    scheduled_at: _dt.datetime | None = None
    local_time: _dt.datetime | None = None
    timezone: str | None = None
    duration_minutes: int = 60
    context: Literal["work", "personal", "family"] = "personal"
    follow_up: bool = True
    follow_up_delay_minutes: int | None = None
    conversation_id: str | None = None


class ExperiencePage(ApiModel):
    items: list[Experience]
    next_cursor: str | None = None


class ExperiencePatch(ApiModel):
    type: str | None = None
    title: str | None = None
    description: str | None = None
    provider: str | None = None
    location: str | None = None
    scheduled_at: _dt.datetime | None = None
    local_time: _dt.datetime | None = None
    timezone: str | None = None
    duration_minutes: int | None = None
    status: Literal["scheduled", "in_progress", "completed", "cancelled", "no_show"] | None = None
    context: Literal["work", "personal", "family"] | None = None
    follow_up: bool | None = None
    follow_up_delay_minutes: int | None = None
    conversation_id: str | None = None


class ExportArchive(ApiModel):
    format: Literal["muninn-export/1"] = "muninn-export/1"
    user_id: str
    exported_at: _dt.datetime
    services: dict[str, dict[str, list[dict[str, Any]]]]


class ExtractionInfo(ApiModel):
    extractor: str
    category: str | None = None
    slot: str | None = None
    confidence: float = 1.0
    sentence: str | None = None


class Fingerprint(ApiModel):
    """A slice of a collection in two numbers, equal on two servers when the slices are."""

    count: int
    checksum: str


class GenerationSettings(ApiModel):
    """Per-conversation generation settings; unset fields fall back to preferences, then defaults."""

    provider: str | None = None
    model: str | None = None
    system_prompt: str | None = None
    temperature: float | None = None


class GraphEdge(ApiModel):
    a: str
    b: str
    type: Literal[
        "colleague",
        "friend",
        "family",
        "partner",
        "client",
        "vendor",
        "mentor",
        "classmate",
        "neighbour",
        "acquaintance",
    ]
    type_source: Literal["inferred", "user"]
    strength: float
    shared_interactions: int
    mutual_connections: int


class GraphNode(ApiModel):
    id: str
    display_name: str | None = None
    company: str | None = None
    relationship_strength: float
    depth: int


class GraphPerson(ApiModel):
    id: str
    display_name: str | None = None
    company: str | None = None
    relationship_strength: float


class HealthCheck(ApiModel):
    at: _dt.datetime
    ok: bool
    latency_ms: float | None = None


class HistoryEntry(ApiModel):
    id: str
    memory_id: str
    at: _dt.datetime
    operation: Literal[
        "created", "superseded", "updated", "deleted", "edited", "restored", "reinforced", "expired"
    ]
    actor: Literal["extraction", "user", "system"]
    reason: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    related_memory_id: str | None = None
    job_id: str | None = None
    source_messages: list[SourceMessageRef] | None = None


class IdentityLocation(ApiModel):
    city: str
    state: str = ""
    country: str
    timezone: str | None = None


class ImportanceRange(ApiModel):
    min: int | None = None
    max: int | None = None


class IndexBacklog(ApiModel):
    """Records written to MongoDB whose vectors are not written yet (the sweep catches up)."""

    memories: int
    document_chunks: int
    summaries: int
    limit: int


class IndexMigration(ApiModel):
    """Re-embedding every memory into the configured model's collection, after a model change."""

    state: Literal["idle", "running", "complete", "failed"]
    source: str | None = None
    target: str | None = None
    copied: int
    total: int
    progress: float
    error: str | None = None


class IndexState(ApiModel):
    instance_id: str
    shared: bool
    embedding_model: str
    read_collection: str | None = None
    migration: IndexMigration
    pending: IndexBacklog


class IntegrationsAttachment(ApiModel):
    filename: str | None
    content_type: str
    size: int


class InteractionFactOut(ApiModel):
    id: str
    kind: str
    direction: str
    occurred_at: _dt.datetime
    subject: str | None = None


class InteractionIn(ApiModel):
    """An interaction logged by hand (a call, a coffee, a message elsewhere)."""

    kind: Literal["email", "meeting", "call", "message", "manual"] = "manual"
    direction: Literal["inbound", "outbound", "mutual"] = "mutual"
    subject: str | None = None
    summary: str | None = None
    content: str | None = None
    sentiment: float | None = None
    occurred_at: _dt.datetime | None = None
    duration_minutes: int | None = None
    attendees: list[str] | None = None


class InteractionPage(ApiModel):
    items: list[InteractionRecord]
    next_cursor: str | None = None


class InteractionPatch(ApiModel):
    """Fields not sent stay; subject, summary, sentiment and duration may be cleared (null)."""

    kind: Literal["email", "meeting", "call", "message", "manual"] | None = None
    direction: Literal["inbound", "outbound", "mutual"] | None = None
    subject: str | None = None
    summary: str | None = None
    sentiment: float | None = None
    occurred_at: _dt.datetime | None = None
    duration_minutes: int | None = None
    attendees: list[str] | None = None


class InteractionRecord(ApiModel):
    id: str
    contact_id: str
    kind: Literal["email", "meeting", "call", "message", "manual"]
    direction: Literal["inbound", "outbound", "mutual"]
    subject: str | None = None
    summary: str | None = None
    sentiment: float = 0.0
    occurred_at: _dt.datetime
    duration_minutes: int | None = None
    attendees: list[str] | None = None
    external_id: str | None = None
    source: Literal["mail", "calendar", "manual", "conversation"]
    source_record_id: str | None = None
    thread_id: str | None = None
    metadata: dict[str, Any] | None = None
    editable: bool
    created_at: _dt.datetime
    updated_at: _dt.datetime


class InterestCreate(ApiModel):
    category: str
    topic: str


class InterestFactOut(ApiModel):
    category: str
    topic: str
    confidence: float


class InterestList(ApiModel):
    items: list[ContactInterest]


class Invitation(ApiModel):
    """An invitation to a conversation, waiting for the invitee to accept or decline."""

    conversation_id: str
    title: str | None
    owner_id: str
    role: Literal["owner", "collaborator", "viewer"]
    invited_by: str
    invited_at: _dt.datetime | None


class Item(ApiModel):
    id: str
    list_id: str
    name: str
    category: str
    quantity: int | float
    unit: str | None = None
    completed: bool
    completed_at: _dt.datetime | None = None
    added_by: str | None = None
    completed_by: str | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class ItemIn(ApiModel):
    name: str
    quantity: float | str = "1"
    unit: str | None = None
    category: str | None = None


class ItemPage(ApiModel):
    items: list[Item]
    next_cursor: str | None = None


class ItemPatch(ApiModel):
    name: str | None = None
    quantity: float | str | None = None
    unit: str | None = None
    category: str | None = None
    completed: bool | None = None


class ItemTags(ApiModel):
    """The tags an item carries after a change."""

    tags: list[str]


class Job(ApiModel):
    id: str
    status: Literal["queued", "processing", "done", "failed"]
    kind: Literal["memory", "messages"]
    source: str
    infer: bool
    message_count: int
    attempts: int
    created_at: _dt.datetime
    updated_at: _dt.datetime
    finished_at: _dt.datetime | None = None
    result: JobResult | None = None
    error: str | None = None
    status_url: str
    memories: list[Memory] | None = None


class JobChange(ApiModel):
    """A change of a contact's company or title, at the source or said in conversation."""

    previous_company: str | None = None
    previous_title: str | None = None
    company: str | None = None
    title: str | None = None
    effective_on: str
    source: Literal["sync", "conversation"]
    detected_at: _dt.datetime


class JobOperation(ApiModel):
    op: Literal["add", "update", "historical", "delete", "noop"]
    memory_id: str | None = None
    target_id: str | None = None
    content: str | None = None
    type: str | None = None
    reason: str | None = None


class JobResult(ApiModel):
    operations: list[JobOperation] | None = None
    extractor: str | None = None
    notes: list[str] | None = None
    counts: dict[str, int] | None = None


class LabeledValue(ApiModel):
    """An e-mail address or phone number with its kinds (home, work, cell...)."""

    value: str
    kinds: list[str] | None = None
    preferred: bool = False


class LearnedPreference(ApiModel):
    preference: str
    category: str
    sentiment: Literal["positive", "negative", "neutral"] = "neutral"
    confidence: float
    evidence: list[str]
    memory_ids: list[str]


class LearningReport(ApiModel):
    """What a learning run found for the user."""

    learned: int
    from_memories: int
    llm: str
    patterns: list[Pattern]


class LimitsUpdate(ApiModel):
    """A user's own caps; they can only tighten the server's limits, never lift them."""

    messages_per_day: int | None = None
    spend_per_month_usd: float | None = None


class LinkTypeBody(ApiModel):
    type: Literal[
        "colleague",
        "friend",
        "family",
        "partner",
        "client",
        "vendor",
        "mentor",
        "classmate",
        "neighbour",
        "acquaintance",
    ]


class ListIn(ApiModel):
    name: str
    is_default: bool = False


class ListInvitation(ApiModel):
    list_id: str
    name: str
    owner_id: str
    role: Literal["owner", "collaborator"]
    invited_by: str
    invited_at: _dt.datetime | None = None


class ListPage(ApiModel):
    items: list[ShoppingList]
    next_cursor: str | None = None


class ListPatch(ApiModel):
    name: str | None = None
    is_default: bool | None = None


class Localization(ApiModel):
    default_language: str | None = None
    supported_languages: list[str] | None = None


class Location(ApiModel):
    city: str | None = None
    region: str | None = None
    country: str | None = None
    country_code: str | None = None
    timezone: str | None = None


class LogoutRequest(ApiModel):
    refresh_token: str


class MailAddress(ApiModel):
    address: str
    name: str = ""


class MailMessageDetail(ApiModel):
    id: str
    connection_id: str
    mailbox: str
    thread_id: str
    email_id: str | None = None
    subject: str = ""
    sender: MailAddress | None = None
    to: list[MailAddress] | None = None
    cc: list[MailAddress] | None = None
    sent_at: _dt.datetime | None = None
    received_at: _dt.datetime | None = None
    snippet: str = ""
    flags: list[str] | None = None
    attachments: list[IntegrationsAttachment] | None = None
    has_attachments: bool = False
    size: int = 0
    created_at: _dt.datetime
    updated_at: _dt.datetime
    in_reply_to: str | None = None
    references: list[str] | None = None
    body: str = ""
    body_truncated: bool = False


class MailPage(ApiModel):
    items: list[MailSummary]
    next_cursor: str | None = None


class MailSummary(ApiModel):
    """A message in a list: everything but the body (a short snippet of it instead)."""

    id: str
    connection_id: str
    mailbox: str
    thread_id: str
    email_id: str | None = None
    subject: str = ""
    sender: MailAddress | None = None
    to: list[MailAddress] | None = None
    cc: list[MailAddress] | None = None
    sent_at: _dt.datetime | None = None
    received_at: _dt.datetime | None = None
    snippet: str = ""
    flags: list[str] | None = None
    attachments: list[IntegrationsAttachment] | None = None
    has_attachments: bool = False
    size: int = 0
    created_at: _dt.datetime
    updated_at: _dt.datetime


class Member(ApiModel):
    user_id: str
    role: Literal["owner", "collaborator"]
    status: Literal["invited", "active"] = "active"
    invited_by: str | None = None
    invited_at: _dt.datetime | None = None
    joined_at: _dt.datetime | None = None


class MemberAdd(ApiModel):
    user_id: str
    role: Literal["owner", "collaborator"] = "collaborator"


class Memory(ApiModel):
    id: str
    content: str
    type: Literal[
        "conversation",
        "task_completion",
        "preference_learned",
        "context_switch",
        "personal_info",
        "experience_review",
        "goal_setting",
        "relationship_info",
        "calendar_event",
        "email",
    ]
    context: str
    importance: int
    sentiment: Literal["positive", "negative", "neutral"] = "neutral"
    entities: list[EntityRef] | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    scope: dict[str, str] | None = None
    contact_id: str | None = None
    contact_ids: list[str] | None = None
    status: Literal["active", "superseded", "deleted"]
    version: int = 1
    occurred_at: _dt.datetime
    event_at: _dt.datetime | None = None
    valid_from: _dt.datetime
    valid_to: _dt.datetime | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    outdated_by: str | None = None
    expires_at: _dt.datetime | None = None
    reinforcements: int = 0
    last_reinforced_at: _dt.datetime | None = None
    decay_factor: float = 1.0
    embedding_model: str | None = None
    provenance: Provenance
    created_at: _dt.datetime
    updated_at: _dt.datetime


class MemoryCreate(ApiModel):
    """Either one memory (``content``…) or ``messages`` to remember and, with ``infer``, learn from."""

    content: str | None = None
    type: (
        Literal[
            "conversation",
            "task_completion",
            "preference_learned",
            "context_switch",
            "personal_info",
            "experience_review",
            "goal_setting",
            "relationship_info",
            "calendar_event",
            "email",
        ]
        | None
    ) = None
    context: str | None = None
    importance: int | None = None
    sentiment: Literal["positive", "negative", "neutral"] | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    occurred_at: _dt.datetime | None = None
    event_at: _dt.datetime | None = None
    expires_at: _dt.datetime | None = None
    messages: list[MemoryMessageIn] | None = None
    infer: bool = True
    wait: bool = False


class MemoryDetail(ApiModel):
    id: str
    content: str
    type: Literal[
        "conversation",
        "task_completion",
        "preference_learned",
        "context_switch",
        "personal_info",
        "experience_review",
        "goal_setting",
        "relationship_info",
        "calendar_event",
        "email",
    ]
    context: str
    importance: int
    sentiment: Literal["positive", "negative", "neutral"] = "neutral"
    entities: list[EntityRef] | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    scope: dict[str, str] | None = None
    contact_id: str | None = None
    contact_ids: list[str] | None = None
    status: Literal["active", "superseded", "deleted"]
    version: int = 1
    occurred_at: _dt.datetime
    event_at: _dt.datetime | None = None
    valid_from: _dt.datetime
    valid_to: _dt.datetime | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    outdated_by: str | None = None
    expires_at: _dt.datetime | None = None
    reinforcements: int = 0
    last_reinforced_at: _dt.datetime | None = None
    decay_factor: float = 1.0
    embedding_model: str | None = None
    provenance: Provenance
    created_at: _dt.datetime
    updated_at: _dt.datetime
    relations: list[MemoryRelation] | None = None


class MemoryEntry(ApiModel):
    key: str
    value: Any
    updated_by: str | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class MemoryExport(ApiModel):
    user_id: str
    exported_at: _dt.datetime
    memories: list[Memory]
    history: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    documents: list[Document] | None = None
    summaries: list[Summary] | None = None
    entity_changes: list[dict[str, Any]] | None = None
    relations: list[dict[str, Any]] | None = None


class MemoryFilters(ApiModel):
    types: (
        list[
            Literal[
                "conversation",
                "task_completion",
                "preference_learned",
                "context_switch",
                "personal_info",
                "experience_review",
                "goal_setting",
                "relationship_info",
                "calendar_event",
                "email",
            ]
        ]
        | None
    ) = None
    context: str | None = None
    importance: ImportanceRange | None = None
    time: TimeRangeInput | None = None
    entities: list[str] | None = None
    source: Literal["api", "conversation", "integration", "document"] | None = None
    tags: list[str] | None = None
    tag_match: Literal["all", "any"] = "all"
    contact_id: str | None = None


class MemoryHistory(ApiModel):
    memory: Memory
    source_messages: list[SourceMessageRef]
    extraction: ExtractionInfo
    versions: list[Memory]
    changes: list[HistoryEntry]


class MemoryMessageIn(ApiModel):
    role: Literal["user", "assistant", "system", "tool"] = "user"
    content: str
    created_at: _dt.datetime | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    metadata: dict[str, Any] | None = None


class MemoryPage(ApiModel):
    items: list[Memory]
    next_cursor: str | None = None


class MemoryPatch(ApiModel):
    """A user's edit; every change is kept in the memory's history."""

    content: str | None = None
    type: (
        Literal[
            "conversation",
            "task_completion",
            "preference_learned",
            "context_switch",
            "personal_info",
            "experience_review",
            "goal_setting",
            "relationship_info",
            "calendar_event",
            "email",
        ]
        | None
    ) = None
    context: str | None = None
    importance: int | None = None
    sentiment: Literal["positive", "negative", "neutral"] | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    event_at: _dt.datetime | None = None
    expires_at: _dt.datetime | None = None
    reason: str | None = None


class MemoryRelation(ApiModel):
    id: str
    type: Literal["related", "contradicts", "updates", "follows_from", "supports", "part_of"]
    direction: Literal["outgoing", "incoming", "mutual"]
    related_memory_id: str
    related: RelatedMemory
    strength: float
    source: Literal["inferred", "user"]
    reason: str | None = None
    created_at: _dt.datetime


class MemoryRelations(ApiModel):
    memory_id: str
    items: list[MemoryRelation]


class MemoryRelationship(ApiModel):
    entity_id: str
    name: str
    type: Literal["person", "place", "organization", "project", "event", "product", "service"]
    relationship: str
    strength: int
    mentions: int
    context: str | None = None
    last_seen_at: _dt.datetime


class MemoryValue(ApiModel):
    value: Any


class Message(ApiModel):
    id: str
    conversation_id: str
    author_id: str | None
    role: Literal["user", "assistant", "system"]
    content: str
    status: Literal["pending", "generating", "complete", "error", "stopped"]
    error: str | None = None
    provider: str | None = None
    model: str | None = None
    advisor_id: str | None = None
    parent_id: str | None = None
    branch_index: int = 0
    usage: Usage | None = None
    timing: Timing | None = None
    metadata: MessageMetadata | None = None
    sources: list[Source] | None = None
    tool_calls: list[ToolCall] | None = None
    attachments: list[Attachment] | None = None
    rating: int | None = None
    is_edited: bool = False
    is_deleted: bool = False
    created_at: _dt.datetime
    updated_at: _dt.datetime


class MessageEdit(ApiModel):
    content: str


class MessageIn(ApiModel):
    content: str
    parent_id: str | None = None
    advisor_id: str | None = None
    attachments: list[AttachmentIn] | None = None
    input_method: Literal["text", "voice", "api"] = "text"


class MessageMetadata(ApiModel):
    input_method: Literal["text", "voice", "proactive", "api"] = "text"
    proactive_type: str | None = None
    memory_status: Literal["used", "none", "unavailable", "disabled"] | None = None
    regenerated: bool = False


class MigrationPreview(ApiModel):
    """What migrating the store's database would change, counted now (a dry run: nothing
    was written).
    """

    schema_version: int | None
    target: int
    versions: list[VersionPreview]


class MigrationProgress(ApiModel):
    """The store's latest content-schema migration: where it is while it runs, then how it
    ended.
    """

    state: Literal["running", "done", "failed"]
    from_version: int
    to_version: int
    version: int | None = None
    step: str | None = None
    documents_done: int = 0
    batches: int = 0
    attempts: int = 0
    started_at: _dt.datetime
    updated_at: _dt.datetime
    finished_at: _dt.datetime | None = None
    next_attempt_at: _dt.datetime | None = None


class ModelCard(ApiModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(ApiModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class MoveProgress(ApiModel):
    """How far the copy of one collection got: enough to resume it after a crash."""

    collection: str
    copied: int = 0
    cursor: Any = None
    done: bool = False


class MoveStatus(ApiModel):
    """A move as its owner sees it: where it goes, how far it got, what was checked."""

    direction: Literal["to_own", "to_hosted"]
    phase: Literal["copying", "switching", "done", "failed"]
    store_id: str
    progress: list[MoveProgress]
    checks: list[CollectionCheck] = Field(default_factory=lambda: [])
    attempts: int = 0
    error: str | None = None
    started_at: _dt.datetime
    updated_at: _dt.datetime
    switched_at: _dt.datetime | None = None
    hosted_copy_deleted_at: _dt.datetime | None = None
    hosted_copy_delete_after: _dt.datetime | None = None


class NaturalReview(ApiModel):
    user_response: str
    extracted_insights: ReviewInsights
    generated_review: str
    conversation_id: str | None = None
    message_id: str | None = None
    source: str
    extractor: str = "rules"
    timestamp: _dt.datetime


class Neighbourhood(ApiModel):
    center: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool


class NewRelationship(ApiModel):
    entity1: str
    entity2: str
    relationship: str
    strength: int


class Note(ApiModel):
    id: str
    title: str
    content: str
    is_pinned: bool = False
    is_archived: bool = False
    project_id: str | None = None
    tags: list[str] | None = None
    conversation_id: str | None = None
    message_id: str | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime
    search: SearchHit | None = None


class NoteCreate(ApiModel):
    title: str | None = None
    content: str | None = None
    is_pinned: bool = False
    project_id: str | None = None
    tags: list[str] | None = None
    conversation_id: str | None = None
    message_id: str | None = None


class NotePage(ApiModel):
    items: list[Note]
    next_cursor: str | None = None


class NotePatch(ApiModel):
    title: str | None = None
    content: str | None = None
    is_pinned: bool | None = None
    is_archived: bool | None = None
    project_id: str | None = None
    tags: list[str] | None = None


class NoteSummary(ApiModel):
    """A note in a listing that should not carry whole documents (a project's contents)."""

    id: str
    title: str
    excerpt: str
    is_pinned: bool = False
    is_archived: bool = False
    tags: list[str] | None = None
    updated_at: _dt.datetime


class Notification(ApiModel):
    id: str
    kind: str
    title: str
    body: str
    priority: Literal["low", "normal", "high", "urgent"]
    status: Literal["scheduled", "unread", "read", "dismissed", "acted_upon"]
    deliver_at: _dt.datetime
    delivered_at: _dt.datetime | None = None
    deferred_reason: str | None = None
    flexible: bool = False
    channels: dict[str, ChannelState] | None = None
    ref_kind: str | None = None
    ref_id: str | None = None
    conversation_id: str | None = None
    created_at: _dt.datetime
    read_at: _dt.datetime | None = None
    acted_at: _dt.datetime | None = None


class NotificationPage(ApiModel):
    items: list[Notification]
    next_cursor: str | None = None
    unread_count: int


class NotificationPreferences(ApiModel):
    push_notifications: bool = True
    email_follow_ups: bool = False
    proactive_messages: bool = True
    quiet_hours: QuietHours | None = None
    event_reminder_minutes: int | None = 30


class NudgeSettings(ApiModel):
    enabled: bool = True
    birthdays: bool = True
    going_cold: bool = True
    job_changes: bool = True
    follow_ups: bool = True
    briefings: bool = True
    follow_up_after_days: int = 3
    snoozed_until: _dt.datetime | None = None
    next_check_at: _dt.datetime | None = None


class NudgeSettingsIn(ApiModel):
    enabled: bool | None = None
    birthdays: bool | None = None
    going_cold: bool | None = None
    job_changes: bool | None = None
    follow_ups: bool | None = None
    briefings: bool | None = None
    follow_up_after_days: int | None = None


class OAuthComplete(ApiModel):
    code: str
    state: str


class OAuthConnection(ApiModel):
    """An MCP or OAuth client the user authorized, with every grant it still holds."""

    client_id: str
    client_name: str | None = None
    redirect_targets: list[str]
    scopes: list[Literal["read", "write"]]
    first_authorized_at: _dt.datetime
    last_used_at: _dt.datetime | None = None


class OAuthConnectionPage(ApiModel):
    items: list[OAuthConnection]
    next_cursor: str | None = None


class OAuthStart(ApiModel):
    products: list[Literal["calendar", "mail", "contacts"]] | None = None


class OAuthStarted(ApiModel):
    authorize_url: str
    state: str
    expires_at: _dt.datetime
    scopes: list[str]


class OccurrenceList(ApiModel):
    items: list[EventOccurrence]
    truncated: bool = False


class OverrideSummary(ApiModel):
    recurrence_id: _dt.datetime | None
    title: str
    start: _dt.datetime
    end: _dt.datetime
    status: Literal["confirmed", "tentative", "cancelled"]


class Participant(ApiModel):
    user_id: str
    role: Literal["owner", "collaborator", "viewer"]
    status: Literal["invited", "active"] = "active"
    joined_at: _dt.datetime | None = None
    invited_by: str | None = None
    invited_at: _dt.datetime | None = None


class ParticipantAdd(ApiModel):
    user_id: str
    role: Literal["owner", "collaborator", "viewer"] = "collaborator"


class ParticipantRoleChange(ApiModel):
    role: Literal["owner", "collaborator", "viewer"]


class PathHop(ApiModel):
    source: str
    target: str
    strength: float
    type: (
        Literal[
            "colleague",
            "friend",
            "family",
            "partner",
            "client",
            "vendor",
            "mentor",
            "classmate",
            "neighbour",
            "acquaintance",
        ]
        | None
    ) = None


class Pattern(ApiModel):
    id: str
    pattern_type: str
    name: str
    description: str
    triggers: list[str] | None = None
    indicators: list[str] | None = None
    outcomes: list[str] | None = None
    confidence: float
    evidence_count: int
    evidence: dict[str, Any] | None = None
    contexts: list[str] | None = None
    time_patterns: TimePatterns | None = None
    recommendations: list[str] | None = None
    preventative_actions: list[str] | None = None
    source: Literal["offline", "llm"]
    status: Literal["active", "dismissed"]
    used_for_delivery: bool = False
    first_observed: _dt.datetime | None = None
    last_observed: _dt.datetime | None = None
    dismissed_at: _dt.datetime | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class PatternPage(ApiModel):
    items: list[Pattern]
    next_cursor: str | None = None


class PeopleSearchResponse(ApiModel):
    query: str
    items: list[PersonHit]


class PersonHit(ApiModel):
    contact_id: str
    name: str | None = None
    score: float
    matches: list[PersonMatch]


class PersonMatch(ApiModel):
    memory_id: str
    content: str
    kind: str | None = None


class Persona(ApiModel):
    """Who the advisor is. ``name`` and ``title`` are required; everything else enriches the prompt."""

    name: str
    title: str
    image: str | None = None
    description: str | None = None
    one_liner: str | None = None
    archetype: str | None = None
    temperament: str | None = None
    bio: str | None = None
    detailed_background: str | None = None
    experience: str | None = None
    specialties: list[str] | None = None
    personal_interests: list[str] | None = None
    communication_style: str | None = None
    personality: list[str] | None = None
    expertise: list[str] | None = None
    core_beliefs_or_principles: list[str] | None = None
    education: Education | None = None
    location: Location | None = None
    advice_delivery: AdviceDelivery | None = None
    marital_status: str | None = None


class PhoneIn(ApiModel):
    value: str
    kinds: list[str] | None = None
    preferred: bool = False


class PostalAddress(ApiModel):
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    kinds: list[str] | None = None


class Preferences(ApiModel):
    default_context: Literal["work", "personal", "family"] = "personal"
    ai_provider: str = "offline"
    ai_model: str | None = None
    response_style: Literal["concise", "detailed", "casual"] = "concise"
    voice_enabled: bool = False
    voice_provider: str = "browser"
    voice_speed: float = 1.0
    notifications: NotificationPreferences | None = None
    privacy: PrivacyPreferences | None = None
    theme: Literal["light", "dark", "system"] = "system"
    language: str = "en"
    timezone: str = "UTC"
    currency: str | None = None
    preferred_contact_times: PreferredContactTimes | None = None
    location: IdentityLocation | None = None


class PreferredContactTimes(ApiModel):
    morning: int | None = 9
    afternoon: int | None = 14
    evening: int | None = 18


class Presence(ApiModel):
    is_online: bool
    last_seen_at: _dt.datetime
    current_conversation_id: str | None = None


class PresenceUpdate(ApiModel):
    is_online: bool
    current_conversation_id: str | None = None


class PrivacyPreferences(ApiModel):
    share_data_for_improvement: bool = False
    long_term_memory: bool = True
    cross_context_learning: bool = True
    data_retention_days: int = 0


class Problem(ApiModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class Project(ApiModel):
    id: str
    name: str
    description: str | None = None
    color: str | None = None
    icon: str | None = None
    instructions: str | None = None
    is_archived: bool = False
    created_at: _dt.datetime
    updated_at: _dt.datetime
    counts: ProjectCounts | None = None


class ProjectContents(ApiModel):
    project: Project
    conversations: list[Conversation]
    notes: list[NoteSummary]
    files: list[ProjectFile]


class ProjectCounts(ApiModel):
    conversations: int = 0
    notes: int = 0
    files: int = 0


class ProjectCreate(ApiModel):
    name: str
    description: str | None = None
    color: str | None = None
    icon: str | None = None
    instructions: str | None = None


class ProjectFile(ApiModel):
    id: str
    filename: str
    mime_type: str
    size: int
    storage_ref: str | None = None
    source: Literal["project", "message"] = "project"
    conversation_id: str | None = None
    message_id: str | None = None
    created_at: _dt.datetime


class ProjectFileIn(ApiModel):
    """Metadata of a file added to a project; the bytes live wherever ``storage_ref`` says."""

    filename: str
    mime_type: str
    size: int
    storage_ref: str | None = None


class ProjectPage(ApiModel):
    items: list[Project]
    next_cursor: str | None = None


class ProjectPatch(ApiModel):
    name: str | None = None
    description: str | None = None
    color: str | None = None
    icon: str | None = None
    instructions: str | None = None
    is_archived: bool | None = None


class Provenance(ApiModel):
    source: Literal["api", "conversation", "integration", "document"] | Literal["summary"]
    job_id: str | None = None
    event_id: str | None = None
    message_ids: list[str] | None = None
    messages: list[SourceMessageRef] | None = None
    document: DocumentSource | None = None
    extraction: ExtractionInfo


class ProviderInfo(ApiModel):
    provider: Literal["caldav", "carddav", "imap", "ics", "google"]
    name: str
    kinds: list[Literal["calendar_event", "contact", "email", "interaction", "contact_memory"]]
    auth: str
    writable: bool
    available: bool
    note: str | None = None


class ProviderList(ApiModel):
    items: list[ProviderInfo]


class ProviderRating(ApiModel):
    provider: str
    provider_key: str
    provider_type: str
    personal_rating: float
    stated_ratings: int
    recommendation: bool | None = None
    sentiment: dict[str, int] | None = None
    highlights: list[str] | None = None
    issues: list[str] | None = None
    future_intent: str = "unsure"
    experience_count: int
    experience_ids: list[str]
    first_experience: _dt.datetime
    last_experience: _dt.datetime
    contexts: list[str] | None = None
    updated_at: _dt.datetime


class ProviderRatingList(ApiModel):
    items: list[ProviderRating]


class QuietHours(ApiModel):
    enabled: bool = False
    start: str = "22:00"
    end: str = "08:00"


class Rating(ApiModel):
    rating: int


class RefreshRequest(ApiModel):
    refresh_token: str


class Registration(ApiModel):
    email: str
    password: str
    name: str | None = None
    timezone: str | None = None
    language: str | None = None


class RelatedMemory(ApiModel):
    """The other memory of a relation, in brief (``GET /v1/memories/{id}`` has the rest)."""

    id: str
    content: str
    type: Literal[
        "conversation",
        "task_completion",
        "preference_learned",
        "context_switch",
        "personal_info",
        "experience_review",
        "goal_setting",
        "relationship_info",
        "calendar_event",
        "email",
    ]
    status: Literal["active", "superseded", "deleted"]
    occurred_at: _dt.datetime


class RelationCreate(ApiModel):
    related_memory_id: str
    type: Literal["related", "contradicts", "updates", "follows_from", "supports", "part_of"] = (
        "related"
    )
    strength: float = 1.0
    reason: str | None = None


class RelationVia(ApiModel):
    memory_id: str
    type: Literal["related", "contradicts", "updates", "follows_from", "supports", "part_of"]
    direction: Literal["outgoing", "incoming", "mutual"]
    strength: float


class Relationship(ApiModel):
    """One of a contact's links, seen from that contact."""

    other: GraphPerson
    link: ContactLink


class RelationshipList(ApiModel):
    items: list[Relationship]


class Reminder(ApiModel):
    id: str
    title: str
    notes: str | None = None
    timezone: str
    start_local: str
    rrule: str | None = None
    next_due_at: _dt.datetime | None
    upcoming: list[_dt.datetime] | None = None
    status: Literal["active", "fired", "completed"]
    priority: Literal["low", "normal", "high", "urgent"]
    context: Literal["work", "personal", "family"]
    conversation_id: str | None = None
    tags: list[str] | None = None
    misfire: Literal["fire_late", "skip", "collapse"]
    snoozed_until: _dt.datetime | None = None
    fired_count: int = 0
    last_fired_at: _dt.datetime | None = None
    source: ReminderSource | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime
    completed_at: _dt.datetime | None = None


class ReminderIn(ApiModel):
    title: str
    notes: str | None = None
    due_at: _dt.datetime | None = None
    local_time: _dt.datetime | None = None
    timezone: str | None = None
    rrule: str | None = None
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    context: Literal["work", "personal", "family"] = "personal"
    conversation_id: str | None = None
    tags: list[str] | None = None
    misfire: Literal["fire_late", "skip", "collapse"] | None = None


class ReminderPage(ApiModel):
    items: list[Reminder]
    next_cursor: str | None = None


class ReminderPatch(ApiModel):
    title: str | None = None
    notes: str | None = None
    due_at: _dt.datetime | None = None
    local_time: _dt.datetime | None = None
    timezone: str | None = None
    rrule: str | None = None
    priority: Literal["low", "normal", "high", "urgent"] | None = None
    context: Literal["work", "personal", "family"] | None = None
    conversation_id: str | None = None
    tags: list[str] | None = None


class ReminderSource(ApiModel):
    kind: str = "api"
    conversation_id: str | None = None
    message_id: str | None = None
    text: str | None = None


class ReviewIn(ApiModel):
    text: str


class ReviewInsights(ApiModel):
    overall_sentiment: Literal["positive", "negative", "neutral", "mixed"]
    emotional_tone: str
    rating: float | None = None
    recommendation: bool | None = None
    highlights: list[str] | None = None
    issues: list[str] | None = None
    specific_feedback: list[str] | None = None
    future_intent: Literal["will_return", "avoid", "unsure", "conditional"] = "unsure"
    key_quotes: list[str] | None = None


class RoleDefinition(ApiModel):
    """What the advisor is for and where it stops (e.g. 'not a substitute for a doctor')."""

    role: str | None = None
    responsibilities: list[str] | None = None
    boundaries: list[str] | None = None


class SearchHit(ApiModel):
    """Why a note matched a search: its BM25 score and an excerpt around the first match."""

    score: float
    excerpt: str


class SearchRequest(ApiModel):
    """The shared search contract (query, limit) plus what memory's own API offers."""

    query: str
    limit: int = 10
    sources: list[Literal["memories", "documents", "summaries"]] | None = None
    filters: MemoryFilters | None = None
    token_budget: int | None = None
    expand_relations: bool = False


class SearchResponse(ApiModel):
    query: str
    results: list[SearchResult]
    token_count: int
    embedding_model: str | None = None


class SearchResult(ApiModel):
    kind: Literal["memory", "document", "summary"] = "memory"
    score: float
    memory: Memory | None = None
    document: DocumentHit | None = None
    summary: Summary | None = None
    provenance: Provenance
    components: dict[str, float] | None = None
    via: RelationVia | None = None


class ServiceErasure(ApiModel):
    status: Literal["pending", "completed"]
    deleted: dict[str, int] | None = None
    completed_at: _dt.datetime | None = None


class Session(ApiModel):
    user: User
    tokens: TokenPair


class ShoppingList(ApiModel):
    id: str
    name: str
    owner_id: str
    my_role: Literal["owner", "collaborator"]
    is_default: bool
    item_count: int
    open_count: int
    member_count: int
    created_at: _dt.datetime
    updated_at: _dt.datetime


class Snippet(ApiModel):
    id: str
    title: str
    content: str
    language: str | None = None
    tags: list[str] | None = None
    conversation_id: str | None = None
    message_id: str | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime
    search: SearchHit | None = None


class SnippetCreate(ApiModel):
    title: str
    content: str
    language: str | None = None
    tags: list[str] | None = None
    conversation_id: str | None = None
    message_id: str | None = None


class SnippetPage(ApiModel):
    items: list[Snippet]
    next_cursor: str | None = None


class SnippetPatch(ApiModel):
    title: str | None = None
    content: str | None = None
    language: str | None = None
    tags: list[str] | None = None


class Snooze(ApiModel):
    minutes: int | None = None
    until: _dt.datetime | None = None


class SnoozeIn(ApiModel):
    days: int | None = None
    until: _dt.datetime | None = None


class Source(ApiModel):
    """Something the reply drew on: a recalled memory, a document chunk or a web page."""

    kind: Literal["memory", "document", "web"] = "memory"
    ref_id: str | None = None
    title: str | None = None
    url: str | None = None
    snippet: str | None = None
    score: float | None = None


class SourceCollection(ApiModel):
    """A calendar, address book or mailbox found at the source."""

    id: str
    name: str
    kind: Literal["calendar_event", "contact", "email", "interaction", "contact_memory"]
    read_only: bool = False


class SourceMessageRef(ApiModel):
    """A message a memory came from, with the metadata it carried (speaker, channel…)."""

    message_id: str | None = None
    conversation_id: str | None = None
    role: Literal["user", "assistant", "system", "tool"] = "user"
    speaker: str | None = None
    created_at: _dt.datetime
    excerpt: str
    metadata: dict[str, Any] | None = None


class StatusChange(ApiModel):
    status: Literal["scheduled", "unread", "read", "dismissed", "acted_upon"]


class StepPreview(ApiModel):
    description: str
    collection: str
    documents: int


class Store(ApiModel):
    id: str
    status: Literal["provisioning", "migrating", "copying", "active", "degraded", "disconnecting"]
    database: str
    hosts: list[str]
    srv_host: str | None = None
    tls: bool
    authenticated: bool
    server_version: str
    topology: Literal["replica_set", "sharded"]
    qdrant_host: str | None = None
    schema_version: int | None = None
    schema_deployed_at: _dt.datetime | None = None
    provision_attempts: int = 0
    next_attempt_at: _dt.datetime | None = None
    migration: MigrationProgress | None = None
    data_sizes: DataSizes | None = None
    last_health_check: HealthCheck | None = None
    error: StoreError | None = None
    notes: list[str] | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class StoreError(ApiModel):
    code: str
    message: str
    at: _dt.datetime


class StoreRegistration(ApiModel):
    mongo_uri: str
    database: str | None = None
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None


class StreamOptions(ApiModel):
    include_usage: bool = False


class Summary(ApiModel):
    id: str
    time_range: TimeRangeOutput
    summary: str
    key_insights: list[str]
    important_events: list[str]
    learned_preferences: list[LearnedPreference]
    entities: list[str]
    new_relationships: list[NewRelationship]
    context_breakdown: dict[str, float]
    original_memory_count: int
    compression_ratio: float
    generator: str
    built_from: list[str] | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class SummaryCreate(ApiModel):
    content: str | None = None
    up_to_message_id: str | None = None


class SummaryPage(ApiModel):
    items: list[Summary]
    next_cursor: str | None = None


class SummaryRequest(ApiModel):
    period: Literal["week", "month", "quarter", "year"] = "week"
    date: _dt.date | None = None


class SyncJob(ApiModel):
    id: str
    connection_id: str
    job_type: Literal["full_sync", "incremental_sync"]
    status: Literal["pending", "running", "completed", "failed", "cancelled"]
    progress_percentage: int = 0
    items_processed: int = 0
    items_total: int | None = None
    records_changed: int = 0
    attempts: int = 0
    error_message: str | None = None
    cancel_requested: bool = False
    trigger: str
    created_at: _dt.datetime
    started_at: _dt.datetime | None = None
    completed_at: _dt.datetime | None = None
    not_before: _dt.datetime | None = None


class SyncJobPage(ApiModel):
    items: list[SyncJob]
    next_cursor: str | None = None


class SyncRequest(ApiModel):
    full: bool = False


class Tag(ApiModel):
    name: str
    color: str | None = None
    counts: TagCounts | None = None
    total: int = 0
    created_at: _dt.datetime | None = None


class TagCounts(ApiModel):
    conversations: int = 0
    notes: int = 0
    snippets: int = 0


class TagCreate(ApiModel):
    name: str
    color: str | None = None


class TagPatch(ApiModel):
    name: str | None = None
    color: str | None = None


class Task(ApiModel):
    id: str
    title: str
    description: str | None = None
    priority: Literal["low", "medium", "high", "urgent"]
    context: Literal["work", "personal", "family"]
    status: Literal["todo", "in_progress", "completed", "cancelled"]
    completed: bool
    completed_at: _dt.datetime | None = None
    due_at: _dt.datetime | None = None
    scheduled_at: _dt.datetime | None = None
    estimated_minutes: int | None = None
    tags: list[str] | None = None
    rrule: str | None = None
    timezone: str
    remind_minutes_before: int | None = None
    remind_at: _dt.datetime | None = None
    series_id: str
    occurrence: int = 1
    next_task_id: str | None = None
    created_from: str = "manual"
    conversation_id: str | None = None
    created_at: _dt.datetime
    updated_at: _dt.datetime


class TaskIn(ApiModel):
    title: str
    description: str | None = None
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    context: Literal["work", "personal", "family"] = "personal"
    status: Literal["todo", "in_progress", "completed", "cancelled"] = "todo"
    due_at: _dt.datetime | None = None
    scheduled_at: _dt.datetime | None = None
    estimated_minutes: int | None = None
    tags: list[str] | None = None
    rrule: str | None = None
    timezone: str | None = None
    remind_minutes_before: int | None = None
    conversation_id: str | None = None


class TaskPage(ApiModel):
    items: list[Task]
    next_cursor: str | None = None


class TaskPatch(ApiModel):
    title: str | None = None
    description: str | None = None
    priority: Literal["low", "medium", "high", "urgent"] | None = None
    context: Literal["work", "personal", "family"] | None = None
    status: Literal["todo", "in_progress", "completed", "cancelled"] | None = None
    due_at: _dt.datetime | None = None
    scheduled_at: _dt.datetime | None = None
    estimated_minutes: int | None = None
    tags: list[str] | None = None
    rrule: str | None = None
    timezone: str | None = None
    remind_minutes_before: int | None = None


class TeamTemplate(ApiModel):
    id: str
    name: str
    description: str
    category: str
    advisor_ids: list[str]
    advisors: list[Advisor] | None = None
    icon: str | None = None
    featured: bool = False
    sort_order: int = 0
    created_at: _dt.datetime
    updated_at: _dt.datetime


class TemplateApplied(ApiModel):
    template_id: str
    added: list[str]
    already_on_board: list[str]
    board: Board


class Thread(ApiModel):
    """The active path from the first message to the active leaf, with branch choices."""

    items: list[Message]
    branches: dict[str, BranchInfo]
    active_leaf_id: str | None


class ThreadSummaries(ApiModel):
    conversation_id: str
    items: list[ThreadSummary]


class ThreadSummary(ApiModel):
    id: str
    conversation_id: str
    content: str
    method: Literal["extractive", "provided"]
    start_message_id: str | None = None
    end_message_id: str | None = None
    message_count: int
    created_by: str | None = None
    created_at: _dt.datetime


class Tie(ApiModel):
    a: GraphPerson
    b: GraphPerson
    link: ContactLink


class TieList(ApiModel):
    items: list[Tie]


class TimePatterns(ApiModel):
    days_of_week: list[int] | None = None
    hours: list[int] | None = None
    months: list[int] | None = None
    seasons: list[str] | None = None


class TimeRangeInput(ApiModel):
    after: _dt.datetime | None = None
    before: _dt.datetime | None = None


class TimeRangeOutput(ApiModel):
    start: _dt.datetime
    end: _dt.datetime
    period: Literal["week", "month", "quarter", "year"]


class Timing(ApiModel):
    generation_started_at: _dt.datetime | None = None
    first_token_ms: int | None = None
    completed_at: _dt.datetime | None = None
    duration_ms: int | None = None


class TokenPair(ApiModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class ToolCall(ApiModel):
    id: str
    name: str
    args: dict[str, Any] | None = None
    result: Any = None
    status: Literal["pending", "complete", "error"] = "pending"
    error: str | None = None
    created_at: _dt.datetime


class Total(ApiModel):
    """Spending in one currency (and one category, in a category's row), this period and the
    one before.
    """

    category: str | None = None
    currency: str
    amount: str
    count: int
    previous_amount: str
    previous_count: int
    change: str
    change_percent: str | None = None
    trend: Literal["up", "down", "same", "new"]


class TrackedContact(ApiModel):
    contact_id: str
    name: str | None = None
    birthday: str | None = None
    interaction_count: int = 0
    last_interaction_at: _dt.datetime | None = None
    usual_gap_days: float | None = None
    cold_after_days: float | None = None
    going_cold: bool = False
    opt_out: bool = False
    snoozed_until: _dt.datetime | None = None


class TrackedContactList(ApiModel):
    items: list[TrackedContact]


class TypingIndicator(ApiModel):
    user_id: str
    is_typing: bool
    last_typing_at: _dt.datetime


class TypingState(ApiModel):
    conversation_id: str
    typing: list[TypingIndicator]
    assistant_generating: bool
    ttl_seconds: float


class TypingUpdate(ApiModel):
    is_typing: bool


class Usage(ApiModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None
    estimated: bool = False


class UsageCall(ApiModel):
    """One call to a model provider made for you: a chat reply, a memory extraction, an
    embedding request, the scheduler reading a message…
    """

    id: str
    service: str
    provider: str
    endpoint: str
    model: str
    feature: str
    context: str | None = None
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    tokens_reported: bool
    cost_usd: float | None
    latency_ms: int
    success: bool
    error_code: str | None = None
    called_at: _dt.datetime


class UsageCallPage(ApiModel):
    items: list[UsageCall]
    next_cursor: str | None = None


class UsageDay(ApiModel):
    """One day's use of one model for one feature."""

    day: _dt.date
    provider: str
    model: str
    feature: str = "chat"
    messages: int = 0
    calls: int = 0
    failed_calls: int = 0
    unpriced_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class UsageLimits(ApiModel):
    """What applies to this user now: the server's ceiling, lowered by the user's own caps."""

    messages_per_day: int | None
    spend_per_month_usd: float | None
    messages_today: int
    spend_this_month_usd: float
    server_messages_per_day: int | None
    server_spend_per_month_usd: float | None


class UsageReport(ApiModel):
    start: _dt.date
    end: _dt.date
    days: list[UsageDay]
    totals: UsageTotals


class UsageTotals(ApiModel):
    messages: int = 0
    calls: int = 0
    failed_calls: int = 0
    unpriced_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class User(ApiModel):
    id: str
    email: str
    name: str | None = None
    avatar_url: str | None = None
    assistant_name: str | None = None
    preferences: Preferences
    subscription_tier: Literal["free", "pro", "enterprise"] = "free"
    subscription_status: str = "active"
    onboarding_completed: bool = False
    status: str = "active"
    created_at: _dt.datetime
    updated_at: _dt.datetime
    last_active_at: _dt.datetime
    last_login_at: _dt.datetime | None = None


class UserPatch(ApiModel):
    name: str | None = None
    avatar_url: str | None = None
    assistant_name: str | None = None
    onboarding_completed: bool | None = None


class VersionPreview(ApiModel):
    version: int
    description: str
    steps: list[StepPreview]
    schema_changes: list[str]


class WebhookSettings(ApiModel):
    url: str
    enabled: bool = True
