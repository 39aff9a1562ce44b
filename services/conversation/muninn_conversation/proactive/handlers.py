"""Proactive messages from the scheduler (reminders, follow-ups, nudges) become assistant messages."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import SchedulerProactive
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.messages.service import MessageService


def register_handlers(consumers: EventConsumers, messages: MessageService) -> None:
    @consumers.on(
        Topic.SCHEDULER_PROACTIVE, "scheduler.proactive.message", name="conversation-proactive"
    )
    async def on_proactive(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Post the scheduler's message into the user's conversation, exactly once."""
        proactive = SchedulerProactive.model_validate(event.data)
        await messages.post_proactive(
            user_id=proactive.user_id,
            conversation_id=proactive.conversation_id,
            kind=proactive.kind,
            text=proactive.text,
            reference_id=proactive.reference_id,
            session=session,
        )
