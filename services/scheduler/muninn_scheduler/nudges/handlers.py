"""Contacts and interactions from the integrations service feed the nudges projection."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import IntegrationRecord
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.nudges.service import NudgeService


def register_handlers(consumers: EventConsumers, nudges: NudgeService) -> None:
    @consumers.on(Topic.INTEGRATIONS_RECORDS, "integrations.record.synced", name="scheduler-nudges")
    async def on_record(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Keep contacts (birthdays) and interactions (rhythm) for nudges."""
        await nudges.on_record(IntegrationRecord.model_validate(event.data), session)
