"""Every content service's schema, by service, and the whole of a user's database."""

from __future__ import annotations

from collections.abc import Mapping

from muninn_shared.content_schema.conversation import CONVERSATION
from muninn_shared.content_schema.integrations import INTEGRATIONS
from muninn_shared.content_schema.memory import MEMORY
from muninn_shared.content_schema.scheduler import SCHEDULER
from muninn_shared.content_schema.specs import CollectionSpec, ContentService, ServiceSchema

SCHEMAS: Mapping[ContentService, ServiceSchema] = {
    schema.service: schema for schema in (CONVERSATION, MEMORY, SCHEDULER, INTEGRATIONS)
}


def user_database_collections() -> tuple[CollectionSpec, ...]:
    """Every collection a user's database holds, each service's in turn."""
    return tuple(spec for schema in SCHEMAS.values() for spec in schema.collections)
