"""The scheduler service's collections in a user's database (``muninn_scheduler``)."""

from __future__ import annotations

from typing import Any

from muninn_shared.content_schema.infrastructure import delivery_collections, delivery_main_only
from muninn_shared.content_schema.specs import (
    CollectionRole,
    CollectionSpec,
    ContentService,
    IndexSpec,
    MainOnlyCollection,
    ServiceSchema,
    Tenancy,
    collection,
    index,
)

SERVICE = ContentService.SCHEDULER
# What every scheduler store pages by (muninn_scheduler.documents.LISTING).
NEWEST_FIRST = [("user_id", 1), ("created_at", -1), ("_id", -1)]


def content(name: str, holds: str, *indexes: IndexSpec, **options: Any) -> CollectionSpec:
    return collection(SERVICE, name, holds, *indexes, **options)


SCHEDULER_COLLECTIONS = (
    content(
        "reminders",
        "Reminders, one-off or recurring, with their next due moment.",
        index(NEWEST_FIRST),
        index([("user_id", 1), ("status", 1), ("next_due_at", 1)]),
        required=("status", "created_at", "updated_at"),
    ),
    content(
        "tasks",
        "Tasks with status, priority, due date and recurrence series.",
        index(NEWEST_FIRST),
        index([("user_id", 1), ("status", 1), ("due_at", 1)]),
        index([("user_id", 1), ("series_id", 1)]),
        required=("status", "created_at", "updated_at"),
    ),
    content(
        "experiences",
        "Experiences (appointments, visits) with providers and their follow-up reviews.",
        index(NEWEST_FIRST),
        index([("user_id", 1), ("provider_key", 1)]),
        index([("follow_up_conversation_id", 1), ("awaiting_review", 1)]),
        required=("status", "created_at", "updated_at"),
    ),
    content(
        "provider_ratings",
        "The user's rating of each provider (one document per user and provider).",
        index([("user_id", 1), ("personal_rating", -1)]),
        required=("provider_key",),
    ),
    content(
        "notifications",
        "Notifications and proactive messages with their delivery status.",
        index(NEWEST_FIRST),
        index([("user_id", 1), ("status", 1)]),
        index([("user_id", 1), ("delivered_at", -1)]),
        required=("status", "created_at", "updated_at"),
    ),
    content(
        "plans",
        "What was created from which conversation message, so it can be undone.",
        index([("user_id", 1), ("conversation_id", 1), ("created_at", -1)]),
        index([("user_id", 1), ("message_id", 1)]),
        required=("conversation_id", "message_id", "kind", "created_at"),
    ),
    content(
        "nudge_contacts",
        "The user's contacts as the scheduler sees them (projected from synced records) "
        "for relationship nudges.",
        index([("user_id", 1), ("name", 1)]),
        required=("contact_id",),
    ),
    content(
        "nudge_briefings",
        "Meeting briefings announced for the user's upcoming events.",
        index([("user_id", 1), ("event_start", 1)]),
        required=("contact_id", "event_start", "updated_at"),
    ),
    content(
        "nudge_settings",
        "The user's nudge settings (one document per user).",
        tenancy=Tenancy.KEYED_BY_USER,
    ),
    content(
        "calendar_links",
        "Links from synced calendar events to the reminders and experiences made for them.",
        index("user_id"),
        required=("record_id",),
    ),
    content(
        "expenses",
        "Money the user spent: description, amount (Decimal128) in its own currency, category, "
        "the local day, merchant and metadata.",
        index([("user_id", 1), ("date", -1), ("_id", -1)], since=2),
        index([("user_id", 1), ("category", 1), ("date", -1)], since=2),
        required=("amount", "currency", "category", "date", "created_at"),
        since=2,
    ),
    content(
        "expense_categories",
        "The user's own keywords (and names) for expense categories (one document per user).",
        tenancy=Tenancy.KEYED_BY_USER,
        since=2,
    ),
    content(
        "lists",
        "The user's lists (groceries by default), by name.",
        index(NEWEST_FIRST, since=2),
        index([("user_id", 1), ("name_key", 1)], unique=True, since=2),
        required=("name", "name_key", "created_at"),
        since=2,
    ),
    content(
        "list_items",
        "The items of the user's lists (name, category, quantity, unit, done), whoever of the "
        "list's collaborators added them.",
        index([("user_id", 1), ("list_id", 1), ("created_at", -1), ("_id", -1)], since=2),
        required=("list_id", "name", "key", "completed", "created_at"),
        since=2,
    ),
    content(
        "list_members",
        "The user's memberships of others' lists: invited or accepted, and the role.",
        index([("list_id", 1), ("user_id", 1)], unique=True, since=2),
        index([("user_id", 1), ("status", 1)], since=2),
        required=("list_id", "role", "status"),
        since=2,
    ),
    content(
        "activity",
        "What the user did that their patterns are learned from: when they wrote (length, "
        "topic words) and answered notifications (how long after delivery); dropped after "
        "MUNINN_PATTERNS_ACTIVITY_DAYS.",
        index([("user_id", 1), ("at", 1)], since=2),
        index("at", since=2),
        index("expires_at", expire_after_seconds=0, since=2),
        required=("kind", "at", "local_hour", "expires_at"),
        since=2,
    ),
    content(
        "user_patterns",
        "Patterns learned from the user's activity (active hours, response times, reply "
        "length, recurring topics) and, with an LLM, from their memories; each with its "
        "evidence, and whether the user dismissed it.",
        index(NEWEST_FIRST, since=2),
        index([("user_id", 1), ("key", 1)], unique=True, since=2),
        required=("key", "pattern_type", "status", "created_at", "updated_at"),
        since=2,
    ),
    content(
        "timers",
        "Durable timers of the user's reminders, tasks and follow-ups: firing commits the "
        "effect and the timer's status in one transaction, so timers live beside them.",
        index([("status", 1), ("due_at", 1)]),
        index([("status", 1), ("lease_until", 1)]),
        index([("kind", 1), ("ref_id", 1)]),
        index("claim"),
        index("user_id"),
        role=CollectionRole.INFRASTRUCTURE,
        required=("kind", "due_at", "status"),
    ),
)

SCHEDULER_MAIN_ONLY = (
    MainOnlyCollection(
        "profiles",
        SERVICE,
        "A copy of the user's identity preferences (time zone, quiet hours); identity is "
        "its source, so it is app data.",
    ),
    MainOnlyCollection(
        "notification_channels",
        SERVICE,
        "Where notifications are delivered (addresses, webhook URL) with the webhook signing "
        "secret: users' secrets stay on the main stores.",
    ),
)

SCHEDULER = ServiceSchema(
    service=SERVICE,
    collections=(*SCHEDULER_COLLECTIONS, *delivery_collections(SERVICE)),
    main_only=(*SCHEDULER_MAIN_ONLY, *delivery_main_only(SERVICE)),
)
