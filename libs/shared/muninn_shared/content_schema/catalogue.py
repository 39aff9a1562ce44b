"""Every content service's schema, by service."""

from __future__ import annotations

from collections.abc import Mapping

from muninn_shared.content_schema.conversation import CONVERSATION
from muninn_shared.content_schema.integrations import INTEGRATIONS
from muninn_shared.content_schema.memory import MEMORY
from muninn_shared.content_schema.scheduler import SCHEDULER
from muninn_shared.content_schema.specs import ContentService, ServiceSchema

SCHEMAS: Mapping[ContentService, ServiceSchema] = {
    schema.service: schema for schema in (CONVERSATION, MEMORY, SCHEDULER, INTEGRATIONS)
}


def database_name(service: ContentService, prefix: str = "muninn_") -> str:
    """The name of ``service``'s database in a user's MongoDB, as on the main one."""
    return f"{prefix}{service.value}"
