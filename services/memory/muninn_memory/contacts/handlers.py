"""Contacts, interactions and contact memories from integrations become memories."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import IntegrationRecord
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.contacts.service import ContactMemories
from muninn_memory.profiles.service import ProfileService

RECORD_TYPES = frozenset({"contact", "interaction", "contact_memory"})


def install_contact_consumer(
    consumers: EventConsumers, contacts: ContactMemories, profiles: ProfileService
) -> None:
    @consumers.on(Topic.INTEGRATIONS_RECORDS, "integrations.record.synced", name="memory-contacts")
    async def on_record(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Per-contact memories, contact cards and entity links, in the event's transaction."""
        record = IntegrationRecord.model_validate(event.data)
        if record.user_id != event.subject or record.record_type not in RECORD_TYPES:
            return
        remember = (await profiles.get(record.user_id, session)).long_term_memory
        await contacts.on_record(record, session, remember=remember)
