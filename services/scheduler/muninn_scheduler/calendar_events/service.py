"""Synced calendar events become reminders before them, and appointments become experiences.

A future, timed, one-off event gets a reminder the user's lead time before it (their
``event_reminder_minutes`` preference; none when they turned it off). An event whose title
reads as an appointment (a dentist, a haircut, dinner at a restaurant) also becomes an
experience, so Muninn asks how it went afterwards. A moved event moves both; a cancelled or
deleted one removes what has not happened yet. Recurring and all-day events get neither.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.events.payloads import IntegrationRecord
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.calendar_events.models import CalendarLink
from muninn_scheduler.calendar_events.store import CalendarLinkStore
from muninn_scheduler.clock import Clock
from muninn_scheduler.experiences.models import ExperienceIn, ExperienceStatus
from muninn_scheduler.experiences.service import ExperienceService
from muninn_scheduler.language.plans import appointment_type, provider_of
from muninn_scheduler.profiles.service import ProfileService
from muninn_scheduler.reminders.models import ReminderIn, ReminderSource
from muninn_scheduler.reminders.service import ReminderService

log = get_logger(__name__)
MAX_DURATION_MINUTES = 24 * 60


def text(value: object, limit: int) -> str | None:
    cleaned = " ".join(value.split())[:limit] if isinstance(value, str) else ""
    return cleaned or None


class CalendarFollowUps:
    def __init__(
        self,
        *,
        store: CalendarLinkStore,
        reminders: ReminderService,
        experiences: ExperienceService,
        profiles: ProfileService,
        clock: Clock,
    ) -> None:
        self._store = store
        self._reminders = reminders
        self._experiences = experiences
        self._profiles = profiles
        self._clock = clock

    async def on_record(self, record: IntegrationRecord, session: AsyncClientSession) -> None:
        if record.record_type != "calendar_event":
            return
        data: dict[str, Any] = record.data
        link = await self._store.get(record.user_id, record.record_id, session)
        title = text(data.get("title"), 200)
        start = record.moment("start")
        now = self._clock.now()
        plannable = (
            data.get("action") != "deleted"
            and data.get("status") != "cancelled"
            and not data.get("all_day")
            and not data.get("recurring")
            and title is not None
            and start is not None
            and start > now
        )
        if link is not None and plannable and (link.title, link.starts_at) == (title, start):
            return  # changed in a way that moves nothing (a description, an attendee's answer)
        if link is not None:
            await self._undo(link, session)
            await self._store.delete(record.user_id, record.record_id, session)
        if not plannable or title is None or start is None:
            return
        reminder_id = await self._remind(record, title, start, now, session)
        experience_id = await self._experience(record, title, start, session)
        if reminder_id is None and experience_id is None:
            return
        await self._store.save(
            CalendarLink(
                user_id=record.user_id,
                record_id=record.record_id,
                title=title,
                starts_at=start,
                reminder_id=reminder_id,
                experience_id=experience_id,
            ),
            session,
        )

    async def _remind(
        self,
        record: IntegrationRecord,
        title: str,
        start: datetime,
        now: datetime,
        session: AsyncClientSession,
    ) -> str | None:
        lead = (await self._profiles.get(record.user_id, session)).event_reminder_minutes
        if lead is None or start - timedelta(minutes=lead) <= now:
            return None
        location = text(record.data.get("location"), 300)
        reminder = await self._reminders.create(
            record.user_id,
            ReminderIn(
                title=title,
                notes=f"At {location}" if location else None,
                due_at=start - timedelta(minutes=lead),
            ),
            source=ReminderSource(kind="calendar", text=record.record_id),
            session=session,
        )
        return reminder.id

    async def _experience(
        self, record: IntegrationRecord, title: str, start: datetime, session: AsyncClientSession
    ) -> str | None:
        kind = appointment_type(title)
        if kind is None:
            return None
        provider, place = provider_of(title, kind)
        end = record.moment("end")
        minutes = int((end - start).total_seconds() // 60) if end is not None else 60
        experience = await self._experiences.create(
            record.user_id,
            ExperienceIn(
                type=kind,
                title=title,
                provider=provider,
                location=text(record.data.get("location"), 300) or place,
                scheduled_at=start,
                duration_minutes=max(1, min(minutes, MAX_DURATION_MINUTES)),
            ),
            created_from="calendar",
            session=session,
        )
        return experience.id

    async def _undo(self, link: CalendarLink, session: AsyncClientSession) -> None:
        """Remove what was planned for the event's old time, unless it already happened."""
        if link.reminder_id is not None:
            with suppress(ProblemError):  # the user deleted it already
                await self._reminders.delete(link.user_id, link.reminder_id, session=session)
        if link.experience_id is not None:
            try:
                experience = await self._experiences.get(link.user_id, link.experience_id)
            except ProblemError:
                return
            if experience.status is ExperienceStatus.SCHEDULED and experience.review is None:
                await self._experiences.delete(link.user_id, link.experience_id, session=session)
