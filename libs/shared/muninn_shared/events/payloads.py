"""Payload models of the events in the catalogue. Single source of truth for their shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from muninn_shared.moments import parse_moment


@dataclass(frozen=True)
class Cuttable:
    """Marks a text field the outbox may cut to keep its event under ``MUNINN_EVENT_MAX_BYTES``.

    A model with a cuttable field ``x`` also has ``x_truncated: bool`` and ``x_length: int |
    None`` (the full text's length in characters), which the cut sets: consumers know they
    hold a prefix, and how much is missing.
    """


@dataclass(frozen=True)
class Personal:
    """Marks a field that says something about its user: the outbox relay seals it.

    Kafka keeps events for days (dead letters longer) and no one can delete one user's records
    from a topic. Sealed under a key that erasure destroys, the field becomes unreadable in
    every retained copy once the user is erased (see :mod:`muninn_shared.events.sealing`).
    """


class UserRegistered(BaseModel):
    """The scheduler keeps ``email`` and ``display_name`` for notifications: both are sealed."""

    user_id: str
    email: Annotated[str, Personal()]
    display_name: Annotated[str | None, Personal()] = None
    timezone: str = "UTC"


class UserUpdated(BaseModel):
    user_id: str
    changed: list[str] = Field(description="Top-level fields that changed, e.g. 'preferences'.")
    preferences: Annotated[dict[str, Any] | None, Personal()] = None


class ErasureRequested(BaseModel):
    user_id: str
    erasure_id: str
    services: list[str]
    requested_at: datetime


class SessionRevoked(BaseModel):
    """What to refuse: one session's tokens, one API key's, or every token issued before a time."""

    user_id: str
    reason: Literal["logout", "refresh_token_reuse", "erasure", "api_key_revoked"]
    session_id: str | None = None
    api_key_id: str | None = None
    all_sessions_before: datetime | None = None
    revoked_at: datetime


class ErasureCompleted(BaseModel):
    """A service confirms it deleted everything it held for the user."""

    user_id: str
    erasure_id: str
    service: str
    deleted: dict[str, int] = Field(
        default_factory=dict, description="Documents deleted per collection."
    )


class UserErased(BaseModel):
    user_id: str
    erasure_id: str
    completed_at: datetime


REPLYING_TO = "replying_to"
"""``MessageEvent.metadata`` key: for a user's message, the end of the reply it follows (at most
:data:`REPLYING_TO_CHARS` characters), so memory can index the message behind the question it
answers."""
REPLYING_TO_CHARS = 500


class MessageEvent(BaseModel):
    """A chat message, as memory and scheduler need it."""

    user_id: str
    conversation_id: str
    message_id: str
    role: Literal["user", "assistant", "system", "tool"]
    content: Annotated[str, Cuttable(), Personal()]
    content_truncated: bool = Field(
        default=False, description="The content is a prefix: the message was too large to carry."
    )
    content_length: int | None = Field(
        default=None, description="Length in characters of the whole message, when cut."
    )
    created_at: datetime
    metadata: Annotated[dict[str, Any], Personal()] = Field(default_factory=dict)


class ConversationDeleted(BaseModel):
    user_id: str
    conversation_id: str


class TimerFired(BaseModel):
    user_id: str
    timer_id: str
    kind: str
    ref_id: str | None = None
    due_at: datetime
    fired_at: datetime
    late_seconds: float = 0.0


class NotificationChanged(BaseModel):
    user_id: str
    notification_id: str
    kind: str
    status: str
    channel: str | None = None
    detail: Annotated[str | None, Personal()] = None


class SchedulerProactive(BaseModel):
    """Something the scheduler wants said to the user in a conversation."""

    user_id: str
    conversation_id: str | None = None
    kind: str
    text: Annotated[str, Cuttable(), Personal()]
    text_truncated: bool = False
    text_length: int | None = None
    reference_id: str | None = None


MODEL_CALL_NAME = r"^[a-z0-9][a-z0-9_./:-]{0,79}$"
"""A model call's provider, endpoint or feature: bounded names, never free text."""


class ModelCallRecorded(BaseModel):
    """One call a service made to a model provider for a user (an LLM's chat completion, an
    embedding request): what the owner of ``/v1/usage`` prices and keeps, once per ``call_id``.

    No prompt and no answer travel here: the figures only. ``context`` is the user's context
    the call served (``work``, ``personal``, ``family``) when the caller knows it."""

    user_id: str
    call_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    service: str = Field(max_length=40)
    provider: str = Field(max_length=80, pattern=MODEL_CALL_NAME)
    endpoint: str = Field(max_length=80, pattern=MODEL_CALL_NAME)
    model: str = Field(min_length=1, max_length=200)
    feature: str = Field(max_length=80, pattern=MODEL_CALL_NAME)
    context: str | None = Field(default=None, max_length=40)
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    total_tokens: int = Field(default=0, ge=0)
    tokens_reported: bool = Field(
        default=True, description="False when the provider's answer carried no token counts."
    )
    latency_ms: int = Field(ge=0)
    success: bool
    error_code: str | None = Field(default=None, max_length=80)
    called_at: datetime


class IntegrationRecord(BaseModel):
    user_id: str
    connection_id: str
    provider: str
    record_type: Literal["calendar_event", "email", "contact", "interaction", "contact_memory"]
    record_id: str
    data: Annotated[dict[str, Any], Personal()] = Field(default_factory=dict)

    def moment(self, field: str) -> datetime | None:
        """``data[field]`` as an aware datetime (ISO text; UTC when it has no offset), or None."""
        value = self.data.get(field)
        return parse_moment(value) if isinstance(value, str) else None


AUDIT_NAME_PATTERN = r"^[a-z][a-z0-9_.]{0,63}$"
"""An audit entry's ``action`` or ``resource_type``: ``connect``, ``auth.login``, ``api_key``."""
AUDIT_NAME_MAX = 64
AUDIT_RESOURCE_ID_MAX = 500
AUDIT_ORIGIN_MAX = 500


class AuditActor(BaseModel):
    """Who made a change: the user (through the API), a sync of a connected account, or
    Muninn itself (a conversation mention, a sweep, an expired credential)."""

    kind: Literal["user", "sync", "system"]
    id: str | None = Field(default=None, max_length=200, description="The user's id, if they acted")


class AuditChangeRecorded(BaseModel):
    """One change to a user's contact, interaction or connection, for identity's audit log.

    ``entry_id`` is stable across redeliveries (identity stores the entry under it, once).
    The producer keeps only the fields that changed, bounded, never a secret; what would
    still exceed the event size cap is replaced by ``"…"`` before it is written.
    """

    user_id: str
    entry_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    action: str = Field(max_length=AUDIT_NAME_MAX, pattern=AUDIT_NAME_PATTERN)
    resource_type: str = Field(max_length=AUDIT_NAME_MAX, pattern=AUDIT_NAME_PATTERN)
    resource_id: str = Field(min_length=1, max_length=AUDIT_RESOURCE_ID_MAX)
    old_values: Annotated[dict[str, Any] | None, Personal()] = None
    new_values: Annotated[dict[str, Any] | None, Personal()] = None
    actor: AuditActor
    ip_address: Annotated[str | None, Personal(), Field(max_length=100)] = None
    user_agent: Annotated[str | None, Personal(), Field(max_length=AUDIT_ORIGIN_MAX)] = None
    api_endpoint: Annotated[
        str | None,
        Personal(),
        Field(max_length=AUDIT_ORIGIN_MAX, description="Method and path, never the query"),
    ] = None
    created_at: datetime


class SealedConnection(BaseModel):
    """A user's database connection, sealed under the route key every content service holds
    (``MUNINN_BYOD_ROUTE_KEYS``): the event and each service's copy of the route never carry
    it in the clear."""

    key_id: str = Field(max_length=64)
    sealed: str = Field(max_length=16384, description="base64url of nonce + AES-256-GCM")


class ByodRoutingChanged(BaseModel):
    """Where a user's content lives from now on. ``version`` grows with every change of the
    user's route; a service applies a change only over an older one."""

    user_id: str
    version: int = Field(ge=1)
    placement: Literal["hosted", "own"]
    store_id: str | None = None
    connection: SealedConnection | None = Field(
        default=None, description="Set exactly when placement is 'own'"
    )
    writes_paused: bool = Field(
        default=False,
        description="While a move switches sides: writes wait (503, retry) until the next change",
    )
