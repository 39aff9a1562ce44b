"""Topics and event types: the contract between services, as code.

Topics are named per domain; every event type lives on exactly one topic. Consumers subscribe
to topics and pick the types they care about.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from muninn_shared.events import payloads as p


class Topic(StrEnum):
    IDENTITY_USERS = "muninn.identity.users"
    IDENTITY_SESSIONS = "muninn.identity.sessions"
    ERASURE_CONFIRMATIONS = "muninn.identity.erasure-confirmations"
    CONVERSATION_MESSAGES = "muninn.conversation.messages"
    CONVERSATION_CONVERSATIONS = "muninn.conversation.conversations"
    SCHEDULER_PROACTIVE = "muninn.scheduler.proactive"
    SCHEDULER_ACTIVITY = "muninn.scheduler.activity"
    INTEGRATIONS_RECORDS = "muninn.integrations.records"
    INTEGRATIONS_AUDIT = "muninn.integrations.audit"
    # Each caller of models its own topic: a service's Kafka user writes only its own topics.
    MEMORY_MODEL_CALLS = "muninn.memory.model-calls"
    SCHEDULER_MODEL_CALLS = "muninn.scheduler.model-calls"
    INTEGRATIONS_MODEL_CALLS = "muninn.integrations.model-calls"
    BYOD_ROUTING = "muninn.byod.routing"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


PayloadModel = type[BaseModel]


IDENTITY = frozenset({"identity"})
CONVERSATION = frozenset({"conversation"})
SCHEDULER = frozenset({"scheduler"})
INTEGRATIONS = frozenset({"integrations"})
BYOD = frozenset({"byod"})
ERASING_SERVICES = frozenset({"conversation", "memory", "scheduler", "integrations", "byod"})


@dataclass(frozen=True)
class EventSpec:
    """One event type. Consumers refuse an event whose ``source`` is not one of ``producers``.

    ``producer_field`` names a payload field that must equal the source too, for an event
    several services emit each about themselves (an erasure confirmation).
    """

    type: str
    topic: Topic
    payload: PayloadModel
    producers: frozenset[str]
    schema_version: int = 1
    description: str = ""
    producer_field: str | None = None


_SPECS = [
    EventSpec(
        "identity.user.registered",
        Topic.IDENTITY_USERS,
        p.UserRegistered,
        producers=IDENTITY,
        description="A user signed up.",
    ),
    EventSpec(
        "identity.user.updated",
        Topic.IDENTITY_USERS,
        p.UserUpdated,
        producers=IDENTITY,
        description="Profile or preferences changed.",
    ),
    EventSpec(
        "identity.user.erasure_requested",
        Topic.IDENTITY_USERS,
        p.ErasureRequested,
        producers=IDENTITY,
        description="Every service must delete the user's data and confirm.",
    ),
    EventSpec(
        "identity.user.erased",
        Topic.IDENTITY_USERS,
        p.UserErased,
        producers=IDENTITY,
        description="Erasure confirmed by all services.",
    ),
    EventSpec(
        "identity.session.revoked",
        Topic.IDENTITY_SESSIONS,
        p.SessionRevoked,
        producers=IDENTITY,
        description="Access tokens of a session, an API key or all of a user's sessions must be "
        "refused from now on (logout, refresh-token reuse, erasure, API key revoked).",
    ),
    EventSpec(
        "privacy.erasure.completed",
        Topic.ERASURE_CONFIRMATIONS,
        p.ErasureCompleted,
        producers=ERASING_SERVICES,
        description="One service finished deleting a user's data.",
        producer_field="service",
    ),
    EventSpec(
        "conversation.message.created",
        Topic.CONVERSATION_MESSAGES,
        p.MessageEvent,
        producers=CONVERSATION,
    ),
    EventSpec(
        "conversation.message.completed",
        Topic.CONVERSATION_MESSAGES,
        p.MessageEvent,
        producers=CONVERSATION,
    ),
    EventSpec(
        "conversation.conversation.deleted",
        Topic.CONVERSATION_CONVERSATIONS,
        p.ConversationDeleted,
        producers=CONVERSATION,
    ),
    EventSpec(
        "scheduler.proactive.message",
        Topic.SCHEDULER_PROACTIVE,
        p.SchedulerProactive,
        producers=SCHEDULER,
    ),
    EventSpec(
        "scheduler.timer.fired",
        Topic.SCHEDULER_ACTIVITY,
        p.TimerFired,
        producers=SCHEDULER,
        description="A durable timer fired (reminder due, follow-up due, deferred delivery, nudge).",
    ),
    EventSpec(
        "scheduler.notification.changed",
        Topic.SCHEDULER_ACTIVITY,
        p.NotificationChanged,
        producers=SCHEDULER,
        description=(
            "A notification was delivered, deferred, failed or cancelled before delivery, "
            "or its status changed (read, dismissed, acted upon: by the user, detail "
            "'user', or withdrawn by the scheduler, detail naming why)."
        ),
    ),
    EventSpec(
        "integrations.record.synced",
        Topic.INTEGRATIONS_RECORDS,
        p.IntegrationRecord,
        producers=INTEGRATIONS,
    ),
    EventSpec(
        "integrations.audit.recorded",
        Topic.INTEGRATIONS_AUDIT,
        p.AuditChangeRecorded,
        producers=INTEGRATIONS,
        description="A change to a contact, interaction or connection, with its old and new "
        "values, actor and origin; identity keeps it in the user's audit log.",
    ),
    *(
        EventSpec(
            f"{service}.model_call.recorded",
            topic,
            p.ModelCallRecorded,
            producers=frozenset({service}),
            description=f"The {service} service called a model provider for a user (tokens, "
            "latency, outcome); the conversation service prices it and keeps it for /v1/usage.",
            producer_field="service",
        )
        for service, topic in (
            ("memory", Topic.MEMORY_MODEL_CALLS),
            ("scheduler", Topic.SCHEDULER_MODEL_CALLS),
            ("integrations", Topic.INTEGRATIONS_MODEL_CALLS),
        )
    ),
    EventSpec("byod.routing.changed", Topic.BYOD_ROUTING, p.ByodRoutingChanged, producers=BYOD),
]

CATALOGUE: dict[str, EventSpec] = {spec.type: spec for spec in _SPECS}


class UnknownEventTypeError(KeyError):
    pass


def spec_for(type_: str) -> EventSpec:
    try:
        return CATALOGUE[type_]
    except KeyError:
        raise UnknownEventTypeError(type_) from None


def all_topics() -> list[str]:
    topics = [t.value for t in Topic]
    return topics + [dead_letter_topic(t) for t in topics]
