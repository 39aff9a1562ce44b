"""The model calls the other services make for a user, kept as that user's usage records.

Each service announces its own calls on its own topic (its Kafka user writes only those);
one handler keeps them all. A record is kept once per call id, so a redelivered event (or
one replayed after a crash between the insert and the applied-event marker) adds nothing.
"""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import ModelCallRecorded
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.usage.service import UsageService


def register_handlers(consumers: EventConsumers, usage: UsageService) -> None:
    async def on_call(event: EventEnvelope, session: AsyncClientSession) -> None:
        call = ModelCallRecorded.model_validate(event.data)
        await usage.record_call(call, session)

    consumers.on(Topic.MEMORY_MODEL_CALLS, "memory.model_call.recorded", name="usage-memory-calls")(
        on_call
    )
    consumers.on(
        Topic.SCHEDULER_MODEL_CALLS, "scheduler.model_call.recorded", name="usage-scheduler-calls"
    )(on_call)
    consumers.on(
        Topic.INTEGRATIONS_MODEL_CALLS,
        "integrations.model_call.recorded",
        name="usage-integrations-calls",
    )(on_call)
