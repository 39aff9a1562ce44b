"""Kafka: collect each service's erasure confirmation."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import ErasureCompleted
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.privacy.service import PrivacyService


def register_handlers(consumers: EventConsumers, privacy: PrivacyService) -> None:
    @consumers.on(
        Topic.ERASURE_CONFIRMATIONS, "privacy.erasure.completed", name="erasure-confirmations"
    )
    async def on_erasure_completed(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Record a service's confirmation; finalise the erasure when all have confirmed."""
        await privacy.confirm(ErasureCompleted.model_validate(event.data), session)
