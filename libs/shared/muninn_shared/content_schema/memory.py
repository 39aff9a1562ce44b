"""The memory service's collections in a user's database (``muninn_memory``).

Its vectors go to the user's Qdrant: see :mod:`muninn_shared.content_schema.vectors`.
"""

from __future__ import annotations

from typing import Any

from muninn_shared.content_schema.infrastructure import delivery_collections, delivery_main_only
from muninn_shared.content_schema.specs import (
    CollectionSpec,
    ContentService,
    IndexSpec,
    MainOnlyCollection,
    ServiceSchema,
    collection,
    index,
)

SERVICE = ContentService.MEMORY
# Memories, chunks and summaries are swept for vectors still to be (re)indexed.
AWAITING_INDEX = [("index_state", 1), ("updated_at", 1)]


def content(name: str, holds: str, *indexes: IndexSpec, **options: Any) -> CollectionSpec:
    return collection(SERVICE, name, holds, *indexes, **options)


MEMORY_COLLECTIONS = (
    content(
        "memories",
        "Memory records (facts, episodes, preferences…) with status, lineage, provenance, "
        "entities, contacts, importance and the state of their vectors.",
        index([("user_id", 1), ("status", 1), ("occurred_at", -1), ("_id", -1)]),
        index([("user_id", 1), ("lineage_id", 1)]),
        index([("user_id", 1), ("slot", 1), ("status", 1)]),
        index([("user_id", 1), ("normalized", 1), ("status", 1)]),
        index([("user_id", 1), ("entity_ids", 1)]),
        index([("user_id", 1), ("contact_ids", 1)]),
        index([("user_id", 1), ("provenance.job_id", 1)]),
        index([("user_id", 1), ("provenance.message_ids", 1)]),
        index([("user_id", 1), ("metadata.record_id", 1)]),
        index("expires_at", sparse=True),
        index(AWAITING_INDEX),
        required=("content", "status", "lineage_id", "created_at", "updated_at"),
    ),
    content(
        "memory_history",
        "Every change of a memory (added, updated, superseded, deleted), by memory and lineage.",
        index([("user_id", 1), ("memory_id", 1), ("at", 1)]),
        index([("user_id", 1), ("lineage_id", 1), ("at", 1)]),
        required=("memory_id", "at", "operation"),
    ),
    content(
        "entities",
        "People, places and things the memories mention, with keys, roles and contact links.",
        index([("user_id", 1), ("keys", 1)]),
        index([("user_id", 1), ("roles", 1)]),
        index([("user_id", 1), ("contact_ids", 1)]),
        index([("user_id", 1), ("emails", 1)]),
        index([("user_id", 1), ("phones", 1)]),
        index([("user_id", 1), ("last_mentioned_at", -1), ("_id", -1)]),
        required=("created_at", "updated_at"),
    ),
    content(
        "entity_relationships",
        "Typed relationships between the user's entities.",
        index(
            [("user_id", 1), ("source_id", 1), ("target_id", 1), ("relationship", 1)],
            unique=True,
        ),
        index([("user_id", 1), ("target_id", 1)]),
        required=("source_id", "target_id", "relationship"),
    ),
    content(
        "entity_history",
        "The user's corrections of entities (edit, merge, split, delete) with before and after; "
        "a deletion keeps the entity's keys so older messages do not make it again.",
        index([("user_id", 1), ("entity_id", 1), ("at", 1)], since=2),
        index([("user_id", 1), ("keys", 1)], since=2),
        required=("entity_id", "at", "operation"),
        since=2,
    ),
    content(
        "memory_relations",
        "Typed relations between two of the user's memories that the user made (related, "
        "contradicts, updates, follows_from, supports, part_of; strength, reason), and the "
        "inferred ones the user removed (dismissed: true).",
        index([("user_id", 1), ("memory_id", 1)], since=2),
        index([("user_id", 1), ("related_memory_id", 1)], since=2),
        required=("memory_id", "related_memory_id", "type", "created_at"),
        since=2,
    ),
    content(
        "documents",
        "Documents the user gave memory (name, type, size, status).",
        index([("user_id", 1), ("created_at", -1), ("_id", -1)]),
        required=("created_at",),
    ),
    content(
        "document_chunks",
        "A document's text in chunks, each with the state of its vector.",
        index([("user_id", 1), ("document_id", 1), ("index", 1)]),
        index(AWAITING_INDEX),
        required=("document_id", "index", "created_at"),
    ),
    content(
        "memory_summaries",
        "Week, month, quarter and year summaries of the user's memories (a quarter built from "
        "its months, a year from its quarters), each with the state of its vector.",
        index([("user_id", 1), ("period", 1), ("start", 1)], unique=True),
        index([("user_id", 1), ("start", -1), ("_id", -1)]),
        index(AWAITING_INDEX, since=2),
        required=("period", "start", "created_at"),
    ),
    content(
        "contact_record_links",
        "Which synced records (mail, events, cards) concern which of the user's contacts.",
        index([("user_id", 1), ("contact_ids", 1)]),
        required=("record_id", "contact_ids", "updated_at"),
    ),
    content(
        "ingestion_jobs",
        "Messages and records queued for extraction; a job's outcome commits in the same "
        "transaction as the memories it writes, so the queue lives beside them.",
        index(
            "user_id",
            name="one_processing_job_per_user",
            unique=True,
            partial_filter={"status": "processing"},
        ),
        index([("status", 1), ("turn", 1), ("_id", 1)]),
        index([("status", 1), ("enqueued_at", 1), ("_id", 1)]),
        index([("user_id", 1), ("status", 1), ("turn", -1)]),
        index([("user_id", 1), ("created_at", 1)]),
        required=("status", "turn", "created_at", "enqueued_at"),
    ),
)

MEMORY_MAIN_ONLY = (
    MainOnlyCollection(
        "memory_profiles",
        SERVICE,
        "A copy of the user's identity preferences (retention period) that the retention "
        "sweep reads across users; identity is its source, so it is app data.",
    ),
    MainOnlyCollection(
        "memory_job_leases",
        SERVICE,
        "Which replica runs a periodic job (retention, summaries): the service's own machinery.",
    ),
)

MEMORY = ServiceSchema(
    service=SERVICE,
    collections=(*MEMORY_COLLECTIONS, *delivery_collections(SERVICE)),
    main_only=(*MEMORY_MAIN_ONLY, *delivery_main_only(SERVICE)),
)
