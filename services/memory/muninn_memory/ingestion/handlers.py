"""Conversation messages and synced calendar events and e-mails become ingestion jobs.

The job is inserted in the transaction that marks the event applied, so a message is queued
exactly once however often Kafka delivers it, and is never lost once its offset moves on.
"""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import IntegrationRecord, MessageEvent
from muninn_shared.logging import get_logger
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.ingestion.records import record_memory
from muninn_memory.ingestion.service import IngestionService
from muninn_memory.profiles.service import ProfileService

log = get_logger(__name__)


def install_message_consumer(
    consumers: EventConsumers, ingestion: IngestionService, profiles: ProfileService
) -> None:
    @consumers.on(
        Topic.CONVERSATION_MESSAGES,
        "conversation.message.created",
        "conversation.message.completed",
        name="memory-ingestion",
    )
    async def on_message(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Queue a conversation message for memory ingestion (user messages; replies if configured)."""
        message = MessageEvent.model_validate(event.data)
        if message.user_id != event.subject or not ingestion.accepts(message):
            return
        # A user who turned long-term memory off is not remembered from conversations.
        if not (await profiles.get(message.user_id, session)).long_term_memory:
            return
        await ingestion.admit()
        if not await ingestion.enqueue_event(event, message, session):
            log.info("message already queued", event_id=str(event.id))


def install_record_consumer(
    consumers: EventConsumers, ingestion: IngestionService, profiles: ProfileService
) -> None:
    @consumers.on(Topic.INTEGRATIONS_RECORDS, "integrations.record.synced", name="memory-records")
    async def on_record(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Remember a synced meeting or e-mail (contacts and deletions are not memories)."""
        record = IntegrationRecord.model_validate(event.data)
        if record.user_id != event.subject:
            return
        memory = record_memory(record)
        if memory is None or not (await profiles.get(record.user_id, session)).long_term_memory:
            return
        await ingestion.admit()
        if not await ingestion.enqueue_record(event, memory, record.user_id, session):
            log.info("record already queued", event_id=str(event.id))
