"""Calendar events synced by the integrations service, planned for by the scheduler."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import IntegrationRecord
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.calendar_events.service import CalendarFollowUps


def register_handlers(consumers: EventConsumers, follow_ups: CalendarFollowUps) -> None:
    @consumers.on(
        Topic.INTEGRATIONS_RECORDS, "integrations.record.synced", name="scheduler-calendar"
    )
    async def on_record(event: EventEnvelope, session: AsyncClientSession) -> None:
        record = IntegrationRecord.model_validate(event.data)
        if record.user_id == event.subject:
            await follow_ups.on_record(record, session)
