"""Experiences: scheduled appointments and outings, the follow-up after them, and the review
made of the person's reply.

The follow-up is a timer at the experience's end plus a delay; when it fires, a ``follow_up``
notification goes out through the normal delivery policy (quiet hours, rate limits) and
arrives as an assistant message in the conversation. The conversation service tells us which
conversation that was (``conversation.message.completed`` with our ``reference_id``); the
person's next message there, within a window, is the reply we turn into a review.

A follow-up may wait for quiet hours or the rate limit to pass. When its question no longer
needs asking it is withdrawn in the transaction of that change: one still waiting is
cancelled with its delivery timer and never arrives; one delivered and unread becomes
``acted_upon`` once the experience is reviewed (the question was answered), and
``dismissed`` when the experience is deleted, cancelled or marked missed (nothing to ask
about any more).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from muninn_shared.contexts import Context
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import Document, in_transaction
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.documents import owner_query
from muninn_scheduler.experiences.models import (
    Experience,
    ExperienceIn,
    ExperiencePage,
    ExperiencePatch,
    ExperienceStatus,
    NaturalReview,
)
from muninn_scheduler.experiences.store import ExperienceStore, experience_from_doc
from muninn_scheduler.feature import ById, DueBatch, FeatureDeps, TimedFeature
from muninn_scheduler.language.extract import Understanding
from muninn_scheduler.language.reviews import summary
from muninn_scheduler.notifications.models import NotificationStatus
from muninn_scheduler.notifications.service import NotificationSpec
from muninn_scheduler.providers.models import provider_key
from muninn_scheduler.providers.service import ProviderRatings
from muninn_scheduler.reminders.recurrence import localize
from muninn_scheduler.schema import PageQuery
from muninn_scheduler.timers.models import Misfire, new_timer
from muninn_scheduler.timers.wheel import FireContext, Outcome

FOLLOW_UP = "experience.follow_up"
ENDED = (ExperienceStatus.CANCELLED.value, ExperienceStatus.NO_SHOW.value)
VENUES = {"restaurant", "event", "spa", "hair_salon", "hotel", "bar", "cafe"}
NOTICE = "follow_up"  # the kind of notification the follow-up timer sends
REF_KIND = "experience"


class ExperienceChange(StrEnum):
    """What happened to an experience that makes its follow-up question pointless."""

    REVIEWED = "experience_reviewed"
    ENDED = "experience_cancelled"  # cancelled or missed
    DELETED = "experience_deleted"

    @property
    def unread_becomes(self) -> NotificationStatus:
        """A review answers the question; otherwise there is nothing left to ask about."""
        if self is ExperienceChange.REVIEWED:
            return NotificationStatus.ACTED_UPON
        return NotificationStatus.DISMISSED


def change_of(before: Mapping[str, Any], after: Mapping[str, Any]) -> ExperienceChange | None:
    """What an edit turning ``before`` into ``after`` means for its follow-up question."""
    if after["status"] in ENDED and before["status"] not in ENDED:
        return ExperienceChange.ENDED
    return None


def follow_up_question(doc: dict[str, Any]) -> str:
    provider = doc.get("provider")
    if provider and doc["type"] in VENUES:
        return f"How was your visit to {provider}?"
    if provider:
        return f"How was your appointment with {provider}?"
    return f"How did “{doc['title']}” go?"


class ExperienceService(TimedFeature[ExperienceStore]):
    timer_kind = FOLLOW_UP

    def __init__(
        self,
        deps: FeatureDeps,
        store: ExperienceStore,
        *,
        providers: ProviderRatings,
        understanding: Understanding,
        follow_up_delay_minutes: int = 60,
        reply_window: timedelta = timedelta(hours=72),
    ) -> None:
        super().__init__(deps, store)
        self._providers = providers
        self._understanding = understanding
        self._delay = follow_up_delay_minutes
        self._reply_window = reply_window

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _start(scheduled_at: datetime | None, local_time: datetime | None, zone: str) -> datetime:
        if scheduled_at is not None:
            return scheduled_at.astimezone(UTC)
        assert local_time is not None
        return localize(local_time.replace(microsecond=0), ZoneInfo(zone)).astimezone(UTC)

    def _follow_up_at(self, doc: dict[str, Any]) -> datetime | None:
        if not doc["follow_up"] or doc["status"] in ENDED or doc.get("follow_up_sent_at"):
            return None
        delay = doc.get("follow_up_delay_minutes")
        at: datetime = doc["ends_at"] + timedelta(minutes=self._delay if delay is None else delay)
        return max(at, self._clock.now())

    async def create(
        self,
        user_id: str,
        body: ExperienceIn,
        *,
        created_from: str = "manual",
        session: AsyncClientSession | None = None,
    ) -> Experience:
        timezone = body.timezone or (await self._profiles.get(user_id, session)).timezone
        start = self._start(body.scheduled_at, body.local_time, timezone)
        now = self._clock.now()
        doc: dict[str, Any] = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "type": body.type,
            "title": body.title,
            "description": body.description,
            "provider": body.provider,
            "provider_key": provider_key(body.provider) if body.provider else None,
            "location": body.location,
            "scheduled_at": start,
            "ends_at": start + timedelta(minutes=body.duration_minutes),
            "duration_minutes": body.duration_minutes,
            "timezone": timezone,
            "status": ExperienceStatus.SCHEDULED.value,
            "context": body.context.value,
            "completed_at": None,
            "follow_up": body.follow_up,
            "follow_up_delay_minutes": body.follow_up_delay_minutes,
            "follow_up_sent_at": None,
            "follow_up_attempts": 0,
            "follow_up_conversation_id": None,
            "follow_up_posted_at": None,
            "awaiting_review": False,
            "review": None,
            "conversation_id": body.conversation_id,
            "created_from": created_from,
            "created_at": now,
            "updated_at": now,
        }
        doc["follow_up_at"] = self._follow_up_at(doc)

        async def work(tx: AsyncClientSession) -> None:
            await self._store.insert(doc, tx)
            await self._arm(doc, tx)

        await self._write(work, session)
        return experience_from_doc(doc)

    async def _arm(self, doc: dict[str, Any], session: AsyncClientSession) -> None:
        await self._timers.cancel_for(FOLLOW_UP, doc["_id"], session)
        if doc.get("follow_up_at") is None:
            return
        await self._timers.add(
            new_timer(
                user_id=doc["user_id"],
                kind=FOLLOW_UP,
                due_at=doc["follow_up_at"],
                ref_id=doc["_id"],
                misfire=Misfire.FIRE_LATE,
                misfire_grace_seconds=7 * 24 * 3600,
                now=self._clock.now(),
            ),
            session,
        )

    async def update(self, user_id: str, experience_id: str, body: ExperiencePatch) -> Experience:
        doc = await self._store.owned(user_id, experience_id)
        changes: dict[str, Any] = {}
        simple = (
            "type",
            "title",
            "description",
            "location",
            "duration_minutes",
            "follow_up",
            "follow_up_delay_minutes",
            "conversation_id",
        )
        for name in simple:
            if name in body.model_fields_set:
                changes[name] = getattr(body, name)
        for name in ("status", "context"):
            if name in body.model_fields_set:
                changes[name] = getattr(body, name).value
        if "provider" in body.model_fields_set:
            changes["provider"] = body.provider
            changes["provider_key"] = provider_key(body.provider) if body.provider else None
        timezone = body.timezone or doc["timezone"]
        if body.scheduled_at is not None or body.local_time is not None:
            changes["scheduled_at"] = self._start(body.scheduled_at, body.local_time, timezone)
        if "timezone" in body.model_fields_set:
            changes["timezone"] = timezone
        merged = {**doc, **changes}
        changes["ends_at"] = merged["scheduled_at"] + timedelta(minutes=merged["duration_minutes"])
        if changes.get("status") == ExperienceStatus.COMPLETED.value and not doc["completed_at"]:
            changes["completed_at"] = self._clock.now()
        changes["follow_up_at"] = self._follow_up_at({**merged, **changes})
        changes["updated_at"] = self._clock.now()
        old_key = doc.get("provider_key")

        async def work(session: AsyncClientSession) -> dict[str, Any] | None:
            updated = await self._store.update(experience_id, changes, session)
            if updated is None:
                return None
            await self._arm(updated, session)
            change = change_of(doc, updated)
            if change is not None:
                await self._withdraw_follow_up(user_id, experience_id, change, session)
            for key in {old_key, updated.get("provider_key")} - {None}:
                await self._rate_provider(user_id, str(key), session)
            return updated

        updated = await in_transaction(self._client, work)
        self._poke()
        return experience_from_doc(updated or doc)

    async def delete(
        self, user_id: str, experience_id: str, *, session: AsyncClientSession | None = None
    ) -> None:
        doc = await self._store.owned(user_id, experience_id, session)

        async def work(tx: AsyncClientSession) -> None:
            await self._delete_timed(experience_id, tx)
            await self._withdraw_follow_up(user_id, experience_id, ExperienceChange.DELETED, tx)
            if doc.get("provider_key"):
                await self._rate_provider(user_id, doc["provider_key"], tx)

        await self._write(work, session)

    async def _withdraw_follow_up(
        self,
        user_id: str,
        experience_id: str,
        change: ExperienceChange,
        session: AsyncClientSession,
    ) -> None:
        await self._notifications.withdraw_about(
            user_id,
            NOTICE,
            REF_KIND,
            experience_id,
            change.value,
            session,
            unread_becomes=change.unread_becomes,
        )

    # -- reviews -----------------------------------------------------------------------------

    async def review(self, user_id: str, experience_id: str, text: str) -> Experience:
        doc = await self._store.owned(user_id, experience_id)
        if doc["status"] in ENDED:
            raise ProblemError(
                409, "A cancelled or missed experience cannot be reviewed.", code="not-reviewable"
            )

        async def work(session: AsyncClientSession) -> dict[str, Any] | None:
            return await self._save_review(doc, text, session, conversation_id=None)

        updated = await in_transaction(self._client, work)
        return experience_from_doc(updated or doc)

    async def _save_review(
        self,
        doc: dict[str, Any],
        text: str,
        session: AsyncClientSession,
        *,
        conversation_id: str | None,
        message_id: str | None = None,
    ) -> dict[str, Any] | None:
        about = f"{doc['title']}" + (f" with {doc['provider']}" if doc.get("provider") else "")
        insights, extractor = await self._understanding.review(text, about)
        now = self._clock.now()
        review = NaturalReview(
            user_response=text,
            extracted_insights=insights,
            generated_review=summary(insights, doc.get("provider")),
            conversation_id=conversation_id,
            message_id=message_id,
            source="conversation" if conversation_id else "api",
            extractor=extractor,
            timestamp=now,
        )
        changes: dict[str, Any] = {
            "review": review.model_dump(mode="python"),
            "awaiting_review": False,
            "updated_at": now,
        }
        if doc["status"] in (ExperienceStatus.SCHEDULED.value, ExperienceStatus.IN_PROGRESS.value):
            changes["status"] = ExperienceStatus.COMPLETED.value
            changes["completed_at"] = now
        updated = await self._store.update(doc["_id"], changes, session)
        await self._withdraw_follow_up(
            doc["user_id"], doc["_id"], ExperienceChange.REVIEWED, session
        )
        if doc.get("provider_key"):
            await self._rate_provider(doc["user_id"], doc["provider_key"], session)
        return updated

    async def _rate_provider(self, user_id: str, key: str, session: AsyncClientSession) -> None:
        reviewed = await self._store.reviewed_for(user_id, key, session)
        await self._providers.refresh(user_id, key, reviewed, session)

    async def follow_up_posted(
        self,
        user_id: str,
        experience_id: str,
        conversation_id: str,
        posted_at: datetime,
        session: AsyncClientSession,
    ) -> None:
        """The follow-up question landed in ``conversation_id``: the next reply there is the review."""
        doc = await self._store.get(user_id, experience_id, session)
        if doc is None or doc.get("review"):
            return
        await self._store.update(
            experience_id,
            {
                "follow_up_conversation_id": conversation_id,
                "follow_up_posted_at": posted_at,
                "awaiting_review": True,
            },
            session,
        )

    async def take_reply(
        self,
        user_id: str,
        conversation_id: str,
        message_id: str,
        text: str,
        at: datetime,
        session: AsyncClientSession,
    ) -> bool:
        """Use a user message as the review of the follow-up asked in that conversation."""
        waiting = [
            doc
            for doc in await self._store.awaiting_reply(user_id, conversation_id, session)
            if doc["follow_up_posted_at"] <= at <= doc["follow_up_posted_at"] + self._reply_window
        ]
        if not waiting:
            return False
        await self._save_review(
            waiting[-1], text, session, conversation_id=conversation_id, message_id=message_id
        )
        return True

    # -- reading -----------------------------------------------------------------------------

    async def get(self, user_id: str, experience_id: str) -> Experience:
        return experience_from_doc(await self._store.owned(user_id, experience_id))

    async def page(
        self,
        user_id: str,
        paging: PageQuery,
        *,
        status: ExperienceStatus | None,
        experience_type: str | None,
        provider: str | None,
        context: Context | None,
    ) -> ExperiencePage:
        query = owner_query(
            user_id,
            status=status,
            type=experience_type,
            provider_key=provider_key(provider) if provider is not None else None,
            context=context,
        )
        items, next_cursor = await self._store.page(query, paging, convert=experience_from_doc)
        return ExperiencePage(items=items, next_cursor=next_cursor)

    # -- firing ------------------------------------------------------------------------------

    async def _fire(
        self, timers: DueBatch, docs: ById, context: FireContext, session: AsyncClientSession
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        notes: list[NotificationSpec] = []
        updates: list[tuple[str, Document, Document | None]] = []
        for timer in timers:
            doc = docs.get(timer.ref_id or "")
            if (
                doc is None
                or not doc["follow_up"]
                or doc["status"] in ENDED
                or doc.get("review")
                or doc.get("follow_up_sent_at")
                or context.skip(timer)
            ):
                outcomes.append(Outcome.SKIPPED)
                continue
            question = follow_up_question(doc)
            notes.append(
                NotificationSpec(
                    user_id=doc["user_id"],
                    kind=NOTICE,
                    title=question,
                    body=question,
                    ref_kind=REF_KIND,
                    ref_id=doc["_id"],
                    conversation_id=doc.get("conversation_id"),
                    # "How was it?" can wait for the hours the person usually answers at.
                    flexible=True,
                )
            )
            changes: dict[str, Any] = {
                "follow_up_sent_at": context.now,
                "follow_up_attempts": int(doc.get("follow_up_attempts", 0)) + 1,
                "updated_at": context.now,
            }
            if doc["status"] in (
                ExperienceStatus.SCHEDULED.value,
                ExperienceStatus.IN_PROGRESS.value,
            ):
                changes["status"] = ExperienceStatus.COMPLETED.value
                changes["completed_at"] = doc["ends_at"]
            updates.append((doc["_id"], changes, None))
            outcomes.append(Outcome.FIRED)
        await self._notifications.create_many(session, notes)
        await self._store.update_each(updates, session)
        return outcomes
