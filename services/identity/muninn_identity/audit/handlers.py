"""Kafka: changes other services recorded (integrations' contacts, interactions and
connections) join the user's audit log."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import AuditChangeRecorded
from muninn_shared.logging import get_logger
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.audit.service import AuditLog
from muninn_identity.users.service import UserService

log = get_logger(__name__)


def register_handlers(consumers: EventConsumers, audit: AuditLog, users: UserService) -> None:
    # An entry applied after its user's erasure finished is removed again.
    consumers.on_late_erasure(audit.forget_user)

    @consumers.on(Topic.INTEGRATIONS_AUDIT, "integrations.audit.recorded", name="audit-changes")
    async def on_change_recorded(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Keep the change in the user's audit log, once; nothing for an account that is gone
        or being erased (an erased user is not brought back by a late entry)."""
        change = AuditChangeRecorded.model_validate(event.data)
        if not await users.is_active(change.user_id):
            log.info(
                "audit entry of an unknown or erased user skipped",
                entry_id=change.entry_id,
                user_id=change.user_id,
            )
            return
        await audit.record_change(change, session)
