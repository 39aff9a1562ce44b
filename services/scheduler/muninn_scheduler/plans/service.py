"""From conversation to plans: a user message that asks for a reminder or mentions an
appointment becomes a reminder or an experience, one about money spent becomes an expense,
one about a list changes it (``records``), and the assistant says so in the conversation.
Questions about spending and lists are answered there from the records.

Undo: replying "undo" (or "cancel that", "never mind", "scratch that") in the same
conversation within ``undo_window`` takes back the most recent change made there and
confirms it; what was made can also be changed or deleted through the API at any time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from muninn_shared.events import new_event
from muninn_shared.events.payloads import MessageEvent, SchedulerProactive
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from muninn_shared.storage.outbox import Outbox
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.experiences.models import ExperienceIn
from muninn_scheduler.experiences.service import ExperienceService
from muninn_scheduler.language.extract import Understanding
from muninn_scheduler.language.plans import Plan, PlanKind, is_undo
from muninn_scheduler.plans.records import RECORD_KINDS, ConversationRecords
from muninn_scheduler.plans.store import PlanStore
from muninn_scheduler.profiles.service import ProfileService
from muninn_scheduler.reminders.models import ReminderIn, ReminderSource
from muninn_scheduler.reminders.service import ReminderService

log = get_logger(__name__)

SOURCE = "scheduler"
CONFIRMED = "plan_confirmation"
UNDONE = "plan_undone"


def when_text(local: datetime, now_local: datetime) -> str:
    clock = local.strftime("%H:%M")
    days = (local.date() - now_local.date()).days
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow ({local.strftime('%a %d %b')}) at {clock}"
    return f"on {local.strftime('%a %d %b')} at {clock}"


@dataclass(kw_only=True, eq=False, repr=False)
class PlanService:
    store: PlanStore
    reminders: ReminderService
    experiences: ExperienceService
    profiles: ProfileService
    understanding: Understanding
    outbox: Outbox
    clock: Clock
    records: ConversationRecords | None = None
    enabled: bool = True
    undo_window: timedelta = timedelta(hours=24)

    async def on_user_message(self, message: MessageEvent, session: AsyncClientSession) -> None:
        text = message.content.strip()
        if not text:
            return
        if is_undo(text):
            await self._undo(message, session)
            return
        if await self.experiences.take_reply(
            message.user_id,
            message.conversation_id,
            message.message_id,
            text,
            message.created_at,
            session,
        ):
            return
        if not self.enabled or await self.store.for_message(
            message.user_id, message.message_id, session
        ):
            return
        profile = await self.profiles.get(message.user_id, session)
        if self.records is not None:
            reply, extractor = await self.records.reply_to(message, profile, session)
            if reply is not None:
                if reply.undo is not None:
                    await self.store.insert(
                        {
                            "_id": uuid.uuid4().hex,
                            "user_id": message.user_id,
                            "conversation_id": message.conversation_id,
                            "message_id": message.message_id,
                            "kind": reply.undo.kind,
                            "ref_id": reply.undo.ref_id,
                            "title": reply.undo.title,
                            "undo": reply.undo.data,
                            "timezone": profile.timezone,
                            "extractor": extractor,
                            "created_at": self.clock.now(),
                            "undone_at": None,
                        },
                        session,
                    )
                await self._say(message, reply.kind, reply.text, reply.reference_id, session)
                return
        zone = profile.zone()
        now_local = message.created_at.astimezone(zone).replace(tzinfo=None)
        plan, extractor = await self.understanding.plan(text, now_local, profile.timezone)
        if plan is None:
            return
        try:
            ref_id, confirmation = await self._create(plan, message, profile.timezone, session)
        except ProblemError as exc:
            log.info("plan not created", reason=exc.detail, user_id=message.user_id)
            return
        await self.store.insert(
            {
                "_id": uuid.uuid4().hex,
                "user_id": message.user_id,
                "conversation_id": message.conversation_id,
                "message_id": message.message_id,
                "kind": plan.kind.value,
                "ref_id": ref_id,
                "title": plan.title,
                "local_time": plan.local.isoformat(),
                "timezone": profile.timezone,
                "extractor": extractor,
                "created_at": self.clock.now(),
                "undone_at": None,
            },
            session,
        )
        await self._say(message, CONFIRMED, confirmation, ref_id, session)

    async def _create(
        self, plan: Plan, message: MessageEvent, timezone: str, session: AsyncClientSession
    ) -> tuple[str, str]:
        now_local = message.created_at.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
        when = when_text(plan.local, now_local)
        if plan.kind == PlanKind.REMINDER:
            reminder = await self.reminders.create(
                message.user_id,
                ReminderIn(
                    title=plan.title,
                    local_time=plan.local,
                    timezone=timezone,
                    conversation_id=message.conversation_id,
                ),
                source=ReminderSource(
                    kind="conversation",
                    conversation_id=message.conversation_id,
                    message_id=message.message_id,
                    text=message.content[:500],
                ),
                session=session,
            )
            return reminder.id, (
                f"Okay — I'll remind you “{plan.title}” {when}. Reply “undo” to cancel it."
            )
        experience = await self.experiences.create(
            message.user_id,
            ExperienceIn(
                type=plan.experience_type,
                title=plan.title,
                provider=plan.provider,
                location=plan.location,
                local_time=plan.local,
                timezone=timezone,
                duration_minutes=plan.duration_minutes,
                conversation_id=message.conversation_id,
            ),
            created_from="conversation",
            session=session,
        )
        return experience.id, (
            f"Noted: “{plan.title}” {when}. I'll ask you how it went afterwards. "
            "Reply “undo” to remove it."
        )

    async def _undo(self, message: MessageEvent, session: AsyncClientSession) -> None:
        plan = await self.store.latest_undoable(
            message.user_id,
            message.conversation_id,
            message.created_at - self.undo_window,
            session,
        )
        if plan is None:
            return  # "never mind" about something else: nothing to say
        if plan["kind"] in RECORD_KINDS and self.records is not None:
            text = await self.records.undo(plan, message.user_id, session)
            await self.store.mark_undone(plan["_id"], self.clock.now(), session)
            await self._say(message, UNDONE, text, plan["ref_id"], session)
            return
        try:
            if plan["kind"] == PlanKind.REMINDER.value:
                await self.reminders.delete(message.user_id, plan["ref_id"], session=session)
            else:
                await self.experiences.delete(message.user_id, plan["ref_id"], session=session)
        except ProblemError:
            pass  # already deleted through the API
        await self.store.mark_undone(plan["_id"], self.clock.now(), session)
        what = "reminder" if plan["kind"] == PlanKind.REMINDER.value else "plan"
        await self._say(
            message,
            UNDONE,
            f"Okay, I've removed the {what} “{plan['title']}”.",
            plan["ref_id"],
            session,
        )

    async def _say(
        self,
        message: MessageEvent,
        kind: str,
        text: str,
        reference_id: str | None,
        session: AsyncClientSession,
    ) -> None:
        payload = SchedulerProactive(
            user_id=message.user_id,
            conversation_id=message.conversation_id,
            kind=kind,
            text=text,
            reference_id=reference_id,
        )
        await self.outbox.put(
            new_event(
                "scheduler.proactive.message", source=SOURCE, subject=message.user_id, data=payload
            ),
            session,
        )
