"""The conversation service's collections in a user's database (``muninn_conversation``)."""

from __future__ import annotations

from typing import Any

from muninn_shared.content_schema.infrastructure import delivery_collections, delivery_main_only
from muninn_shared.content_schema.specs import (
    CollectionSpec,
    ContentService,
    IndexSpec,
    MainOnlyCollection,
    ServiceSchema,
    Tenancy,
    collection,
    index,
)

SERVICE = ContentService.CONVERSATION
NEWEST_FIRST = [("user_id", 1), ("created_at", -1), ("_id", -1)]
RECENTLY_UPDATED = [("user_id", 1), ("updated_at", -1), ("_id", -1)]


def content(name: str, holds: str, *indexes: IndexSpec, **options: Any) -> CollectionSpec:
    return collection(SERVICE, name, holds, *indexes, **options)


CONVERSATION_COLLECTIONS = (
    content(
        "conversations",
        "Conversations: title, context, project, tags, sharing, archive/pin state.",
        index(RECENTLY_UPDATED),
        index([("user_id", 1), ("context", 1)]),
        index([("user_id", 1), ("project_id", 1)]),
        index([("user_id", 1), ("client_key", 1)]),
        index([("user_id", 1), ("tags", 1)]),
        required=("created_at", "updated_at"),
    ),
    content(
        "participants",
        "Who takes part in a conversation (owner, collaborators, viewers) and invitations.",
        index([("conversation_id", 1), ("user_id", 1)], unique=True),
        index([("user_id", 1), ("joined_at", -1)]),
        index([("user_id", 1), ("status", 1)]),
        required=("conversation_id", "role", "status"),
    ),
    content(
        "messages",
        "Messages with generation status and lease, branching (parent_id, branch_index), "
        "tool calls, attachments, token usage and cost.",
        index([("conversation_id", 1), ("created_at", 1)]),
        index([("conversation_id", 1), ("parent_id", 1), ("branch_index", 1)]),
        index([("status", 1), ("lease_until", 1)]),
        index("user_id"),
        required=("conversation_id", "role", "content", "status", "created_at", "updated_at"),
    ),
    content(
        "message_sources",
        "Sources a reply cites (URL, title, snippet), one document per source.",
        index([("conversation_id", 1), ("user_id", 1)]),
        index([("message_id", 1), ("user_id", 1)]),
        index("user_id"),
        required=("conversation_id", "message_id", "sources", "created_at"),
    ),
    content(
        "projects",
        "Projects grouping conversations, notes and files.",
        index(RECENTLY_UPDATED),
        index([("user_id", 1), ("name_key", 1)], unique=True),
        required=("created_at", "updated_at"),
    ),
    content(
        "project_files",
        "Files attached to a project (metadata and extracted text).",
        index([("user_id", 1), ("project_id", 1), ("created_at", -1)]),
        required=("project_id", "created_at"),
    ),
    content(
        "notes",
        "Markdown notes, optionally in a project or from a conversation, with search terms.",
        index(RECENTLY_UPDATED),
        index([("user_id", 1), ("search_terms", 1)]),
        index([("user_id", 1), ("project_id", 1)]),
        index([("user_id", 1), ("tags", 1)]),
        index("conversation_id"),
        required=("created_at", "updated_at"),
    ),
    content(
        "snippets",
        "Saved code or text snippets, with language, tags and search terms.",
        index(RECENTLY_UPDATED),
        index([("user_id", 1), ("search_terms", 1)]),
        index([("user_id", 1), ("tags", 1)]),
        index([("user_id", 1), ("language", 1)]),
        required=("created_at", "updated_at"),
    ),
    content(
        "tags",
        "The user's tag vocabulary (tags are attached as arrays on the tagged items).",
        index([("user_id", 1), ("name", 1)], unique=True),
        required=("name", "created_at", "updated_at"),
    ),
    content(
        "bookmarks",
        "Bookmarked messages with an optional note.",
        index(NEWEST_FIRST),
        index([("user_id", 1), ("message_id", 1)], unique=True),
        index("conversation_id"),
        required=("conversation_id", "message_id", "created_at", "updated_at"),
    ),
    content(
        "usage_daily",
        "Tokens, requests and cost per user, day, provider and model.",
        index([("user_id", 1), ("day", 1), ("provider", 1), ("model", 1)], unique=True),
        required=("day", "provider", "model", "updated_at"),
    ),
    content(
        "usage_calls",
        "Every model call made for the user (chat replies; memory, scheduler and "
        "integrations calls they announce): provider, endpoint, model, feature, tokens, cost, "
        "latency, outcome.",
        index([("user_id", 1), ("called_at", -1), ("_id", -1)], since=2),
        index([("user_id", 1), ("day", 1)], since=2),
        required=("provider", "model", "feature", "called_at", "day"),
        since=2,
    ),
    content(
        "usage_limits",
        "The user's own spending and token caps (one document per user).",
        tenancy=Tenancy.KEYED_BY_USER,
        required=("updated_at",),
    ),
    content(
        "advisors",
        "Advisors (personas) the user created; the built-in catalogue stays on main.",
        index(NEWEST_FIRST),
        index([("is_public", 1), ("status", 1), ("created_at", -1)]),
        index("category"),
        index("tags"),
        required=("created_at", "updated_at"),
        tenancy=Tenancy.USER_OR_SHARED,
    ),
    content(
        "advisor_board",
        "The advisors the user picked for their board.",
        index([("user_id", 1), ("advisor_id", 1)], unique=True),
        index("advisor_id"),
        required=("advisor_id",),
    ),
    content(
        "advisor_memories",
        "What an advisor remembers within one of the user's conversations.",
        index([("conversation_id", 1), ("advisor_id", 1), ("key", 1)], unique=True),
        index("advisor_id"),
        index("user_id"),
        required=("conversation_id", "advisor_id", "key", "created_at", "updated_at"),
    ),
    content(
        "thread_summaries",
        "Rolling summaries of a conversation's thread.",
        index([("conversation_id", 1), ("created_at", 1)]),
        index("user_id"),
        required=("conversation_id", "content", "created_at"),
    ),
)

CONVERSATION_MAIN_ONLY = (
    MainOnlyCollection(
        "team_templates",
        SERVICE,
        "The operator's catalogue of advisor teams: no user's data (user_id is null).",
    ),
    MainOnlyCollection(
        "typing_indicators",
        SERVICE,
        "Presence lasting seconds, read by the other participants of a shared conversation; "
        "nothing to keep and nothing the user owns.",
    ),
)

CONVERSATION = ServiceSchema(
    service=SERVICE,
    collections=(*CONVERSATION_COLLECTIONS, *delivery_collections(SERVICE)),
    main_only=(*CONVERSATION_MAIN_ONLY, *delivery_main_only(SERVICE)),
)
