"""The version of the content schema a user's databases are provisioned with, and its history.

A change to any collection, validator or index of the package is a new version: its specs
carry ``since`` so :func:`~muninn_shared.content_schema.deploy.deploy` can provision any
version up to this one, and a database provisioned by newer code is refused by older code.

Adding version N: raise ``SCHEMA_VERSION`` to N and add its line here; give every new
collection or index ``since=N``; if documents must change (a field renamed, a backfill), add
``Migration(N, "...", steps=(...))`` to ``MIGRATIONS`` in
:mod:`~muninn_shared.content_schema.migrations`. Ship the services reading both shapes and
writing the new one first: byod's migration pass then takes every registered database to N
in the background (``docs/byod-schema.md``, Migrations).
"""

from __future__ import annotations

from collections.abc import Mapping

SCHEMA_VERSION = 2

CHANGELOG: Mapping[int, str] = {
    1: (
        "Initial content schema: the content collections of conversation, memory, scheduler "
        "and integrations in the user's database, with $jsonSchema validators (moderate) and "
        "the indexes those services create on the main MongoDB; each service's outbox, its "
        "dead letters and lease, and applied-event markers, prefixed with the service; "
        "memory's vector collection (dense + sparse, cosine) and its payload indexes for the "
        "user's Qdrant."
    ),
    2: (
        "Memory: summaries are searchable, so memory_summaries carry the state of their vector "
        "(index on index_state, updated_at; a summary without one is indexed by the sweep); "
        "entity_history keeps the user's corrections of entities; memory_relations the "
        "relations between memories the user made or removed. "
        "Scheduler: expenses (amounts as Decimal128, by day and by category), the user's own "
        "expense category keywords, lists with their items and memberships (shared lists); "
        "activity (what user patterns are learned from, with a TTL) and user_patterns. "
        "Conversation: usage_calls, one record per model call made for the user."
    ),
}
