"""What the scheduler hears in conversations.

One consumer takes both message events of the topic so they are seen in the order they
happened (one user's events share a partition): the follow-up question being posted
(``conversation.message.completed``) always precedes the reply to it
(``conversation.message.created``).
"""

from __future__ import annotations

from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.payloads import MessageEvent
from muninn_shared.messaging.consumer import EventConsumers
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.experiences.service import ExperienceService
from muninn_scheduler.patterns.service import PatternService
from muninn_scheduler.plans.service import PlanService


def register_handlers(
    consumers: EventConsumers,
    plans: PlanService,
    experiences: ExperienceService,
    patterns: PatternService,
) -> None:
    @consumers.on(
        Topic.CONVERSATION_MESSAGES,
        "conversation.message.created",
        "conversation.message.completed",
        name="scheduler-conversation",
    )
    async def on_message(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Plans from user messages; follow-up questions posted and the replies to them; a
        user's message as evidence of their patterns (when and how they write)."""
        message = MessageEvent.model_validate(event.data)
        if event.type == "conversation.message.completed":
            metadata = message.metadata
            reference = metadata.get("reference_id")
            if (
                message.role == "assistant"
                and metadata.get("proactive_type") == "follow_up"
                and isinstance(reference, str)
            ):
                await experiences.follow_up_posted(
                    message.user_id, reference, message.conversation_id, message.created_at, session
                )
            return
        if message.role == "user":
            await patterns.on_user_message(message, session)
            await plans.on_user_message(message, session)
