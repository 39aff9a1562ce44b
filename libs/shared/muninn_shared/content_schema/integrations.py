"""The integrations service's collections in a user's database (``muninn_integrations``)."""

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
    collection,
    index,
)

SERVICE = ContentService.INTEGRATIONS
NEWEST_FIRST = [("user_id", 1), ("created_at", -1), ("_id", -1)]
# Every synced collection (muninn_integrations.synced_records): one document per source
# object, and the generation that tells what a full sync no longer saw.
SYNCED = (
    index([("user_id", 1), ("connection_id", 1), ("external_id", 1)], unique=True),
    index([("user_id", 1), ("connection_id", 1), ("generation", 1)]),
)


def content(name: str, holds: str, *indexes: IndexSpec, **options: Any) -> CollectionSpec:
    return collection(SERVICE, name, holds, *indexes, **options)


INTEGRATIONS_COLLECTIONS = (
    content(
        "calendar_events",
        "Synced calendar objects: the normalized event, its iCalendar text and range keys.",
        *SYNCED,
        index([("user_id", 1), ("recurring", 1), ("starts_at", 1)]),
        required=("connection_id", "external_id", "created_at"),
    ),
    content(
        "mail_messages",
        "Synced e-mail: headers, text, thread and search terms.",
        *SYNCED,
        index([("user_id", 1), ("sort_at", -1), ("_id", -1)]),
        index([("user_id", 1), ("thread_id", 1), ("sort_at", 1)]),
        index([("user_id", 1), ("search_terms", 1)]),
        required=("connection_id", "external_id", "created_at"),
    ),
    content(
        "contact_sources",
        "Synced address-book cards, each tied to the merged contact it feeds.",
        *SYNCED,
        index([("user_id", 1), ("contact_id", 1)]),
        required=("connection_id", "external_id", "contact_id", "created_at", "updated_at"),
    ),
    content(
        "contacts",
        "The user's merged contacts with tags, archive state and relationship keys.",
        index(NEWEST_FIRST),
        index([("user_id", 1), ("match_keys", 1)]),
        index([("user_id", 1), ("name_keys", 1)]),
        index([("user_id", 1), ("tags", 1)]),
        index([("user_id", 1), ("is_archived", 1), ("sort_name", 1), ("_id", 1)]),
        index([("user_id", 1), ("is_archived", 1), ("last_interaction_at", -1), ("_id", -1)]),
        index([("user_id", 1), ("is_archived", 1), ("relationship_strength", -1), ("_id", -1)]),
        index([("user_id", 1), ("company_key", 1)]),
        index([("user_id", 1), ("_id", 1)]),
        index([("last_interaction_at", 1), ("_id", 1)]),
        required=("created_at",),
    ),
    content(
        "interactions",
        "Moments with a contact (meetings, e-mails, calls, logged by hand).",
        index([("user_id", 1), ("contact_id", 1), ("occurred_at", -1), ("_id", -1)]),
        index(
            [("user_id", 1), ("contact_id", 1), ("external_id", 1)],
            unique=True,
            partial_filter={"external_id": {"$type": "string"}},
        ),
        index([("user_id", 1), ("source_record_id", 1)]),
        index([("user_id", 1), ("connection_id", 1)]),
        required=("contact_id",),
    ),
    content(
        "interaction_series",
        "Recurring meetings whose occurrences gave interactions: how far they were derived "
        "and when to roll them forward, written in the transaction of those interactions.",
        index("due_at"),
        index([("user_id", 1), ("connection_id", 1)]),
        role=CollectionRole.INFRASTRUCTURE,
    ),
    content(
        "contact_links",
        "The contact graph: one document per pair of the user's contacts, with evidence.",
        index([("user_id", 1), ("a", 1), ("b", 1)], unique=True),
        index([("user_id", 1), ("a", 1), ("strength", -1)]),
        index([("user_id", 1), ("b", 1), ("strength", -1)]),
        index([("user_id", 1), ("strength", -1)]),
        index([("user_id", 1), ("evidence.record_id", 1)]),
        index([("user_id", 1), ("series.record_id", 1)]),
        required=("a", "b"),
    ),
    content(
        "contact_interests",
        "Contacts' interests learnt from the user's records, with confidence.",
        index([("user_id", 1), ("contact_id", 1), ("category", 1), ("topic", 1)], unique=True),
        required=("contact_id", "category", "topic"),
    ),
    content(
        "briefings",
        "Pending meeting briefings, one per (meeting, contact), leased while written.",
        index([("user_id", 1), ("contact_id", 1), ("event_start", 1)]),
        index([("user_id", 1), ("event_record_id", 1)]),
        index([("user_id", 1), ("connection_id", 1)]),
        index("due_at"),
        index("event_end"),
        index([("recurring", 1), ("event_start", 1)]),
    ),
    content(
        "contact_memories",
        "Contact memories announced to memory and still current, with their digest.",
        index([("user_id", 1), ("contact_id", 1), ("updated_at", -1), ("_id", -1)]),
        index([("user_id", 1), ("event_record_id", 1)]),
        index("expires_at"),
    ),
    content(
        "sync_jobs",
        "Sync jobs of the user's connections: each page's records commit with the job's "
        "progress and cursor in one transaction, so jobs live beside the records.",
        index(NEWEST_FIRST),
        index([("connection_id", 1), ("created_at", -1), ("_id", -1)]),
        index([("status", 1), ("not_before", 1)]),
        index([("status", 1), ("lease_until", 1)]),
        role=CollectionRole.INFRASTRUCTURE,
        required=("connection_id", "created_at"),
    ),
    content(
        "sync_states",
        "Each connection's saved cursor and active job, released in the job's last "
        "transaction with the records.",
        index("user_id"),
        role=CollectionRole.INFRASTRUCTURE,
    ),
)

INTEGRATIONS_MAIN_ONLY = (
    MainOnlyCollection(
        "vault_entries",
        SERVICE,
        "Connections' secrets (OAuth tokens, app passwords) sealed with wrapped data keys: "
        "users' secrets stay on the main stores.",
    ),
    MainOnlyCollection(
        "connections",
        SERVICE,
        "The account links whose secrets are in the vault; the service must read them to "
        "schedule, stop or revoke syncs even when the user's database is unreachable, and "
        "no transaction writes them with synced records.",
    ),
    MainOnlyCollection(
        "oauth_states",
        SERVICE,
        "OAuth authorization states living minutes (TTL): a login in progress, not content.",
    ),
    MainOnlyCollection(
        "sync_watches",
        SERVICE,
        "Which replica holds a connection's push wait: leases of the service's replicas.",
    ),
    MainOnlyCollection(
        "briefing_jobs",
        SERVICE,
        "The lease of the daily summary pass: no user data.",
    ),
    MainOnlyCollection(
        "relationship_sweeps",
        SERVICE,
        "Claims of the daily relationship sweep (TTL): no user data.",
    ),
)

INTEGRATIONS = ServiceSchema(
    service=SERVICE,
    collections=(*INTEGRATIONS_COLLECTIONS, *delivery_collections(SERVICE)),
    main_only=(*INTEGRATIONS_MAIN_ONLY, *delivery_main_only(SERVICE)),
)
