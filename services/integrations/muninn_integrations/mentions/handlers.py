"""The user's chat messages, read for what they say about their contacts."""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import MessageEvent
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.mentions.service import MentionService


def register_handlers(consumers: EventConsumers, mentions: MentionService) -> None:
    @consumers.on(
        Topic.CONVERSATION_MESSAGES, "conversation.message.created", name="integrations-mentions"
    )
    async def on_message(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Interactions, job changes and interests the user mentions (their own messages).

        Applied once per event: the consumer marks it applied in the transaction of
        ``session``, and the interactions' external ids and job changes already shown make
        a replay change nothing either."""
        message = MessageEvent.model_validate(event.data)
        if message.user_id == event.subject and message.role == "user":
            await mentions.on_message(message, session)
